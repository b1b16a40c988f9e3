"""The outgoing pages: who may do what through the browser's requests, and the register exports."""

import io

import pytest
from openpyxl import load_workbook

from documents.models import Outgoing
from documents.services import outgoing as services
from tests import factories
from tests.documents.conftest import approved, enable_totp, make_draft, pdf_upload, to_agency

pytestmark = pytest.mark.django_db


def test_a_specialist_drafts_through_the_form(client_for, specialist, leader, unit):
    client = client_for(specialist)
    response = client.post("/outgoing/new/", {
        "doc_type": "CV", "summary": "V/v báo cáo tình hình sử dụng thư điện tử", "secrecy": "", "urgency": "khan",
        "drafting_unit": unit.pk, "signer": leader.pk, "archive_copies": 2, "main_file": pdf_upload(),
        "attachments": [pdf_upload("phu-luc-1.pdf"), pdf_upload("phu-luc-2.pdf")],
    })
    outgoing = Outgoing.objects.get()
    assert response.status_code == 302 and response.url == f"/outgoing/{outgoing.pk}/"
    assert outgoing.files.count() == 3 and outgoing.status == Outgoing.Status.DRAFT
    page = client.get(response.url).content.decode()
    assert "V/v báo cáo tình hình sử dụng thư điện tử" in page and "Lưu: VT, VP (2b)." in page


def test_a_bad_main_file_is_refused_on_the_form_and_nothing_is_created(client_for, specialist, leader, unit):
    response = client_for(specialist).post("/outgoing/new/", {
        "doc_type": "CV", "summary": "x", "drafting_unit": unit.pk, "signer": leader.pk, "archive_copies": 2,
        "main_file": pdf_upload("scan.pdf", data=b"GIF89a not a pdf"),
    })
    assert response.status_code == 200
    assert "không phải tệp PDF" in response.content.decode()
    assert not Outgoing.objects.exists()


def test_a_specialist_cannot_issue(client_for, specialist, leader, other_agency):
    outgoing = approved(specialist, leader, to_agency(other_agency))
    enable_totp(specialist.user)
    response = client_for(specialist).post(f"/outgoing/{outgoing.pk}/action/issue/")
    assert response.status_code == 403
    outgoing.refresh_from_db()
    assert outgoing.status == Outgoing.Status.APPROVED


def test_a_leader_who_is_not_the_signer_cannot_approve(client_for, specialist, leader, agency, unit, other_agency):
    outgoing = make_draft(specialist, leader, to_agency(other_agency))
    services.outgoing_submit(membership=specialist, outgoing=outgoing)
    deputy = factories.make_member(agency, "leader", unit=unit, position="Thứ trưởng")
    enable_totp(deputy.user)
    response = client_for(deputy).post(f"/outgoing/{outgoing.pk}/action/approve/")
    assert response.status_code == 403
    outgoing.refresh_from_db()
    assert outgoing.status == Outgoing.Status.SUBMITTED


def test_another_agency_cannot_see_the_draft_or_its_files(client_for, specialist, leader, other_agency):
    outgoing = make_draft(specialist, leader, to_agency(other_agency))
    outsider = factories.make_member(other_agency, "clerk", "leader")
    client = client_for(outsider)
    file = outgoing.files.get()
    for url in (f"/outgoing/{outgoing.pk}/", f"/outgoing/{outgoing.pk}/files/{file.pk}/",
                f"/outgoing/{outgoing.pk}/deliveries/", f"/outgoing/{outgoing.pk}/edit/"):
        assert client.get(url).status_code == 404, url
    assert client.post(f"/outgoing/{outgoing.pk}/action/submit/").status_code == 404
    assert outgoing.summary not in client.get("/outgoing/").content.decode()


def test_a_citizen_reaches_no_document_page(client_for, citizen, specialist, leader, other_agency):
    outgoing = make_draft(specialist, leader, to_agency(other_agency))
    client = client_for(citizen)
    for url in ("/outgoing/", "/outgoing/new/", f"/outgoing/{outgoing.pk}/", "/incoming/", "/registers/outgoing/"):
        assert client.get(url).status_code == 403, url


def test_a_specialist_does_not_see_a_colleagues_draft(client_for, specialist, leader, agency, unit, other_agency):
    outgoing = make_draft(specialist, leader, to_agency(other_agency))
    colleague = factories.make_member(agency, "specialist", unit=unit)
    assert client_for(colleague).get(f"/outgoing/{outgoing.pk}/").status_code == 404


def test_approving_without_two_factor_sends_the_leader_to_set_it_up(client_for, specialist, leader, other_agency):
    outgoing = make_draft(specialist, leader, to_agency(other_agency))
    services.outgoing_submit(membership=specialist, outgoing=outgoing)
    client = client_for(leader)
    response = client.post(f"/outgoing/{outgoing.pk}/action/approve/")
    assert response.status_code == 302 and response.url == "/accounts/2fa/totp/activate/"
    outgoing.refresh_from_db()
    assert outgoing.status == Outgoing.Status.SUBMITTED
    enable_totp(leader.user)
    factories.signing_ready(leader)
    response = client.post(f"/outgoing/{outgoing.pk}/action/approve/", {"comment": "Đồng ý",
                                                                         "pin": factories.SIGNING_PIN})
    assert response.status_code == 302
    outgoing.refresh_from_db()
    assert outgoing.status == Outgoing.Status.APPROVED


def test_issuing_through_the_page_shows_the_number_and_the_deliveries(client_for, certified, specialist, leader,
                                                                     clerk, mfa, other_agency,
                                                                     django_capture_on_commit_callbacks):
    outgoing = approved(specialist, leader, to_agency(other_agency))
    client = client_for(clerk)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/outgoing/{outgoing.pk}/action/issue/", follow=True)
    page = response.content.decode()
    assert "Đã phát hành văn bản số 01/BNV-VP" in page
    panel = client.get(f"/outgoing/{outgoing.pk}/deliveries/").content.decode()
    assert "1/1 xong" in panel and "Đã gửi" in panel and "hx-trigger" not in panel


def test_a_missing_certificate_is_explained_to_the_clerk(client_for, specialist, leader, clerk, mfa, other_agency):
    outgoing = approved(specialist, leader, to_agency(other_agency))
    response = client_for(clerk).post(f"/outgoing/{outgoing.pk}/action/issue/", follow=True)
    assert "chưa có chứng thư số" in response.content.decode()
    outgoing.refresh_from_db()
    assert outgoing.status == Outgoing.Status.APPROVED


def test_pasting_a_block_highlights_the_lines_that_match_nothing(client_for, specialist, leader, other_agency):
    outgoing = make_draft(specialist, leader)
    response = client_for(specialist).post(
        f"/outgoing/{outgoing.pk}/recipients/paste/",
        {"text": "Nơi nhận:\n- UBND tỉnh Quảng Ngãi;\n- Ban Quản lý Khu kinh tế Dung Quất;\n- Lưu: VT, VP (2b)."},
        HTTP_HX_REQUEST="true",
    )
    page = response.content.decode()
    assert "unmatched-line" in page and "Ban Quản lý Khu kinh tế Dung Quất" in page
    assert outgoing.recipients.get().agency == other_agency


@pytest.fixture
def register(certified, specialist, leader, clerk, other_agency):
    for summary in ("V/v tổng kết công tác văn thư", "V/v triển khai Chỉ thị 34/2008/CT-TTg"):
        services.outgoing_issue(membership=clerk, outgoing=approved(specialist, leader, to_agency(other_agency),
                                                                     summary=summary))
    services.outgoing_issue(membership=clerk, outgoing=approved(specialist, leader, to_agency(other_agency),
                                                                 summary="Kế hoạch mật", secrecy="mat"))
    return clerk


def test_the_outgoing_register_lists_issued_documents_sorts_filters_and_keeps_secret_ones_apart(client_for,
                                                                                             register):
    client = client_for(register)
    page = client.get("/registers/outgoing/?sort=number").content.decode()
    assert page.index("01/BNV-VP") < page.index("02/BNV-VP")
    assert "Kế hoạch mật" not in page
    filtered = client.get("/registers/outgoing/?q=văn+thư").content.decode()
    assert "02/BNV-VP" not in filtered and "01/BNV-VP" in filtered
    secret = client.get("/registers/outgoing/?register=secret").content.decode()
    assert "Kế hoạch mật" in secret


def test_the_outgoing_register_exports_to_xlsx_and_pdf(client_for, register):
    client = client_for(register)
    response = client.get("/registers/outgoing/?export=xlsx")
    sheet = load_workbook(io.BytesIO(response.getvalue())).active
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    header = next(r for r in rows if r[0] == "Số, ký hiệu văn bản")
    assert header[2] == "Tên loại và trích yếu nội dung" and header[4] == "Nơi nhận văn bản"
    body = rows[rows.index(header) + 1:]
    assert [r[0] for r in body] == ["01/BNV-VP", "02/BNV-VP"]
    assert body[0][4] == "Ủy ban nhân dân tỉnh Quảng Ngãi"
    pdf = client.get("/registers/outgoing/?export=pdf")
    assert pdf["Content-Type"] == "application/pdf" and pdf.getvalue().startswith(b"%PDF")


def test_a_specialist_has_no_register_page(client_for, specialist):
    assert client_for(specialist).get("/registers/outgoing/").status_code == 403


def test_files_open_for_the_people_of_the_agency(client_for, specialist, leader, other_agency):
    outgoing = make_draft(specialist, leader, to_agency(other_agency))
    file = outgoing.files.get()
    response = client_for(leader).get(f"/outgoing/{outgoing.pk}/files/{file.pk}/")
    with file.draft.open("rb") as stored:
        assert b"".join(response.streaming_content) == stored.read()
