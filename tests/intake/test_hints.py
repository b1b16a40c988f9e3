import datetime

import pytest

from intake.hints import extract_hints


@pytest.mark.parametrize(("subject", "notation", "document_type"), [
    ("Công văn số 123/UBND-VP về việc báo cáo", "123/UBND-VP", "Công văn"),
    ("Quyết định 15/QĐ-BNV ngày 15/11/2026", "15/QĐ-BNV", "Quyết định"),
    ("Gửi Thông tư 05/2026/TT-BTTTT", "05/2026/TT-BTTTT", "Thông tư"),
    ("Tờ trình 7/TTr-SNV", "07/TTr-SNV", "Tờ trình"),
    ("Giấy mời 45/GM-UBND họp giao ban", "45/GM-UBND", "Giấy mời"),
    ("Kế hoạch số 12/KH-UBND", "12/KH-UBND", "Kế hoạch"),
    ("V/v góp ý dự thảo", "", ""),
])
def test_number_notation_and_type_come_from_the_subject(subject, notation, document_type):
    hints = extract_hints(subject, "")
    assert hints.number_notation == notation
    assert hints.document_type == document_type


def test_the_documents_own_so_line_wins_over_a_cited_notation_in_the_subject():
    body = "ỦY BAN NHÂN DÂN\nTỈNH KON TUM\nSố: 2345/UBND-KGVX\nV/v triển khai Chỉ thị số 34/2008/CT-TTg"
    hints = extract_hints("Triển khai Chỉ thị số 34/2008/CT-TTg", body)
    assert hints.number_notation == "2345/UBND-KGVX"
    assert hints.document_type == "Công văn"


def test_notation_is_read_from_a_file_name_when_the_subject_has_none():
    hints = extract_hints("Gửi văn bản", "Kính gửi Bộ Nội vụ", ["15_QD-BNV.signed.pdf"])
    assert hints.number_notation == "15/QD-BNV"
    assert hints.document_type == "Quyết định"


@pytest.mark.parametrize(("text", "expected"), [
    ("Kon Tum, ngày 15 tháng 11 năm 2026", datetime.date(2026, 11, 15)),
    ("Hà Nội, ngày 05 tháng 3 năm 2026", datetime.date(2026, 3, 5)),
    ("Kon Tum, ngay 1 thang 12 nam 2026", datetime.date(2026, 12, 1)),
    ("báo cáo trước 15/11/2026", datetime.date(2026, 11, 15)),
    ("ngày 31 tháng 2 năm 2026 (sai) rồi 20/11/2026", datetime.date(2026, 11, 20)),
    ("không có ngày", None),
])
def test_document_date_is_read_in_words_or_digits(text, expected):
    assert extract_hints("", text).document_date == expected


def test_the_spelled_out_date_line_wins_over_other_dates():
    body = "Đề nghị báo cáo trước 30/11/2026.\nKon Tum, ngày 15 tháng 11 năm 2026"
    assert extract_hints("Công văn 05/BNV-VP", body).document_date == datetime.date(2026, 11, 15)
