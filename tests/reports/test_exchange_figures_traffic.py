"""The traffic log shows exchanges with other installations (channel “Liên thông”): the filter, the status the
recipient's installation sent back (edXML), their incidents, the export, and who may see them."""

import io

import pytest
from openpyxl import load_workbook

from documents.incidents import incident_delivery_failed
from documents.models import Delivery
from reports import selectors
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def clerk(province):
    return factories.make_member(province["p"], "clerk", unit=province["u1"], position="Văn thư")


def peer_rows(membership, **filters):
    return list(selectors.traffic_list(membership=membership, filters={"channel": "peer", **filters}))


def test_the_channel_filter_keeps_the_exchanges_with_other_installations(province, exchange, clerk):
    rows = peer_rows(clerk)
    # The province's own (not its child's o11 nor i11): o10 to two agencies, o12 (2025), i10, i12.
    assert sorted((r["log_direction"], r["log_counterpart"]) for r in rows) == [
        ("in", "Bộ Tài chính"), ("in", "Bộ Tài chính"),
        ("out", "Bộ Tài chính"), ("out", "Bộ Tài chính"), ("out", "Tổng cục Thuế")]
    assert {r["log_channel"] for r in rows} == {"peer"}
    assert "peer" not in {r["log_channel"] for r in selectors.traffic_list(membership=clerk, filters={"channel": "portal"})}


def test_the_recipient_installation_status_is_the_remote_status(province, exchange, clerk):
    out = {(r["log_notation"], r["log_counterpart"]): r for r in peer_rows(clerk, direction="out")}
    o10, o12 = exchange["o10"].notation, exchange["o12"].notation
    assert (out[(o10, "Bộ Tài chính")]["log_status"], out[(o10, "Bộ Tài chính")]["log_remote"]) == ("sent", "05")
    assert (out[(o10, "Tổng cục Thuế")]["log_status"], out[(o10, "Tổng cục Thuế")]["log_remote"]) == ("failed", "")
    assert out[(o12, "Bộ Tài chính")]["log_remote"] == "06"
    # A portal delivery shows its incoming copy's status the same way; e-mail has none.
    assert {r["log_remote"] for r in selectors.traffic_list(membership=clerk, filters={"channel": "email"})} == {""}
    portal = selectors.traffic_list(membership=clerk, filters={"channel": "portal", "direction": "out"})
    assert {r["log_remote"] for r in portal} == {""}  # the data's portal deliveries have no incoming copy
    # Filtered by what the recipient said.
    assert [r["log_notation"] for r in selectors.traffic_list(membership=clerk, filters={"remote": "05"})] == [o10]
    assert [r["log_notation"] for r in selectors.traffic_list(membership=clerk, filters={"remote": "06"})] == [o12]


def test_the_page_shows_the_channel_the_edxml_status_and_an_open_failure(province, exchange, clerk, client_for):
    failed = Delivery.objects.get(outgoing=exchange["o10"], agency=exchange["y"])
    incident_delivery_failed(failed.pk, "Hệ thống nhận từ chối: chữ ký gói tin không tin cậy")
    client = client_for(clerk)
    html = client.get("/reports/traffic/", {"channel": "peer"}).content.decode()
    assert "Liên thông" in html and '<option value="peer" selected>Liên thông</option>' in html
    assert 'data-testid="edxml-code">05</abbr> · Đang xử lý' in html
    assert "Mã trạng thái edXML 05" in html  # the code explained on hover and to screen readers
    assert 'data-testid="edxml-legend"' in html  # and every code in the legend under the log
    assert html.count('data-testid="open-incident"') == 1  # only the failed delivery's row
    assert "?kind=delivery_failed&amp;state=open" in html
    # The incidents tab lists the failure with its cause (filled when opened).
    tab = client.get("/reports/traffic/", {"tab": "incidents"}, headers={"HX-Request": "true"}).content.decode()
    assert "chữ ký gói tin không tin cậy" in tab
    # Once resolved, the row carries no mark.
    from incidents.models import Incident
    Incident.objects.filter(subject_id=failed.pk).update(resolved_at=failed.created_at, resolution="Đã sửa")
    assert 'data-testid="open-incident"' not in client.get("/reports/traffic/", {"channel": "peer"}).content.decode()


def test_the_export_has_the_recipient_installation_status(province, exchange, clerk, client_for):
    response = client_for(clerk).get("/reports/traffic/", {"channel": "peer", "direction": "out", "export": "xlsx"})
    cells = [[c.value for c in row] for row in load_workbook(io.BytesIO(response.content)).active.iter_rows()]
    header, body = cells[3], cells[4:]
    remote = header.index("Trạng thái tại nơi nhận")
    assert {row[4] for row in body} == {"Liên thông"}
    assert sorted(row[remote] or "" for row in body) == ["", "05 · Đang xử lý", "06 · Hoàn thành"]


def test_another_agency_and_a_specialist_see_none_of_it(province, exchange, client_for):
    other_clerk = factories.make_member(province["other"], "clerk", position="Văn thư")
    # The other province sees only its own exchange (o13 and i13), never the province's.
    assert sorted(r["log_direction"] for r in peer_rows(other_clerk)) == ["in", "out"]
    assert exchange["o10"].notation not in {r["log_notation"] for r in peer_rows(other_clerk)}
    specialist = factories.make_member(province["p"], "specialist", unit=province["u1"])
    assert peer_rows(specialist) == []
    assert client_for(specialist).get("/reports/traffic/", {"channel": "peer"}).status_code == 403
    failed = Delivery.objects.get(outgoing=exchange["o10"], agency=exchange["y"])
    incident_delivery_failed(failed.pk, "Hệ thống nhận từ chối")
    assert selectors.deliveries_with_open_incident(other_clerk, [failed.pk]) == set()
