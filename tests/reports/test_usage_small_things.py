"""The usage report as a leader meets it: the half-year it opens on, its scope menu, the PDF's axes and
headings, and units that have no name yet."""

import datetime
import subprocess
from types import SimpleNamespace

import pytest
from django.utils import translation
from django.utils.formats import number_format
from reportlab.graphics import renderPDF
from reportlab.graphics.charts.barcharts import VerticalBarChart
from reportlab.lib.units import mm

from agencies.models import Unit
from core import exports as portal_exports
from reports import exports
from reports.exports import _month_chart, count_step, usage_pdf, whole_number
from reports.figures import usage_report
from reports.periods import current_half_year, half_year
from tests.reports import data

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("today", "expected"), [
    (datetime.date(2026, 12, 1), half_year(2026, 2)), (datetime.date(2026, 7, 1), half_year(2026, 2)),
    (datetime.date(2026, 6, 30), half_year(2026, 1)), (datetime.date(2027, 1, 1), half_year(2027, 1)),
])
def test_the_report_opens_on_the_half_year_today_falls_in(today, expected):
    assert current_half_year(today) == expected


def test_the_page_opens_on_the_current_half_year_and_the_scope_menu_has_room(province, client_for):
    html = client_for(province["people"]["p"]).get("/reports/usage/").content.decode()
    current = current_half_year()
    assert f'<option value="{current.half}" selected>' in html
    assert f'value="{current.start.year}"' in html
    scope = html.split('for="id_agency"', 1)[0].rsplit("<div", 1)[1]
    assert "col-12 col-lg-6" in scope and "col-lg-2" not in scope
    assert "Ủy ban nhân dân tỉnh Thử và các cơ quan trực thuộc" in html


@pytest.mark.parametrize(("largest", "step"), [(0, 1), (3, 1), (5, 1), (7, 2), (12, 5), (49, 10), (1234, 500)])
def test_chart_steps_are_whole_numbers(largest, step):
    assert count_step(largest) == step


def test_axis_labels_are_whole_numbers_with_vietnamese_separators():
    assert [whole_number(v) for v in (0, 2.0, 1234, 1234567.0)] == ["0", "2", "1.234", "1.234.567"]
    assert whole_number(2.5) == ""


def pdf_text(content, tmp_path, *args):
    path = tmp_path / "report.pdf"
    path.write_bytes(content)
    return subprocess.run(["pdftotext", *args, str(path), "-"], capture_output=True, text=True, check=True).stdout


def month_chart_axis(counts):
    """The tick values and labels of the PDF's month chart for these monthly counts."""
    months = [SimpleNamespace(label=f"{n + 1:02d}/2026", figures=SimpleNamespace(issued=c, received=0))
              for n, c in enumerate(counts)]
    portal_exports._fonts()  # the chart's labels are set in the portal's Serif, registered with the PDF
    drawing = _month_chart(SimpleNamespace(months=months), 170 * mm)
    renderPDF.drawToString(drawing)
    axis = next(shape for shape in drawing.contents if isinstance(shape, VerticalBarChart)).valueAxis
    return axis._tickValues, [axis.labelTextFormat(value) for value in axis._tickValues]


def test_the_pdf_month_chart_counts_in_whole_numbers_with_vietnamese_separators():
    ticks, labels = month_chart_axis([1, 3, 2, 0, 1, 2])
    assert ticks == [0, 1, 2, 3] and labels == ["0", "1", "2", "3"]
    ticks, labels = month_chart_axis([1234, 2000, 150])
    assert labels == ["0", "500", "1.000", "1.500", "2.000"]


def test_a_heading_or_a_chart_caption_never_ends_a_page(province, tmp_path):
    """Enough units that the unit breakdown and its chart reach the foot of page 2 (the counts are those at
    which the caption of the unit chart used to sit alone there); no page ends with a heading."""
    p = province["p"]
    headings = ("I. ", "II. ", "III. ", "IV. ", "V. ", "Tỷ lệ gửi điện tử theo cơ quan", "Tỷ lệ xử lý đúng hạn")
    for count in range(22):
        unit = Unit.objects.create(agency=p, name=f"Phòng thử {count}", abbreviation=f"T{count}")
        data.issued(p, unit, province["people"]["p"], data.at(2026, 3, 2, 9))
        if count < 15:
            continue
        report = usage_report(p.descendant_ids(), half_year(2026, 1))
        pages = pdf_text(usage_pdf(report, p), tmp_path).split("\f")
        for number, page in enumerate(pages[:-1], 1):
            lines = [line.strip() for line in page.splitlines() if line.strip()]
            assert lines and not lines[-1].startswith(headings), (count, number, lines[-3:])


def test_units_without_a_name_are_labelled(province, client_for):
    p = province["p"]
    nameless = Unit.objects.create(agency=p, name="", abbreviation="X")
    data.issued(p, nameless, province["people"]["p"], data.at(2026, 3, 2, 9))
    html = client_for(province["people"]["p"]).get("/reports/usage/", {"year": 2026, "half": 1}).content.decode()
    assert "(chưa đặt tên) – UBND" in html
    assert "<td> – UBND</td>" not in html


@pytest.mark.parametrize("language", ["vi", "en"])
def test_figures_read_as_number_format_writes_them(language):
    values = [0, 7, 999, 1000, 12345, 1234567, -4321, 0.04, 66.666, 99.95, 1234.5, 100.0]
    with translation.override(language):
        assert [exports.number(v) for v in values] == [number_format(v, force_grouping=True) for v in values]
        assert [exports.decimal(v) for v in values] == [number_format(round(v, 1), 1, force_grouping=True)
                                                        for v in values]
        assert exports.percent(1234.56) == number_format(1234.6, 1, force_grouping=True) + " %"
