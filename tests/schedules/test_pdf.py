"""The published week's PDF: A4 landscape, Vietnamese text (NFC) as agencies print it, changes marked in bold
red, internal entries left out. Read back with poppler's pdftotext and pdfinfo."""

import io
import subprocess
import unicodedata
from datetime import timedelta

import pytest
from PIL import Image

from schedules import services
from tests.schedules.sched_out_data import INTERNAL, WEEK, change_week, draft_week, make_world, publish


def pdf_text(path):
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True,
                          text=True).stdout


def red_pixels(path):
    """How many pixels of the first page, rendered by poppler, are the change marks' red."""
    png = subprocess.run(["pdftoppm", "-r", "100", "-png", "-f", "1", "-l", "1", str(path)], capture_output=True,
                         check=True).stdout
    image = Image.open(io.BytesIO(png)).convert("RGB")
    return sum(1 for r, g, b in image.get_flattened_data() if r > 140 and r - g > 70 and r - b > 70)


def pdf_info(path):
    return subprocess.run(["pdfinfo", str(path)], capture_output=True, check=True, text=True).stdout


@pytest.fixture
def world(db):
    return make_world()


def test_the_week_is_a_landscape_table_in_vietnamese_without_internal_entries(world, django_capture_on_commit_callbacks):
    schedule, _entries = draft_week(world)
    with django_capture_on_commit_callbacks(execute=True):
        version = publish(world, schedule)
    path = version.pdf.path
    with open(path, "rb") as handle:
        raw = handle.read()
    assert raw.startswith(b"%PDF")
    assert "Page size:       841.89 x 595.276 pts (A4)" in pdf_info(path)  # landscape: wider than high

    text = pdf_text(path)
    assert unicodedata.normalize("NFC", text) == text
    end = WEEK + timedelta(days=6)
    for expected in ("ỦY BAN NHÂN DÂN TỈNH KON TUM", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
                     f"LỊCH CÔNG TÁC TUẦN {WEEK.isocalendar().week}",
                     f"Từ ngày {WEEK:%d/%m/%Y} đến ngày {end:%d/%m/%Y}",
                     "Thứ/Ngày", "Thời gian", "Nội dung", "Chủ trì", "Thành phần", "Địa điểm", "Đơn vị chuẩn bị",
                     "Thứ Hai", f"{WEEK:%d/%m/%Y}", "Sáng 08:00", "Họp Ủy ban nhân dân tỉnh thường kỳ tháng 12",
                     "Đ/c Nguyễn Văn Chủ,", "Trần Thị Phó; Phòng Tài chính", "Phòng họp số 1",
                     "Chiều 14:00", "Kiểm tra công trình đường tỉnh", "Lê Văn Chuyên", "Huyện Đắk Hà", "Phòng Kế hoạch"):
        assert expected in text, expected
    assert INTERNAL not in text and "Phòng họp số 2" not in text
    assert "Điều chỉnh lần" not in text
    assert red_pixels(path) == 0  # nothing marked in a first publication


def test_a_new_version_says_which_adjustment_it_is_and_marks_the_changes_in_red(world,
                                                                                 django_capture_on_commit_callbacks):
    schedule, entries = draft_week(world)
    with django_capture_on_commit_callbacks(execute=True):
        publish(world, schedule)
        change_week(world, schedule, entries)
        version = publish(world, schedule)
    assert version.number == 2
    text = pdf_text(version.pdf.path)
    assert "(Điều chỉnh lần 1)" in text
    assert "Điều chỉnh: Họp Ủy ban nhân dân tỉnh" in text and "Hội trường tầng 3" in text
    assert "Hoãn: Kiểm tra công trình đường tỉnh" in text
    assert "Bổ sung: Tiếp công dân định kỳ" in text
    assert red_pixels(version.pdf.path) > 50
    fonts = subprocess.run(["pdffonts", version.pdf.path], capture_output=True, check=True, text=True).stdout
    assert "LiberationSerif-Bold" in fonts and "LiberationSerif" in fonts


def test_weekend_days_are_printed_only_when_something_happens(world, django_capture_on_commit_callbacks):
    schedule, _entries = draft_week(world)
    services.entry_add(membership=world["keeper"], schedule=schedule, content="Trực lãnh đạo cuối tuần",
                       starts_at=services.week_bounds(WEEK)[0] + timedelta(days=6, hours=7), all_day=True)
    with django_capture_on_commit_callbacks(execute=True):
        version = publish(world, schedule)
    text = pdf_text(version.pdf.path)
    assert "Chủ nhật" in text and "Cả ngày" in text and "Trực lãnh đạo cuối tuần" in text
    assert "Thứ Bảy" not in text
