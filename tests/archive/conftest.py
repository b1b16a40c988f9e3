"""Archive batches built in memory: small PDFs with a text layer (Vietnamese), a metadata sheet, a ZIP."""

import csv
import io
import zipfile

import pytest
from openpyxl import Workbook
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

from core.exports import FONTS

HEADER = ["Số", "Ký hiệu", "Ngày văn bản", "Cơ quan ban hành", "Loại văn bản", "Trích yếu", "Hộp số", "Hồ sơ số",
          "Tệp bản quét"]


def pdf_with_text(text):
    pdfmetrics.registerFont(TTFont("ArchiveSerif", str(FONTS / "LiberationSerif-Regular.ttf")))
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer)
    page.setFont("ArchiveSerif", 14)
    page.drawString(72, 760, text)
    page.showPage()
    page.save()
    return buffer.getvalue()


def row(n, *, scan=None, **overrides):
    values = {"Số": str(n), "Ký hiệu": "QĐ-UBND", "Ngày văn bản": "15/03/1998",
              "Cơ quan ban hành": "Ủy ban nhân dân tỉnh Kon Tum", "Loại văn bản": "Quyết định",
              "Trích yếu": f"Về việc phòng chống thiên tai năm 1998, đợt {n}", "Hộp số": "12", "Hồ sơ số": f"{n}",
              "Tệp bản quét": scan or f"scans/vb{n:04d}.pdf"}
    values.update(overrides)
    return values


def csv_bytes(rows, header=HEADER):
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=header, extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8-sig")


def xlsx_bytes(rows, header=HEADER):
    book = Workbook()
    sheet = book.active
    sheet.append(header)
    for values in rows:
        sheet.append([values.get(title, "") for title in header])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def scans_for(rows):
    return {values["Tệp bản quét"]: pdf_with_text(f"Quyết định số {values['Số']}: {values['Trích yếu']}")
            for values in rows}


def zip_bytes(files):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def package(rows, *, scans=None, metadata="du-lieu.csv"):
    files = dict(scans if scans is not None else scans_for(rows))
    if metadata:
        files[metadata] = xlsx_bytes(rows) if metadata.endswith(".xlsx") else csv_bytes(rows)
    return zip_bytes(files)


@pytest.fixture
def archive_clerk(clerk):
    return clerk
