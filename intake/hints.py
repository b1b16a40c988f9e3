"""Hints for registering an incoming e-mail: number and notation, document date, document type.

They are read from the subject, the body and the attachment names, and only ever offered to the clerk,
who confirms them when registering (Decree 30/2020/NĐ-CP, Art. 15 and Annexes I, III).
"""

import datetime
import re
from dataclasses import dataclass

from core.text import fold, nfc

# Annex III abbreviations, plus the legal normative documents (Luật ban hành VBQPPL) that also come by mail.
DOCUMENT_TYPES = {
    "NQ": "Nghị quyết", "QĐ": "Quyết định", "CT": "Chỉ thị", "QC": "Quy chế", "QyĐ": "Quy định",
    "TC": "Thông cáo", "TB": "Thông báo", "HD": "Hướng dẫn", "CTr": "Chương trình", "KH": "Kế hoạch",
    "PA": "Phương án", "ĐA": "Đề án", "DA": "Dự án", "BC": "Báo cáo", "BB": "Biên bản", "TTr": "Tờ trình",
    "HĐ": "Hợp đồng", "CĐ": "Công điện", "BGN": "Bản ghi nhớ", "BTT": "Bản thỏa thuận",
    "GUQ": "Giấy ủy quyền", "GM": "Giấy mời", "GGT": "Giấy giới thiệu", "GNP": "Giấy nghỉ phép",
    "PG": "Phiếu gửi", "PC": "Phiếu chuyển", "PB": "Phiếu báo", "SY": "Bản sao y", "TrS": "Bản trích sao",
    "SL": "Bản sao lục", "NĐ": "Nghị định", "TT": "Thông tư", "TTLT": "Thông tư liên tịch",
}
OFFICIAL_LETTER = "Công văn"  # a công văn's notation starts with the agency, not a type abbreviation
_GROUP = r"[A-ZĐ][A-Za-zĐđ0-9]*"
_NOTATION = rf"{_GROUP}(?:-{_GROUP})+"
NUMBER_NOTATION = re.compile(rf"(?<![0-9A-Za-z/])(\d{{1,5}})/(?:(\d{{4}})/)?({_NOTATION})(?![A-Za-z0-9])")
# In file names "/" cannot appear; senders write 123_UBND-VP.pdf or 05_2026_TT-BTTTT.pdf.
FILE_NUMBER_NOTATION = re.compile(rf"(?<![0-9A-Za-z])(\d{{1,5}})_(?:(\d{{4}})_)?({_NOTATION})(?![A-Za-z0-9])")
HEADER_NUMBER = re.compile(rf"\bs[oố]\s*:\s*(\d{{1,5}})/(?:(\d{{4}})/)?({_NOTATION})", re.IGNORECASE)
SPELLED_DATE = re.compile(r"\bngay\s+(\d{1,2})\s+thang\s+(\d{1,2})\s+nam\s+(\d{4})\b")
NUMERIC_DATE = re.compile(r"(?<![\d/.-])(\d{1,2})([/.-])(\d{1,2})\2(\d{4})(?![\d/.-])")


@dataclass
class Hints:
    number_notation: str = ""
    document_date: datetime.date | None = None
    document_type: str = ""


def _format(match):
    number, year, notation = match.groups()
    return f"{int(number):02d}/{year + '/' if year else ''}{notation}"


def number_notation(subject, body, filenames):
    """The document's own number, not one it cites: a "Số:" line first, then subject, file names, body."""
    for text in (body, subject):
        found = HEADER_NUMBER.search(nfc(text))
        if found:
            return _format(found)
    for text, pattern in ((subject, NUMBER_NOTATION), *((name, FILE_NUMBER_NOTATION) for name in filenames),
                          (body, NUMBER_NOTATION)):
        found = pattern.search(nfc(text))
        if found:
            return _format(found)
    return ""


def document_type(notation):
    """Type named by the first group of the notation; a notation that starts with an agency is a công văn."""
    if not notation:
        return ""
    first = notation.split("/")[-1].split("-")[0]
    if first in DOCUMENT_TYPES:
        return DOCUMENT_TYPES[first]
    folded = [name for abbreviation, name in DOCUMENT_TYPES.items() if fold(abbreviation) == fold(first)]
    if len(folded) == 1:  # QD for QĐ; HD stays ambiguous between Hướng dẫn and Hợp đồng
        return folded[0]
    return OFFICIAL_LETTER if not folded else ""


def _date(day, month, year):
    try:
        return datetime.date(int(year), int(month), int(day))
    except ValueError:
        return None


def document_date(subject, body, filenames):
    """The "…, ngày 15 tháng 11 năm 2026" line wins over a numeric 15/11/2026 anywhere."""
    texts = [body, subject, *filenames]
    for text in texts:
        for found in SPELLED_DATE.finditer(fold(text)):
            value = _date(*found.groups())
            if value:
                return value
    for text in (subject, body, *filenames):
        for found in NUMERIC_DATE.finditer(text):
            value = _date(found.group(1), found.group(3), found.group(4))
            if value:
                return value
    return None


def extract_hints(subject, body, filenames=()):
    notation = number_notation(subject or "", body or "", list(filenames))
    return Hints(
        number_notation=notation,
        document_date=document_date(subject or "", body or "", list(filenames)),
        document_type=document_type(notation),
    )
