"""Reading a batch as uploaded: the metadata sheet (CSV or XLSX) into rows with their line numbers, and the package
of scans (a ZIP, or a ZIP made here of the files of a folder picked in the browser). Nothing here writes rows."""

import csv
import datetime
import io
import posixpath
import tempfile
import zipfile
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.files import display_name, max_upload_bytes
from core.text import fold, nfc
from documents.models.common import DocumentType

METADATA_SUFFIXES = (".csv", ".xlsx")
# Folded header → field. A sheet may say "Số, ký hiệu" in one column or "Số" and "Ký hiệu" in two.
HEADERS = {
    "so": "number", "so van ban": "number", "number": "number",
    "ky hieu": "notation", "so ky hieu": "notation", "notation": "notation",
    "ngay": "doc_date", "ngay van ban": "doc_date", "ngay thang": "doc_date", "ngay thang van ban": "doc_date",
    "date": "doc_date",
    "co quan ban hanh": "issuer", "tac gia": "issuer", "issuer": "issuer", "issuing agency": "issuer",
    "loai": "doc_type", "loai van ban": "doc_type", "the loai": "doc_type", "type": "doc_type",
    "trich yeu": "summary", "trich yeu noi dung": "summary", "summary": "summary",
    "hop so": "box", "hop": "box", "box": "box",
    "ho so so": "file_ref", "ho so": "file_ref", "file": "file_ref",
    "tep": "scan_name", "tep ban quet": "scan_name", "ban quet": "scan_name", "scan": "scan_name",
}
REQUIRED_COLUMNS = ("issuer", "doc_type", "summary", "scan_name")
DATE_FORMATS = ("%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y")
_TYPES = {}


def document_type(value):
    """The DocumentType of "QĐ", "qd", "Quyết định" or "quyet dinh"; None if it is none."""
    if not _TYPES:
        for choice in DocumentType:
            _TYPES[fold(choice.value)] = choice.value
            _TYPES[fold(str(choice.label))] = choice.value
    return _TYPES.get(fold(value))


@dataclass
class Row:
    line: int
    values: dict
    errors: list = field(default_factory=list)


def _cell(value):
    if value is None:
        return ""
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return " ".join(nfc(str(value)).split())


def _table_from_csv(data):
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValidationError(_("Tệp dữ liệu CSV không phải UTF-8; hãy lưu lại với mã hóa UTF-8.")) from exc
    first = text.split("\n", 1)[0]
    delimiter = max(",;\t", key=first.count)
    return [(number, list(row)) for number, row in enumerate(csv.reader(io.StringIO(text), delimiter=delimiter), 1)]


def _table_from_xlsx(data):
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 (openpyxl fails in many ways on a file that is no workbook)
        raise ValidationError(_("Không đọc được tệp dữ liệu XLSX.")) from exc
    sheet = workbook.worksheets[0]
    return [(number, list(row)) for number, row in enumerate(sheet.iter_rows(values_only=True), 1)]


def read_rows(name, data):
    """The rows of a metadata sheet, each with its line (the header is line 1) and raw values by field."""
    table = _table_from_xlsx(data) if name.lower().endswith(".xlsx") else _table_from_csv(data)
    table = [(number, [_cell(value) for value in row]) for number, row in table]
    table = [(number, row) for number, row in table if any(value != "" for value in row)]
    if not table:
        raise ValidationError(_("Tệp dữ liệu không có dòng nào."))
    header_line, header = table[0]
    columns = {index: HEADERS.get(fold(str(title))) for index, title in enumerate(header)}
    missing = [name for name in REQUIRED_COLUMNS if name not in columns.values()]
    if missing:
        raise ValidationError(_("Dòng %(line)s (tiêu đề) thiếu cột: %(columns)s.") % {
            "line": header_line, "columns": ", ".join(str(COLUMN_LABELS[name]) for name in missing)})
    rows = []
    for number, row in table[1:]:
        values = {}
        for index, value in enumerate(row):
            if columns.get(index) and value != "":
                values[columns[index]] = value
        rows.append(Row(number, values))
    return rows


COLUMN_LABELS = {
    "number": gettext_lazy("Số"), "notation": gettext_lazy("Ký hiệu"), "doc_date": gettext_lazy("Ngày văn bản"),
    "issuer": gettext_lazy("Cơ quan ban hành"), "doc_type": gettext_lazy("Loại văn bản"),
    "summary": gettext_lazy("Trích yếu"), "box": gettext_lazy("Hộp số"), "file_ref": gettext_lazy("Hồ sơ số"),
    "scan_name": gettext_lazy("Tệp bản quét"),
}


def parse_date(value):
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    for pattern in DATE_FORMATS:
        try:
            return datetime.datetime.strptime(str(value), pattern).date()
        except ValueError:
            continue
    return None


# --- The package -----------------------------------------------------------------------------------------

def _is_junk(name):
    base = posixpath.basename(name)
    return name.endswith("/") or name.startswith("__MACOSX/") or base.startswith(".") or base in ("Thumbs.db",)


class Package:
    """The scans of a batch in a ZIP, found by their path in it or, when unique, by their file name alone."""

    def __init__(self, fileobj):
        try:
            self.zip = zipfile.ZipFile(fileobj)
        except (zipfile.BadZipFile, OSError, ValueError) as exc:
            raise ValidationError(_("Gói bản quét không phải tệp ZIP đọc được.")) from exc
        self.entries = [info for info in self.zip.infolist() if not _is_junk(info.filename)]
        self.by_path = {nfc(info.filename).lower(): info for info in self.entries}
        self.by_name = {}
        for info in self.entries:
            self.by_name.setdefault(posixpath.basename(nfc(info.filename)).lower(), []).append(info)

    def metadata(self):
        """(name, bytes) of the one CSV or XLSX in the package."""
        sheets = [info for info in self.entries if info.filename.lower().endswith(METADATA_SUFFIXES)]
        if len(sheets) != 1:
            raise ValidationError(_("Cần đúng một tệp dữ liệu CSV hoặc XLSX (trong gói hoặc tải lên riêng); "
                                    "tìm thấy %(count)s.") % {"count": len(sheets)})
        return sheets[0].filename, self.read(sheets[0])

    def find(self, name):
        key = nfc(name).replace("\\", "/").strip("/").lower()
        if key in self.by_path:
            return self.by_path[key]
        found = self.by_name.get(posixpath.basename(key), [])
        return found[0] if len(found) == 1 else None

    def read(self, info):
        if info.file_size > max_upload_bytes():
            raise ValidationError(_("Tệp “%(name)s” trong gói quá lớn.") % {"name": display_name(info.filename)})
        return self.zip.read(info)


def package_from_files(files):
    """A ZIP (a temporary file) of the files of a folder picked in the browser, under their own names."""
    spool = tempfile.TemporaryFile()
    with zipfile.ZipFile(spool, "w", compression=zipfile.ZIP_STORED) as archive:
        seen = set()
        for upload in files:
            name = display_name(upload.name)
            if name.lower() in seen:
                raise ValidationError(_("Thư mục có hai tệp cùng tên “%(name)s”.") % {"name": name})
            seen.add(name.lower())
            with archive.open(name, "w", force_zip64=True) as target:
                for chunk in upload.chunks():
                    target.write(chunk)
    spool.seek(0)
    return spool
