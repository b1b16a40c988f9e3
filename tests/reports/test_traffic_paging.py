"""Issue 17: the traffic log and the incidents read a page at a time (reports.paging): each half of the log sorted
and cut before the UNION, the count bounded, a page past the last a 404, every slice the same rows in the same
order as the whole log, redacted the same way."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.paging import BoundedPaginator
from reports import paging, selectors
from reports.tables import IncidentTable, TrafficTable
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def clerk(province):
    return factories.make_member(province["p"], "clerk", unit=province["u1"], position="Văn thư")


def test_every_page_is_the_slice_of_the_whole_log_in_each_order(province, clerk):
    log = selectors.traffic_list(membership=clerk)
    everything = list(log)
    assert len(everything) == log.count() > 4
    for ordering in [("-log_at", "-log_key"), ("log_notation", "-log_key"), ("-log_sent", "-log_key")]:
        ordered = log.order_by(*ordering)
        whole = list(ordered)
        pages = [row for start in range(0, len(whole), 3) for row in ordered[start:start + 3]]
        assert [r["log_key"] for r in pages] == [r["log_key"] for r in whole], ordering


def test_the_count_stops_at_the_bound_and_a_page_past_it_is_a_404(client, province, clerk, monkeypatch):
    monkeypatch.setattr(paging.TrafficLog, "count_limit", 3)
    monkeypatch.setattr(paging, "COUNT_LIMIT", 3)
    assert selectors.traffic_list(membership=clerk).count() == 3
    client.force_login(clerk.user)
    response = client.get("/reports/traffic/")
    assert response.status_code == 200 and len(response.context["table"].page.object_list) == 3
    assert client.get("/reports/traffic/", {"page": 2}).status_code == 404


def test_a_specialist_admin_reads_the_placeholders_on_every_page(province):
    admin = factories.make_member(province["p"], "admin", position="Quản trị")
    rows = selectors.traffic_list(membership=admin)[0:50]
    assert rows and all(r["log_summary"] in ("(không có quyền xem)", "(văn bản mật)") and r["log_address"] == ""
                        for r in rows)
    assert all("log_secrecy" not in r for r in rows)


def test_the_page_reads_its_rows_once_and_counts_nothing_unbounded(client, province, clerk):
    client.force_login(clerk.user)
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/reports/traffic/").status_code == 200
    sql = [q["sql"] for q in queries.captured_queries]
    # The page's rows once: not also a first page of django-tables2's own paginator (25 rows, read and redacted).
    assert sum('"log_direction"' in s for s in sql) == 1
    # The incidents tab counts at most paging.COUNT_LIMIT of them: never COUNT(*) over every open one.
    assert not any(s.startswith('SELECT COUNT(*) AS "__count" FROM "reports_incident"') for s in sql)


@pytest.mark.parametrize(("table_class", "template"), [(TrafficTable, "reports/_traffic_table.html"),
                                                     (IncidentTable, "reports/_table.html")])
def test_the_tables_set_no_cell_attributes_which_their_template_leaves_out(table_class, template):
    assert table_class.Meta.template_name == template  # both without per-cell attributes (reports/_table.html)
    assert all(column.attrs["td"].as_html() == "" for column in table_class([]).columns)


def test_the_log_page_cells_are_those_of_django_tables2s_rows(province, clerk):
    table = TrafficTable(selectors.traffic_list(membership=clerk))
    table.paginate(BoundedPaginator, page=1, per_page=50, limit=paging.COUNT_LIMIT)
    table.open_incidents = selectors.deliveries_with_open_incident(clerk, [
        row.record["log_key"] // 2 for row in table.paginated_rows if row.record["log_direction"] == "out"])
    expected = [(row.attrs.as_html(), list(row)) for row in table.paginated_rows]
    assert any("—" in cells for _attrs, cells in expected)  # empty values shown as the column's default
    assert table.page_cells == expected
