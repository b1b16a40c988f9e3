"""Tables as XLSX (openpyxl) and as landscape PDF with Vietnamese text (reportlab + Liberation fonts)."""

import csv
import io
from pathlib import Path

from django.http import HttpResponse
from django.utils.functional import Promise
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

FONTS = Path(__file__).resolve().parent / "fonts"
_registered = False


def _fonts():
    global _registered
    if not _registered:
        pdfmetrics.registerFont(TTFont("Serif", str(FONTS / "LiberationSerif-Regular.ttf")))
        pdfmetrics.registerFont(TTFont("Serif-Bold", str(FONTS / "LiberationSerif-Bold.ttf")))
        _registered = True


# A cell starting with one of these is a formula (or starts one) in Excel, LibreOffice and Google Sheets.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value):
    """Text that a spreadsheet shows as text (OWASP CSV injection): a leading =, +, -, @, tab or CR gets a quote.

    Numbers, dates and None pass unchanged; lazy translations become text.
    """
    if isinstance(value, Promise):
        value = str(value)
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


class _NeutralisingWriter:
    def __init__(self, writer):
        self._writer = writer

    def writerow(self, values):
        return self._writer.writerow([neutralise(value) for value in values])


def csv_writer(stream, **options):
    """csv.writer whose every cell is neutralised: an export is data, never formulas."""
    return _NeutralisingWriter(csv.writer(stream, **options))


def sheet_append(sheet, values):
    """Append a row to an openpyxl sheet: every text is a string cell (never a formula), numbers stay numbers."""
    values = ["" if value is None else neutralise(value) for value in values]
    sheet.append(values)
    for cell, value in zip(sheet[sheet.max_row], values, strict=False):  # the row may be wider than values
        if isinstance(value, str):
            cell.data_type = "s"
    return sheet[sheet.max_row]


def xlsx_bytes(title, headers, rows, subtitle=""):
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title[:31]
    sheet_append(sheet, [title])
    sheet["A1"].font = Font(bold=True, size=14)
    if subtitle:
        sheet_append(sheet, [subtitle])
    sheet.append([])
    sheet_append(sheet, [str(h) for h in headers])
    header_row = sheet.max_row
    for cell in sheet[header_row]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="center")
    for row in rows:
        sheet_append(sheet, row)
    for index, header in enumerate(headers, start=1):
        width = max([len(str(header))] + [len(str(r[index - 1] or "")) for r in rows[:500]] or [10])
        sheet.column_dimensions[get_column_letter(index)].width = min(max(width + 2, 8), 60)
    sheet.freeze_panes = sheet.cell(row=header_row + 1, column=1)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def pdf_bytes(title, headers, rows, subtitle="", col_widths=None):
    _fonts()
    buffer = io.BytesIO()
    document = SimpleDocTemplate(buffer, pagesize=landscape(A4), leftMargin=12 * mm, rightMargin=12 * mm,
                                 topMargin=12 * mm, bottomMargin=12 * mm, title=title)
    cell = ParagraphStyle("cell", fontName="Serif", fontSize=8.5, leading=10.5)
    head = ParagraphStyle("head", parent=cell, fontName="Serif-Bold")
    story = [Paragraph(title, ParagraphStyle("title", fontName="Serif-Bold", fontSize=14, leading=18, alignment=1))]
    if subtitle:
        story.append(Paragraph(subtitle, ParagraphStyle("sub", fontName="Serif", fontSize=10, alignment=1)))
    story.append(Spacer(1, 6 * mm))
    data = [[Paragraph(str(h), head) for h in headers]]
    data += [[Paragraph(_escape(value), cell) for value in row] for row in rows]
    width = landscape(A4)[0] - 24 * mm
    widths = [width * w for w in col_widths] if col_widths else None
    table = Table(data, colWidths=widths, repeatRows=1)
    table.setStyle(TableStyle([
        ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
        ("BACKGROUND", (0, 0), (-1, 0), colors.Color(0.93, 0.93, 0.93)),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ]))
    story.append(table)
    document.build(story)
    return buffer.getvalue()


def _escape(value):
    text = "" if value is None else str(value)
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\n", "<br/>")


def download(content, filename, content_type):
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PDF = "application/pdf"
