"""The pages: traffic log with its filters and export, incidents, the usage report with its exports, and who
may see what."""

import io
import subprocess

import pytest
from django.contrib.staticfiles import finders
from openpyxl import load_workbook

from documents.forms import OutgoingForm
from documents.incidents import incident_delivery_failed
from documents.models import Delivery, Outgoing
from documents.services import outgoing as outgoing_services
from incidents.models import Incident
from reports import selectors
from tests import factories
from tests.documents.conftest import pdf_upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(province):
    p, u1 = province["p"], province["u1"]
    return {
        "leader": province["people"]["p"], "child_leader": province["people"]["c"],
        "sibling_leader": province["people"]["s"],
        "clerk": factories.make_member(p, "clerk", unit=u1, position="Văn thư"),
        "admin": factories.make_member(p, "admin", unit=u1, position="Quản trị"),
        "specialist": factories.make_member(p, "specialist", unit=u1),
    }


def notations(rows):
    return sorted({row["log_notation"] for row in rows})


# --- Traffic log ----------------------------------------------------------------------------------------

def test_the_traffic_log_has_every_exchange_of_the_agency_and_nothing_else(province, staff):
    rows = list(selectors.traffic_list(membership=staff["clerk"]))
    o1, i1 = province["o1"], province["i1"]
    out = [r for r in rows if r["log_direction"] == "out"]
    incoming = [r for r in rows if r["log_direction"] == "in"]
    # o1: 3 deliveries, o2: 2, o3: 1, o6: 1 — the province's own only; 5 incoming (i1–i4, i6).
    assert len(out) == 7 and len(incoming) == 5
    assert {r["log_notation"] for r in out} == {province[k].notation for k in ("o1", "o2", "o3", "o6")}
    first = next(r for r in incoming if r["log_incoming"] == i1.pk)
    assert (first["log_channel"], first["log_status"], first["log_counterpart"]) == ("portal", "06", "Bộ Nội vụ")
    assert (first["log_arrived"], first["log_registered"], first["log_completed"]) == (
        i1.arrived_at, i1.registered_at, i1.completed_at)
    citizen = next(r for r in out if r["log_outgoing"] == o1.pk and r["log_address"] == "nhan2@vidu.gov.vn")
    assert citizen["log_status"] == "sent" and citizen["log_at"] == o1.issued_at
    assert [r["log_at"] for r in rows] == sorted((r["log_at"] for r in rows), reverse=True)


def test_the_traffic_log_filters_by_period_channel_status_direction_and_counterpart(province, staff):
    clerk = staff["clerk"]

    def keys(**filters):
        return notations(selectors.traffic_list(membership=clerk, filters=filters))

    assert keys(channel="paper") == sorted([province["o3"].notation, province["i3"].notation])
    assert keys(status="failed") == [province["o2"].notation]
    assert keys(status="05") == [province["i3"].notation]
    assert keys(direction="in", channel="email") == sorted([province["i2"].notation, province["i6"].notation])
    assert keys(start="01/03/2026", end="31/03/2026") == sorted(
        [province["o2"].notation, province["o3"].notation, province["i3"].notation])
    assert keys(counterpart="nhan2@vidu") == [province["o1"].notation]
    assert keys(counterpart="BỘ NỘI") == sorted(province[k].notation for k in ("i1", "i2", "i3", "i4", "i6"))


def test_the_traffic_page_filters_sorts_pages_and_exports_the_filtered_rows(province, staff, client_for):
    client = client_for(staff["clerk"])
    html = client.get("/reports/traffic/", {"channel": "email", "start": "01/01/2026", "end": "30/06/2026"}).content.decode()
    assert province["o2"].notation in html and province["i2"].notation in html
    assert province["o3"].notation not in html and province["o6"].notation not in html  # paper; 2025
    assert "Thư điện tử" in html and str(Delivery.Status.FAILED.label) in html
    assert client.get("/reports/traffic/", {"sort": "log_notation"}).status_code == 200
    assert client.get("/reports/traffic/", {"page": 2}).status_code == 404  # 12 rows: one page of 50

    response = client.get("/reports/traffic/", {"channel": "email", "start": "01/01/2026", "end": "30/06/2026",
                                                "export": "xlsx"})
    sheet = load_workbook(io.BytesIO(response.content)).active
    cells = [[c.value for c in row] for row in sheet.iter_rows()]
    assert cells[0][0] == "Sổ theo dõi lưu lượng công văn"
    assert cells[1][0] == "Ủy ban nhân dân tỉnh Thử – Từ 01/01/2026 đến 30/06/2026"
    header = cells[3]
    assert header[:3] == ["Thời điểm", "Chiều", "Số, ký hiệu"]
    body = cells[4:]
    assert len(body) == 4  # o1's two e-mails, o2's e-mail, i2
    assert {row[2] for row in body} == {province["o1"].notation, province["o2"].notation, province["i2"].notation}
    failed = next(row for row in body if row[7] == Delivery.Status.FAILED.label)
    assert failed[1] == "Đi" and failed[4] == "Thư điện tử" and failed[0] == "05/03/2026 09:00"


def test_only_clerks_leaders_and_admins_of_the_agency_see_its_log(province, staff, client_for, citizen):
    for key in ("clerk", "leader", "admin"):
        assert client_for(staff[key]).get("/reports/traffic/").status_code == 200
    assert client_for(staff["specialist"]).get("/reports/traffic/").status_code == 403
    assert client_for(citizen).get("/reports/traffic/").status_code == 403
    child = client_for(staff["child_leader"]).get("/reports/traffic/").content.decode()
    assert province["o4"].notation in child and province["o1"].notation not in child


# --- Incidents -------------------------------------------------------------------------------------------

def test_incidents_show_in_the_log_and_a_clerk_resolves_one_from_the_page(province, staff, client_for):
    delivery = province["o2"].deliveries.get(status="failed")
    incident = incident_delivery_failed(delivery.pk, "550 5.1.1 Hộp thư không tồn tại")
    client = client_for(staff["clerk"])
    log = client.get("/reports/traffic/").content.decode()
    # The log counts the open incidents on its tab; the tab's table is asked for when it is opened (htmx) ...
    assert 'data-testid="tab-incidents"' in log and "550 5.1.1" not in log and 'hx-get="/reports/traffic/?tab=incidents"' in log
    tab = client.get("/reports/traffic/", {"tab": "incidents"}, headers={"HX-Request": "true"}).content.decode()
    assert "550 5.1.1 Hộp thư không tồn tại" in tab and f"/outgoing/{province['o2'].pk}/" in tab
    assert "<html" not in tab and 'data-testid="traffic-table"' not in tab
    assert 'name="next" value="/reports/traffic/?tab=incidents"' in tab
    # ... and the same address without htmx is the whole log with that tab open (its pager's links, a link kept).
    whole = client.get("/reports/traffic/", {"tab": "incidents"}).content.decode()
    assert "550 5.1.1" in whole and 'data-testid="traffic-table"' in whole and "hx-get" not in whole
    page = client.get("/reports/incidents/", {"state": "open", "kind": "delivery_failed"}).content.decode()
    assert "Gửi văn bản không thành công" in page and "550 5.1.1" in page

    response = client.post(f"/reports/incidents/{incident.pk}/resolve/",
                           {"resolution": "Đã gọi điện, gửi lại địa chỉ mới", "next": "/reports/traffic/"})
    assert response.status_code == 302 and response.url == "/reports/traffic/"
    incident.refresh_from_db()
    assert incident.resolution == "Đã gọi điện, gửi lại địa chỉ mới" and incident.resolved_by == staff["clerk"].user
    assert "550 5.1.1" not in client.get("/reports/incidents/", {"state": "open"}).content.decode()
    assert "Đã gọi điện" in client.get("/reports/incidents/", {"state": "resolved"}).content.decode()


def test_incidents_of_another_agency_cannot_be_seen_or_resolved(province, staff, client_for):
    other = incident_delivery_failed(province["o9"].deliveries.get().pk, "550")
    client = client_for(staff["clerk"])
    assert "550" not in client.get("/reports/incidents/").content.decode()
    assert client.post(f"/reports/incidents/{other.pk}/resolve/", {"resolution": "x"}).status_code == 404
    assert client_for(staff["leader"]).post(f"/reports/incidents/{other.pk}/resolve/",
                                            {"resolution": "x"}).status_code == 403
    assert Incident.objects.get(pk=other.pk).is_open


# --- The usage report -----------------------------------------------------------------------------------

def usage(client, **params):
    return client.get("/reports/usage/", {"year": 2026, "half": 1, **params})


def test_the_report_page_shows_the_figures_and_the_charts(province, staff, client_for):
    html = usage(client_for(staff["leader"])).content.decode()
    assert "Ủy ban nhân dân tỉnh Thử và các cơ quan trực thuộc – 6 tháng đầu năm 2026 (01/01/2026 – 30/06/2026)" in html
    assert "So sánh với kỳ trước: 6 tháng cuối năm 2025" in html
    assert "Tỷ lệ văn bản đi gửi bằng điện tử (cổng, liên thông, thư điện tử)" in html and "80,0 %" in html
    assert "+4 (+400,0 %)" in html  # issued: 5 against 1
    assert "Sở Tài chính tỉnh Thử" in html and "Phòng Tổ chức – SNV" in html
    assert 'id="report-charts"' in html and "vendor/chartjs/chart.umd.min.js" in html
    assert '"labels": ["01/2026", "02/2026", "03/2026", "04/2026", "05/2026", "06/2026"]' in html
    assert finders.find("vendor/chartjs/chart.umd.min.js") and finders.find("vendor/chartjs/LICENSE.md")


def test_the_default_period_is_the_current_half_year(province, staff, client_for):
    from reports.periods import current_half_year

    html = client_for(staff["admin"]).get("/reports/usage/").content.decode()
    assert current_half_year().label in html


def test_an_agency_sees_itself_and_its_children_only(province, staff, client_for):
    p, c = province["p"], province["c"]
    leader = client_for(staff["leader"])
    one_child = usage(leader, agency=c.pk).content.decode()
    assert "Sở Nội vụ tỉnh Thử – 6 tháng đầu năm 2026" in one_child and "Phòng Kinh tế – UBND" not in one_child
    own = usage(leader, agency="self").content.decode()
    assert "Ủy ban nhân dân tỉnh Thử – 6 tháng đầu năm 2026" in own and "Phòng Tổ chức – SNV" not in own
    child = client_for(staff["child_leader"])
    html = usage(child).content.decode()
    assert "Sở Nội vụ tỉnh Thử – 6 tháng đầu năm 2026" in html and "Phòng Ngân sách – STC" not in html
    assert usage(child, agency=p.pk).status_code == 404  # not its parent's
    sibling = client_for(staff["sibling_leader"])
    assert usage(sibling, agency=c.pk).status_code == 404  # nor a sibling's
    assert usage(sibling, agency=c.pk, export="pdf").status_code == 404


def test_citizens_specialists_and_clerks_get_403(province, staff, client_for, citizen):
    for who in (citizen, staff["specialist"], staff["clerk"]):
        assert usage(client_for(who)).status_code == 403
        assert usage(client_for(who), export="xlsx").status_code == 403


def test_the_xlsx_export_has_the_figures_and_the_breakdowns(province, staff, client_for):
    response = usage(client_for(staff["leader"]), export="xlsx")
    assert response["Content-Disposition"] == 'attachment; filename="bao-cao-20260101-20260630.xlsx"'
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["Tổng hợp", "Theo tháng", "Theo cơ quan", "Theo đơn vị", "Theo loại văn bản",
                               "Lịch công tác và cuộc họp", "Liên thông, thu hồi"]
    summary = {row[0]: row[1:] for row in book["Tổng hợp"].iter_rows(min_row=5, values_only=True)}
    assert summary["Văn bản đi đã phát hành"] == (5, 1, 4)
    assert summary["Tỷ lệ văn bản đi gửi bằng điện tử (cổng, liên thông, thư điện tử)"] == (80.0, 100.0, -20.0)
    assert summary["Thời gian từ khi đến đến khi vào sổ – trung vị (giờ)"][0] == 3.0
    assert book["Tổng hợp"]["A2"].value.startswith("Ủy ban nhân dân tỉnh Thử và các cơ quan trực thuộc")
    units = {row[0]: row[1:] for row in book["Theo đơn vị"].iter_rows(min_row=2, values_only=True)}
    assert units["Văn phòng – UBND"] == (2, 50.0, 50.0, 2, 1, 50.0)


def test_the_pdf_export_is_a_pdf_with_correct_vietnamese_text(province, staff, client_for, tmp_path):
    response = usage(client_for(staff["leader"]), export="pdf")
    assert response["Content-Type"] == "application/pdf" and response.content.startswith(b"%PDF")
    path = tmp_path / "bao-cao.pdf"
    path.write_bytes(response.content)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout
    assert "BÁO CÁO TÌNH HÌNH TRAO ĐỔI VĂN BẢN ĐIỆN TỬ" in text
    assert "ỦY BAN NHÂN DÂN TỈNH THỬ" in text
    assert "6 tháng đầu năm 2026 (01/01/2026 – 30/06/2026)" in text
    assert "Tỷ lệ văn bản đến xử lý đúng hạn" in text and "Phòng Ngân sách – STC" in text
    assert "Quyết định" in text


# --- Links and the paper flag ---------------------------------------------------------------------------

def test_the_sidebar_links_follow_the_roles(province, staff, client_for):
    leader = client_for(staff["leader"]).get("/dashboard/").content.decode()
    assert "/reports/usage/" in leader and "/reports/traffic/" in leader and "/reports/incidents/" in leader
    clerk = client_for(staff["clerk"]).get("/dashboard/").content.decode()
    assert "/reports/traffic/" in clerk and "/reports/usage/" not in clerk
    assert "/reports/" not in client_for(staff["specialist"]).get("/dashboard/").content.decode()


def test_also_on_paper_is_on_the_draft_form_and_counts_in_the_report(province, staff):
    p, u1 = province["p"], province["u1"]
    form = OutgoingForm(agency=p)
    assert "also_on_paper" in form.fields and form.fields["also_on_paper"].label == "Gửi kèm bản giấy"
    drafter = factories.make_member(p, "specialist", unit=u1)
    draft = outgoing_services.outgoing_create(
        membership=drafter, main_file=pdf_upload(), doc_type="CV", summary="Thử", drafting_unit=u1,
        signer=staff["leader"], also_on_paper=True)
    assert Outgoing.objects.get(pk=draft.pk).also_on_paper
    outgoing_services.outgoing_update(membership=drafter, outgoing=draft, also_on_paper=False)
    assert not Outgoing.objects.get(pk=draft.pk).also_on_paper
