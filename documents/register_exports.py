"""A register's XLSX and PDF written row by row into a temporary file, then streamed: memory stays bounded.

Rows come from the database in chunks (`iterator(chunk_size=…)`); the XLSX is written by openpyxl's write-only
workbook (rows go to disk as they come); the PDF is laid out CHUNK_ROWS rows at a time (one small table per chunk,
the column headings drawn at the top of every page), and only a few chunks are in memory at once. What stays in
memory grows with the pages' compressed content (a few kB a page), not with the rows' objects. Measured (a
synthetic outgoing register, this machine): PDF of 1,000 rows peak RSS 146 MB, of 20,000 rows 185 MB (the Django
process alone is 140 MB; 92 s, hence the worker for big registers); XLSX of 100,000 rows 145 MB.
"""

import datetime
import itertools
import os
import shutil
import subprocess
import tempfile

from django.core.cache import cache
from django.http import FileResponse
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import BaseDocTemplate, Frame, PageTemplate, Paragraph, Spacer, Table, TableStyle

from core import exports

from . import registers, selectors
from .models import Register

CHUNK_ROWS = 40
VOLUME_ROWS = 4000  # rows laid out by reportlab at once (≈ 2 kB of memory a row until its volume is written)
WIDTH_SAMPLE = 200
SPOOL = 8 * 1024 * 1024  # a file smaller than this stays in memory
PDF_JOB_SECONDS = 24 * 3600


def _cells(sheet, values, font=None):
    cells = []
    for value in values:
        value = "" if value is None else exports.neutralise(value)
        cell = WriteOnlyCell(sheet, value=value)
        if isinstance(value, str):
            cell.data_type = "s"
        if font:
            cell.font = font
            cell.alignment = Alignment(wrap_text=True, vertical="center")
        cells.append(cell)
    return cells


def xlsx_file(title, headers, rows, subtitle=""):
    """The XLSX of `rows` (any iterable) as a temporary file positioned at its start."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title[:31])
    rows = iter(rows)
    sample = [row for _, row in zip(range(WIDTH_SAMPLE), rows, strict=False)]
    for index, header in enumerate(headers, start=1):
        width = max([len(str(header))] + [len(str(r[index - 1] or "")) for r in sample])
        sheet.column_dimensions[get_column_letter(index)].width = min(max(width + 2, 8), 60)
    heading_rows = 3 + bool(subtitle)
    sheet.freeze_panes = f"A{heading_rows + 1}"
    sheet.append(_cells(sheet, [title], Font(bold=True, size=14)))
    if subtitle:
        sheet.append(_cells(sheet, [subtitle]))
    sheet.append([])
    sheet.append(_cells(sheet, [str(h) for h in headers], Font(bold=True)))
    for row in sample:
        sheet.append(_cells(sheet, row))
    for row in rows:
        sheet.append(_cells(sheet, row))
    out = tempfile.SpooledTemporaryFile(max_size=SPOOL)
    workbook.save(out)
    out.seek(0)
    return out


class _Refilling(list):
    """The story handed to reportlab: it takes flowables from the front; this list takes the next chunks from
    `more` whenever it runs short, so that only a few chunks exist at a time."""

    def __init__(self, head, more):
        super().__init__(head)
        self._more = more
        self._fill()

    def _fill(self):
        while len(self) < 4:
            flowable = next(self._more, None)
            if flowable is None:
                return
            self.append(flowable)

    def __delitem__(self, index):
        super().__delitem__(index)
        self._fill()


class _Styles:
    def __init__(self):
        self.cell = ParagraphStyle("cell", fontName="Serif", fontSize=8.5, leading=10.5)
        self.head = ParagraphStyle("head", parent=self.cell, fontName="Serif-Bold")
        self.title = ParagraphStyle("title", fontName="Serif-Bold", fontSize=14, leading=18, alignment=1)
        self.subtitle = ParagraphStyle("sub", fontName="Serif", fontSize=10, alignment=1)
        self.table = TableStyle([("GRID", (0, 0), (-1, -1), 0.4, colors.grey), ("VALIGN", (0, 0), (-1, -1), "TOP")])
        self.heading = TableStyle([("GRID", (0, 0), (-1, -1), 0.4, colors.grey), ("VALIGN", (0, 0), (-1, -1), "TOP"),
                                   ("BACKGROUND", (0, 0), (-1, -1), colors.Color(0.93, 0.93, 0.93))])


def _chunks(rows, styles, widths, progress):
    chunk, done = [], 0
    for row in rows:
        chunk.append([Paragraph(exports._escape(value), styles.cell) for value in row])
        if len(chunk) == CHUNK_ROWS:
            done += len(chunk)
            yield _table(chunk, widths, styles.table)
            chunk = []
            if progress:
                progress(done)
    if chunk:
        yield _table(chunk, widths, styles.table)
        if progress:
            progress(done + len(chunk))


def _table(data, widths, style):
    table = Table(data, colWidths=widths)
    table.setStyle(style)
    return table


def pdf_file(title, headers, rows, subtitle="", col_widths=None, progress=None):
    """The landscape A4 PDF of `rows` (any iterable) as a temporary file at its start; `progress(rows_done)` is
    called after each chunk of rows.

    reportlab keeps every page it has laid out until it writes the file (≈ 2 kB of memory a row), so a long register
    is laid out in volumes of VOLUME_ROWS rows, each written to disk, and the volumes are joined by qpdf, which
    copies their pages from disk: memory stays that of one volume whatever the number of rows. The title is on the
    first page only; the column headings on top of every page, volumes included."""
    rows = iter(rows)
    first, volumes = next(rows, None), []
    try:
        while True:
            # Every volume but the last holds VOLUME_ROWS rows; an empty register is one volume with its title.
            volume = itertools.chain([] if first is None else [first], itertools.islice(rows, VOLUME_ROWS - 1))
            base = len(volumes) * VOLUME_ROWS
            volumes.append(_pdf_volume(title, headers, volume, subtitle, col_widths,
                                       progress and (lambda n, base=base: progress(base + n)), opening=not volumes))
            first = next(rows, None)
            if first is None:
                break
    except BaseException:
        for volume in volumes:
            volume.close()
        raise
    return volumes[0] if len(volumes) == 1 else _joined(volumes)


def _joined(volumes):
    """The volumes' pages in order, as one PDF (qpdf reads the pages from the files, not into memory)."""
    with tempfile.TemporaryDirectory() as folder:
        paths = []
        for index, volume in enumerate(volumes):
            path = os.path.join(folder, f"{index:05d}.pdf")
            volume.seek(0)
            with open(path, "wb") as target:
                shutil.copyfileobj(volume, target)
            volume.close()
            paths.append(path)
        joined = os.path.join(folder, "joined.pdf")
        subprocess.run(["qpdf", "--empty", "--pages", *paths, "--", joined], check=True, capture_output=True,
                       timeout=3600)
        out = tempfile.SpooledTemporaryFile(max_size=SPOOL)
        with open(joined, "rb") as source:
            shutil.copyfileobj(source, out)
    out.seek(0)
    return out


def _pdf_volume(title, headers, rows, subtitle, col_widths, progress, *, opening):
    exports._fonts()
    styles = _Styles()
    out = tempfile.SpooledTemporaryFile(max_size=SPOOL)
    page_w, page_h = landscape(A4)
    margin = 12 * mm
    width = page_w - 2 * margin
    widths = [width * w for w in col_widths] if col_widths else [width / len(headers)] * len(headers)
    heading = _table([[Paragraph(str(h), styles.head) for h in headers]], widths, styles.heading)
    _, heading_h = heading.wrap(width, page_h)

    def draw_heading(canvas, document):
        heading.drawOn(canvas, margin, page_h - margin - heading_h)

    first = Frame(margin, margin, width, page_h - 2 * margin, id="first", leftPadding=0, rightPadding=0,
                  topPadding=0, bottomPadding=0)
    later = Frame(margin, margin, width, page_h - 2 * margin - heading_h, id="later", leftPadding=0,
                  rightPadding=0, topPadding=0, bottomPadding=0)
    templates = [PageTemplate(id="Later", frames=[later], onPage=draw_heading)]
    if opening:
        templates.insert(0, PageTemplate(id="First", frames=[first], autoNextPageTemplate="Later"))
    document = BaseDocTemplate(out, pagesize=(page_w, page_h), title=title, pageTemplates=templates)
    head = []
    if opening:
        head = [Paragraph(title, styles.title)]
        if subtitle:
            head.append(Paragraph(subtitle, styles.subtitle))
        head += [Spacer(1, 6 * mm), heading]
    document.build(_Refilling(head, _chunks(rows, styles, widths, progress)))
    out.seek(0)
    return out


def download(file, filename, content_type):
    """Stream a temporary file (closed when sent) as an attachment."""
    return FileResponse(file, as_attachment=True, filename=filename, content_type=content_type)


KINDS = {
    Register.Kind.OUTGOING: (registers.OutgoingRegisterTable, registers.OUTGOING_COLUMNS, registers.OUTGOING_WIDTHS,
                             registers.outgoing_register_rows, "so-van-ban-di"),
    Register.Kind.OUTGOING_SECRET: (registers.OutgoingRegisterTable, registers.OUTGOING_COLUMNS,
                                    registers.OUTGOING_WIDTHS, registers.outgoing_register_rows, "so-van-ban-di"),
    Register.Kind.INCOMING: (registers.IncomingRegisterTable, registers.INCOMING_COLUMNS, registers.INCOMING_WIDTHS,
                             registers.incoming_register_rows, "so-van-ban-den"),
}


def register_export_file(*, membership, kind, year, filters, export, progress=None):
    """(temporary file, file name, content type) of a register's XLSX or PDF, rows streamed from the database."""
    table_class, columns, widths, rows, slug = KINDS[kind]
    documents = selectors.register_filterset(membership=membership, kind=kind, year=year, filters=filters).qs
    documents = documents.order_by(table_class.number_field)
    subtitle = _("Năm %(year)s") % {"year": year}
    if export == "xlsx":
        file = xlsx_file(str(Register.Kind(kind).label), columns, rows(documents),
                                          subtitle=f"{membership.agency.name} – {subtitle}")
        return file, f"{slug}-{year}.xlsx", exports.XLSX
    title = f"{Register.Kind(kind).label} – {membership.agency.name}"
    file = pdf_file(title, columns, rows(documents), subtitle, widths, progress=progress)
    return file, f"{slug}-{year}.pdf", exports.PDF


def _job_key(token):
    return f"documents:register-pdf:{token}"


def pdf_job(token):
    return cache.get(_job_key(token))


def pdf_job_save(token, job):
    cache.set(_job_key(token), job, PDF_JOB_SECONDS)


def pdf_files_purge(now=None):
    """Register PDFs a worker made are kept while their job is (PDF_JOB_SECONDS) for the download, then deleted;
    returns how many went."""
    from django.core.files.storage import default_storage
    from django.utils import timezone

    cutoff = (now or timezone.now()) - datetime.timedelta(seconds=PDF_JOB_SECONDS)
    try:
        _folders, names = default_storage.listdir("exports")
    except FileNotFoundError:
        return 0
    stale = [f"exports/{name}" for name in names if name.endswith(".pdf")
             and default_storage.get_modified_time(f"exports/{name}") < cutoff]
    for path in stale:
        default_storage.delete(path)
    return len(stale)


