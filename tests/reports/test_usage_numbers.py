"""Issue 17: the report's figures written by Python's own grouping (reports.exports._formatted) read exactly as
number_format writes them, in both languages; its breakdown tables written by one join (reports_tags.breakdown_body)
are the HTML the template's loop wrote."""

import random
import re
from decimal import Decimal

import pytest
from django.template import Context, Template
from django.utils import numberformat, translation

from reports import exports
from reports.figures import Row
from reports.templatetags.reports_tags import breakdown_body


def _number_format(value, places, language):
    decimal_separator, grouping, thousands = exports._separators(language)
    return numberformat.format(value, decimal_separator, places, grouping, thousands, force_grouping=True,
                               use_l10n=True)


@pytest.mark.parametrize("language", ["vi", "en"])
def test_figures_read_as_number_format_writes_them(language):
    rng = random.Random(17)
    whole = [0, 1, -1, 7, 999, 1000, -1000, 12_345, 999_999, 1_000_000, -987_654_321, 10**15,
             *(rng.randrange(-10**9, 10**9) for _ in range(500))]
    shares = [0.0, -0.0, 0.04, -0.04, 0.05, 0.15, 2.675, 66.666, 99.95, 100.0, -12.35, 1234.56, 1e-7, 1e16,
              *(rng.uniform(-200_000, 200_000) for _ in range(500)), *(rng.uniform(0, 100) for _ in range(500))]
    with translation.override(language):
        for value in whole:
            assert exports.number(value) == _number_format(value, None, language), value
            assert exports.decimal(value) == _number_format(round(value, 1), 1, language), value
        for value in shares:
            for places in (1, 2):
                rounded = round(value, places)
                assert exports.decimal(value, places) == _number_format(rounded, places, language), (value, places)
            assert exports.number(value) == _number_format(value, None, language), value
            assert exports.percent(value) == _number_format(round(value, 1), 1, language) + " %", value
        assert exports.number(Decimal("1234.50")) == _number_format(Decimal("1234.50"), None, language)
        assert exports.number(None) == exports.percent(None) == "—"


# The loop templates/reports/usage.html had for each breakdown table, before breakdown_body.
LOOP = Template('{% for label, a, b, c, d, e, f in rows %}<tr><td>{{ label }}</td><td class="text-end">{{ a }}</td>'
                '<td class="text-end">{{ b }}</td><td class="text-end">{{ c }}</td><td class="text-end">{{ d }}</td>'
                '<td class="text-end">{{ e }}</td><td class="text-end">{{ f }}</td></tr>{% endfor %}')


def test_the_breakdown_rows_are_the_html_of_the_templates_loop():
    rows = []
    for n, label in enumerate(["Phòng <Kế hoạch> & \"Đầu tư\"", "Văn phòng – UBND", "O'Brien", "", "—"]):
        row = Row(str(n), label)
        row.figures.issued, row.figures.electronic, row.figures.received, row.figures.late = n * 1234, n, n * 7, n
        row.figures.on_time = 3
        rows.append(exports.breakdown_row(row))
    assert str(breakdown_body(rows)) == LOOP.render(Context({"rows": rows}))
    assert "&lt;Kế hoạch&gt; &amp; &quot;Đầu tư&quot;" in breakdown_body(rows) and "O&#x27;Brien" in breakdown_body(rows)
    assert breakdown_body([]) == ""


@pytest.mark.django_db
def test_the_pages_breakdown_tables_are_the_loops_html(client_for, province):
    response = client_for(province["people"]["p"]).get("/reports/usage/", {"year": 2026, "half": 1})
    html = response.content.decode()
    for testid, name in (("by-agency", "by_agency"), ("by-unit", "by_unit")):
        rows = response.context[name]
        assert len(rows) >= 2
        body = re.search(f'data-testid="{testid}">.*?<tbody>(.*?)</tbody>', html, re.S).group(1)
        assert body == LOOP.render(Context({"rows": rows}))


@pytest.mark.django_db
def test_a_report_over_many_units_shows_their_table_when_asked(client_for, province, monkeypatch):
    from reports import views

    monkeypatch.setattr(views, "UNITS_SHOWN", 1)
    client = client_for(province["people"]["p"])
    page = client.get("/reports/usage/", {"year": 2026, "half": 1})
    html = page.content.decode()
    assert 'data-testid="by-unit"' not in html and 'data-testid="show-units"' in html
    units = page.context["units_count"]
    assert f"Xem số liệu của {units} đơn vị" in html and 'hx-get="?year=2026&amp;half=1&amp;section=units"' in html
    # htmx asks for the table alone, with the same rows the page had before.
    fragment = client.get("/reports/usage/", {"year": 2026, "half": 1, "section": "units"}, headers={"HX-Request": "true"})
    body = re.search(r'data-testid="by-unit">.*?<tbody>(.*?)</tbody>', fragment.content.decode(), re.S).group(1)
    assert "<html" not in fragment.content.decode() and body == LOOP.render(Context({"rows": fragment.context["by_unit"]}))
    assert len(fragment.context["by_unit"]) == units >= 2
    # The same address without htmx is the whole report with the table in it.
    whole = client.get("/reports/usage/", {"year": 2026, "half": 1, "section": "units"}).content.decode()
    assert 'data-testid="by-unit"' in whole and 'data-testid="show-units"' not in whole and 'data-testid="by-agency"' in whole
