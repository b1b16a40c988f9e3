"""The report's figures against a province whose numbers are worked out by hand (tests/reports/data.py)."""

import datetime
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from documents.models import Assignment, Delivery, Incoming
from reports import figures, tasks
from reports.figures import Dialect, split_ranges, usage_report
from reports.models import FactMonth, MonthFact
from reports.periods import Period, current_half_year, half_year, last_complete_half_year
from reports.selectors import traffic_list
from tests.reports import data

pytestmark = pytest.mark.django_db
H1 = half_year(2026, 1)
ROOT = Path(__file__).resolve().parents[2]


def report(province, *agencies, period=H1, **kwargs):
    ids = [a.pk for a in agencies] if agencies else province["p"].descendant_ids()
    return usage_report(ids, period, today=data.TODAY, **kwargs)


def by_label(rows):
    return {row.label: row.figures for row in rows}


def test_headline_figures_of_the_half_year_rolled_up_over_the_children(province):
    now = report(province).current
    # Issued: o1, o2, o3 (province), o4 (child, 23:30 on 30/06), o8 (sibling); not o5 (00:30 on 01/07), not the
    # other province's o9, not the draft.
    assert now.issued == 5
    assert (now.electronic, now.electronic_share) == (4, 80.0)  # o3 went on paper only (secret)
    assert (now.on_paper, now.paper_share) == (2, 40.0)  # o2 also on paper, o3 paper
    assert (now.deliveries, now.delivered) == (7, 6)  # o2's e-mail failed
    assert now.success_rate == pytest.approx(600 / 7)
    assert now.citizen_replies == 1
    assert (now.received, now.received_electronic, now.received_on_paper) == (5, 4, 1)
    assert (now.registered, now.completed) == (4, 3)
    # On time: i1. Late: i2 (done after its due date), i5 (done 21/04 in Vietnam), i3 (still open, due 10/03).
    assert (now.on_time, now.late, now.overdue, now.overdue_open) == (1, 3, 3, 1)
    assert now.on_time_rate == 25.0


def test_medians_and_95th_percentiles_of_the_handling_times(province):
    now = report(province).current
    # Arrival → registration: 1, 2, 4, 6 hours. Median: halfway between 2 and 4; p95 at 0.95 × 3 = 2.85.
    assert now.registration_hours == pytest.approx((3.0, 4 + 0.85 * 2))
    # Arrival → completion: 170 h (i1), 216 h (i2), 262 h (i5: 10/04 08:00 → 21/04 06:00).
    assert now.completion_hours == pytest.approx((216.0, 216 + 0.9 * 46))


def test_change_against_the_previous_half_year(province):
    result = report(province)
    assert result.previous_period == half_year(2025, 2)
    before = result.previous
    assert (before.issued, before.received, before.electronic_share, before.on_time_rate) == (1, 1, 100.0, 100.0)
    assert result.change("issued") == (5, 1, 4)
    assert result.change("electronic_share") == (80.0, 100.0, -20.0)
    assert result.change("on_time_rate") == (25.0, 100.0, -75.0)


def test_breakdowns_by_month_agency_unit_and_type(province):
    result = report(province)
    months = [(row.label, row.figures.issued, row.figures.received) for row in result.months]
    assert months == [("01/2026", 0, 1), ("02/2026", 1, 1), ("03/2026", 2, 1), ("04/2026", 1, 1), ("05/2026", 0, 0),
                      ("06/2026", 1, 1)]
    agencies = by_label(result.by_agency)
    assert {name: (f.issued, f.received) for name, f in agencies.items()} == {
        "Ủy ban nhân dân tỉnh Thử": (3, 4), "Sở Nội vụ tỉnh Thử": (1, 1), "Sở Tài chính tỉnh Thử": (1, 0)}
    assert agencies["Ủy ban nhân dân tỉnh Thử"].electronic_share == pytest.approx(200 / 3)
    units = by_label(result.by_unit)
    assert {name: (f.issued, f.received, f.on_time, f.late) for name, f in units.items()} == {
        "Văn phòng – UBND": (2, 2, 1, 1),  # o1, o3; i1 on time, i3 open past due
        "Phòng Kinh tế – UBND": (1, 1, 0, 1),
        "Phòng Tổ chức – SNV": (1, 1, 0, 1),  # i5 led by a person of that unit
        "Phòng Ngân sách – STC": (1, 0, 0, 0),
        "(không thuộc đơn vị nào)": (0, 1, 0, 0),  # i4, not routed yet: labelled, not a bare dash
    }
    assert units["Văn phòng – UBND"].on_time_rate == 50.0
    types = {row.label: (row.figures.issued, row.figures.received) for row in result.by_type}
    assert types == {"Công văn": (4, 4), "Quyết định": (1, 1)}


def test_one_child_alone_and_the_agency_without_its_children(province):
    child = report(province, province["c"]).current
    assert (child.issued, child.received, child.late) == (1, 1, 1)
    own = report(province, province["p"]).current
    assert (own.issued, own.received, own.overdue_open) == (3, 4, 1)


def test_month_facts_and_counting_from_the_documents_agree(province):
    with_facts, without = report(province), report(province, use_month_facts=False)
    assert with_facts.current == without.current and with_facts.previous == without.previous
    for name in ("months", "by_agency", "by_unit", "by_type"):
        assert getattr(with_facts, name) == getattr(without, name), name
    assert MonthFact.objects.filter(agency=province["p"], month=datetime.date(2026, 3, 1), grain="agency").exists()


def test_any_date_range_mixes_whole_months_and_days(province):
    period = Period(datetime.date(2026, 2, 5), datetime.date(2026, 4, 15))
    months, ranges = split_ranges([period.previous(), period], True)
    assert datetime.date(2026, 3, 1) in months and datetime.date(2026, 2, 1) not in months
    result = report(province, period=period)
    # o1 (10/02), o2, o3 (March), o8 (01/04); i2 (01/02) is before, i3 (01/03) and i5 (10/04) in.
    assert (result.current.issued, result.current.received) == (4, 2)
    # The 70 days before: 27/11/2025 – 04/02/2026, with i1 and i2 (i6 arrived on 03/11/2025).
    assert result.previous_period == Period(datetime.date(2025, 11, 27), datetime.date(2026, 2, 4))
    assert (result.previous.issued, result.previous.received) == (0, 2)
    assert result.current == report(province, period=period, use_month_facts=False).current


def test_a_change_marks_its_month_stale_and_the_next_report_counts_it(province):
    report(province)
    march = FactMonth.objects.get(agency=province["p"], month=datetime.date(2026, 3, 1))
    assert not march.stale
    Incoming.objects.filter(pk=province["i3"].pk).update(
        status="06", completed_at=data.at(2026, 3, 9, 15))  # done by its due date after all
    march.refresh_from_db()
    assert march.stale
    Delivery.objects.filter(outgoing=province["o2"], status="failed").update(status="sent")
    Assignment.objects.filter(incoming=province["i2"]).update(unit=province["u1"])
    now = report(province)
    assert (now.current.on_time, now.current.overdue_open) == (2, 0)
    assert now.current.delivered == 7
    assert by_label(now.by_unit)["Văn phòng – UBND"].received == 3
    assert now.current == report(province, use_month_facts=False).current
    assert not FactMonth.objects.filter(stale=True, month__range=(datetime.date(2025, 7, 1), datetime.date(2026, 6, 1)),
                                        agency__in=[province["p"], province["c"]]).exists()


def _counting(queries):
    """Whether the report counted from the documents: its percentiles query is the mark of a count."""
    return any("percentile_cont" in q["sql"] for q in queries.captured_queries)


def test_a_half_year_is_counted_once_until_one_of_its_months_changes(province):
    first = report(province)
    with CaptureQueriesContext(connection) as queries:
        again = report(province)
    assert not _counting(queries)  # read from the cache: neither the documents nor the facts
    assert again.current == first.current and again.by_unit == first.by_unit
    Incoming.objects.filter(pk=province["i3"].pk).update(status="06", completed_at=data.at(2026, 3, 9, 15))
    with CaptureQueriesContext(connection) as queries:
        now = report(province)
    assert _counting(queries)
    assert (now.current.on_time, now.current.overdue_open) == (2, 0)
    assert now.current == report(province, use_month_facts=False).current
    other_day = usage_report(province["p"].descendant_ids(), H1, today=data.TODAY + datetime.timedelta(days=1))
    assert other_day.current == now.current  # counted again for another day (the overdue ones depend on it)


def test_a_custom_range_is_counted_each_time(province):
    period = Period(datetime.date(2026, 2, 5), datetime.date(2026, 4, 15))
    report(province, period=period)
    with CaptureQueriesContext(connection) as queries:
        report(province, period=period)
    assert _counting(queries)


def test_the_beat_computes_stale_months_and_counts_the_leaders_report_so_the_page_only_reads(province):
    report(province)
    Delivery.objects.filter(outgoing=province["o2"], status="failed").update(status="sent")
    assert FactMonth.objects.filter(agency=province["p"], stale=True).exists()
    done = tasks.month_facts_refresh()  # every month the data marked: the province's and the other agencies'
    assert done["agencies"] >= 1 and done["reports"] >= 1
    assert not FactMonth.objects.filter(stale=True).exists()
    with CaptureQueriesContext(connection) as queries:
        now = report(province)
        usage_report(province["p"].descendant_ids(), current_half_year())  # what the leader's page opens on
    assert not any("pg_advisory_xact_lock" in q["sql"] for q in queries.captured_queries)
    assert sum("percentile_cont" in q["sql"] for q in queries.captured_queries) == 1  # only the other half-year
    assert now.current.delivered == 7
    assert now.current == report(province, use_month_facts=False).current


def test_the_command_computes_the_months_of_a_tree_never_computed(province):
    call_command("reports_facts_refresh", agency=province["p"].code, stdout=io.StringIO())
    period = current_half_year()
    months, _ranges = split_ranges([period.previous(), period], True)
    for agency in (province["p"], province["c"]):
        assert set(FactMonth.objects.filter(agency=agency, stale=False).values_list("month", flat=True)) >= set(months)


def test_the_window_function_percentiles_equal_percentile_cont(province):
    d = Dialect(connection.vendor)
    ids = province["p"].descendant_ids()
    params = figures._params(ids, H1, H1.previous(), data.TODAY, [], [])
    where = f"{d.in_agencies('i.agency_id', len(ids))} AND i.arrived_at >= %(split)s AND i.arrived_at < %(end)s"
    sql = figures.window_percentiles_sql(d, d.seconds("i.arrived_at", "i.registered_at"),
                                         d.seconds("i.arrived_at", "i.completed_at"), where)
    values = {(row["metric"], float(row["p"])): row["value"] / 3600 for row in figures._execute(sql, params)}
    assert values == pytest.approx({(1, 0.5): 3.0, (1, 0.95): 5.7, (2, 0.5): 216.0, (2, 0.95): 257.4})


SQLITE_SCRIPT = """
import json, os, django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from reports.figures import usage_report
from reports.periods import half_year
from tests.reports import data
p = data.province()
r = usage_report(p["p"].descendant_ids(), half_year(2026, 1), today=data.TODAY)
from reports.selectors import traffic_list
log = traffic_list(membership=p["people"]["p"], filters={"channel": "email"})
from django.test import Client
client = Client()
client.force_login(p["people"]["p"].user, backend="django.contrib.auth.backends.ModelBackend")
page = client.get("/reports/usage/?year=2026&half=1")
print(json.dumps({"page": page.status_code, "current": r.current.__dict__, "previous": r.previous.__dict__,
                  "units": sorted((row.label, row.figures.late) for row in r.by_unit),
                  "log": [[row["log_direction"], row["log_address"], row["log_status"]] for row in log]}))
"""


def test_sqlite_gives_the_same_figures_log_and_page_without_month_facts(province, sqlite_env):
    # DEBUG=1 as `make run` has it: Django then also logs each query, binding every parameter given.
    output = subprocess.run([sys.executable, "-c", SQLITE_SCRIPT], cwd=ROOT, env=sqlite_env, capture_output=True,
                            text=True, timeout=300, check=True).stdout
    sqlite = json.loads(output.strip().splitlines()[-1])
    assert sqlite["page"] == 200  # the report page works on the embedded database
    postgres = report(province)
    for name in ("current", "previous"):
        expected = json.loads(json.dumps(getattr(postgres, name).__dict__))
        for key, value in expected.items():
            assert sqlite[name][key] == (pytest.approx(value) if value is not None else None), (name, key)
    assert sqlite["units"] == [list(pair) for pair in sorted((row.label, row.figures.late) for row in postgres.by_unit)]
    # The traffic log's UNION runs there too (no ORDER BY inside the halves, which SQLite refuses).
    assert sqlite["log"] == [[row["log_direction"], row["log_address"], row["log_status"]]
                             for row in traffic_list(membership=province["people"]["p"], filters={"channel": "email"})]


def test_half_years_and_the_default_period():
    assert half_year(2026, 1) == Period(datetime.date(2026, 1, 1), datetime.date(2026, 6, 30), 1)
    assert half_year(2026, 2).previous() == half_year(2026, 1)
    assert half_year(2026, 1).previous() == half_year(2025, 2)
    assert last_complete_half_year(datetime.date(2026, 11, 21)) == half_year(2026, 1)
    assert last_complete_half_year(datetime.date(2026, 3, 1)) == half_year(2025, 2)
    start, end = half_year(2026, 1).bounds
    assert start == datetime.datetime(2025, 12, 31, 17, tzinfo=datetime.UTC)
    assert end == datetime.datetime(2026, 6, 30, 17, tzinfo=datetime.UTC)
    assert timezone.localtime(end).strftime("%d/%m/%Y %H:%M") == "01/07/2026 00:00"


def test_the_command_counts_the_trees_report_into_the_cache_even_with_nothing_stale(province):
    call_command("reports_facts_refresh", agency=province["p"].code, stdout=io.StringIO())
    cache.clear()
    out = io.StringIO()
    call_command("reports_facts_refresh", agency=province["p"].code, stdout=out)
    assert "0 agency-months" in out.getvalue() and " 0 reports" not in out.getvalue()
    with CaptureQueriesContext(connection) as queries:
        usage_report(province["p"].descendant_ids(), current_half_year())
    assert not any("percentile_cont" in q["sql"] for q in queries.captured_queries)
