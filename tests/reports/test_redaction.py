"""Who may not open a document never reads its summary in the traffic log or its export: the log asks the
document pages' own rule (documents.selectors). Agency admins open no document: they see the traffic,
not what it is about, nor the citizens' addresses."""

import io

import pytest
from openpyxl import load_workbook

from documents.models import Delivery, Incoming
from reports import selectors
from tests import factories

pytestmark = pytest.mark.django_db

SECRET_SUMMARY = "Phương án bảo vệ mục tiêu trọng yếu"
SECRET_INCOMING = "Kế hoạch diễn tập mật"


@pytest.fixture
def staff(province):
    p, u1 = province["p"], province["u1"]
    o3, i3 = province["o3"], province["i3"]
    o3.summary = SECRET_SUMMARY
    o3.save(update_fields=["summary"])
    Incoming.objects.filter(pk=i3.pk).update(summary=SECRET_INCOMING, secrecy="toi_mat")
    return {
        "leader": province["people"]["p"],
        "clerk": factories.make_member(p, "clerk", unit=u1, position="Văn thư"),
        # In no unit: nothing is routed to them (a member of a unit opens what is routed to it).
        "admin": factories.make_member(p, "admin", position="Quản trị"),
    }


def by_key(rows):
    return {(row["log_direction"], row["log_outgoing"] or row["log_incoming"], row["log_counterpart"]): row
            for row in rows}


def test_an_admin_reads_neither_summaries_nor_addresses_in_the_log(province, staff):
    rows = by_key(selectors.traffic_list(membership=staff["admin"]))
    secret_out = rows[("out", province["o3"].pk, "Nơi nhận 0")]
    assert secret_out["log_summary"] == "(văn bản mật)" and secret_out["log_address"] == ""
    assert rows[("in", province["i3"].pk, "Bộ Nội vụ")]["log_summary"] == "(văn bản mật)"
    citizen = rows[("out", province["o1"].pk, "Nơi nhận 2")]
    assert citizen["log_summary"] == "(không có quyền xem)" and citizen["log_address"] == ""
    assert all(SECRET_SUMMARY not in row["log_summary"] and "@" not in row["log_address"] for row in rows.values())
    # The rows are all there: the admin still sees that exchanges happened and how they went.
    assert len(rows) == len(by_key(selectors.traffic_list(membership=staff["clerk"])))


def test_clerks_and_leaders_who_open_every_document_read_them_all(province, staff):
    for key in ("clerk", "leader"):
        rows = by_key(selectors.traffic_list(membership=staff[key]))
        assert rows[("out", province["o3"].pk, "Nơi nhận 0")]["log_summary"] == SECRET_SUMMARY
        assert rows[("in", province["i3"].pk, "Bộ Nội vụ")]["log_summary"] == SECRET_INCOMING
        assert rows[("out", province["o1"].pk, "Nơi nhận 2")]["log_address"] == "nhan2@vidu.gov.vn"


def test_an_admin_cannot_find_an_address_by_filtering_on_it(province, staff):
    assert list(selectors.traffic_list(membership=staff["admin"], filters={"counterpart": "nhan2@vidu"})) == []
    assert len(list(selectors.traffic_list(membership=staff["clerk"], filters={"counterpart": "nhan2@vidu"}))) == 1


def test_the_page_and_the_export_of_an_admin_carry_no_secret_summary_nor_address(province, staff, client_for):
    client = client_for(staff["admin"])
    html = client.get("/reports/traffic/").content.decode()
    assert province["o3"].notation in html and "(văn bản mật)" in html
    assert SECRET_SUMMARY not in html and SECRET_INCOMING not in html and "nhan2@vidu.gov.vn" not in html
    response = client.get("/reports/traffic/", {"export": "xlsx"})
    cells = [str(c.value) for row in load_workbook(io.BytesIO(response.content)).active.iter_rows() for c in row]
    assert not any(SECRET_SUMMARY in c or SECRET_INCOMING in c or "@vidu.gov.vn" in c for c in cells)
    assert "(văn bản mật)" in cells
    # The clerk's export has them.
    clerk_export = client_for(staff["clerk"]).get("/reports/traffic/", {"export": "xlsx"})
    cells = [str(c.value) for row in load_workbook(io.BytesIO(clerk_export.content)).active.iter_rows() for c in row]
    assert SECRET_SUMMARY in cells and "nhan2@vidu.gov.vn" in cells
    assert Delivery.objects.filter(outgoing=province["o3"]).exists()


def test_an_admin_reads_no_incident_detail_about_a_document_they_may_not_open(province, staff, client_for):
    from documents.incidents import incident_delivery_failed

    citizen = Delivery.objects.get(outgoing=province["o1"], email="nhan2@vidu.gov.vn")
    incident_delivery_failed(citizen.pk, "550 5.1.1 <nhan2@vidu.gov.vn>: Recipient address rejected")
    admin_page = client_for(staff["admin"]).get("/reports/incidents/").content.decode()
    assert "nhan2@vidu.gov.vn" not in admin_page and "chi tiết chỉ dành cho người được xem văn bản" in admin_page
    assert "nhan2@vidu.gov.vn" in client_for(staff["clerk"]).get("/reports/incidents/").content.decode()
