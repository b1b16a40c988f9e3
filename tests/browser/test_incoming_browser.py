"""An incoming document handled by people in headless Chromium: register → route → handle → complete → reply,
while the sending agency watches the status codes change."""

import threading

import pytest
from playwright.sync_api import expect

from documents.models import Recipient
from documents.services import outgoing as outgoing_services
from pki.demo import issue_certificate
from tests import factories
from tests.browsing import log_in
from tests.documents.conftest import approved, pdf_bytes, to_agency

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]


def in_thread(function, **kwargs):
    """Run outside this thread's event loop (Playwright's), as a request of the live server would:
    pyHanko signs with asyncio.run()."""
    from django.db import connection

    errors = []

    def run():
        try:
            function(**kwargs)
        except Exception as exc:  # noqa: BLE001 - re-raised below
            errors.append(exc)
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    if errors:
        raise errors[0]


def test_register_route_handle_complete_reply(page, tmp_path_factory):
    ministry = factories.make_agency("Bộ Nội vụ", short_name="BNV", code="000.00.00.G09", domain="moha.gov.vn")
    office = factories.make_unit(ministry, "Văn phòng Bộ", "VP")
    issue_certificate(ministry)
    sender_clerk = factories.make_member(ministry, "clerk", unit=office, user=factories.make_user("vt@moha.gov.vn"))
    outgoing = approved(
        factories.make_member(ministry, "specialist", unit=office),
        factories.make_member(ministry, "leader", unit=office, position="Bộ trưởng"),
        to_agency(kontum := factories.make_agency("Ủy ban nhân dân tỉnh Kon Tum", code="000.00.00.H34",
                                                  domain="kontum.gov.vn"), role=Recipient.Role.KINH_GUI),
        summary="V/v báo cáo tình hình sử dụng thư điện tử công vụ 6 tháng",
    )
    in_thread(outgoing_services.outgoing_issue, membership=sender_clerk, outgoing=outgoing)
    k_office = factories.make_unit(kontum, "Văn phòng", "VP")
    culture = factories.make_unit(kontum, "Phòng Khoa giáo – Văn xã", "KGVX")
    clerk = factories.make_member(kontum, "clerk", unit=k_office, user=factories.make_user("vanthu@kontum.gov.vn"))
    leader = factories.make_member(kontum, "leader", unit=k_office, position="Chủ tịch",
                                   user=factories.make_user("chutich@kontum.gov.vn", full_name="Trần Văn Chủ"))
    lead = factories.make_member(kontum, "specialist", unit=culture,
                                 user=factories.make_user("cv.kgvx@kontum.gov.vn", full_name="Lý Thị Xử"))
    reply_pdf = tmp_path_factory.mktemp("reply") / "tra-loi.pdf"
    reply_pdf.write_bytes(pdf_bytes())

    # The clerk registers it from the desk.
    log_in(page, clerk.user.email)
    page.get_by_test_id("to-register").get_by_role("link").first.click()
    expect(page.get_by_test_id("incoming-status")).to_contain_text("01")
    expect(page.get_by_test_id("signature-valid")).to_be_visible()
    page.get_by_test_id("register-submit").click()
    expect(page.get_by_test_id("arrival-number")).to_have_text("1")
    url = page.url

    # The leader routes it to the culture unit with instructions.
    log_in(page, leader.user.email)
    page.get_by_test_id("to-route").get_by_role("link").first.click()
    page.select_option("select[name=lead]", f"u{culture.pk}")
    page.fill("textarea[name=instructions]", "Giao Phòng KGVX tham mưu báo cáo")
    page.get_by_test_id("route-submit").click()
    expect(page.get_by_test_id("incoming-status")).to_contain_text("04")
    expect(page.get_by_test_id("assignments")).to_contain_text("Phòng Khoa giáo – Văn xã")

    # The lead handles it from the work list, completes it and replies.
    log_in(page, lead.user.email)
    page.get_by_test_id("worklist").get_by_role("link").first.click()
    page.get_by_test_id("progress-text").fill("Đang tổng hợp số liệu từ các sở")
    page.get_by_test_id("action-progress").click()
    expect(page.get_by_test_id("incoming-status")).to_contain_text("05")
    page.get_by_test_id("complete-text").fill("Đã tổng hợp, dự thảo báo cáo trả lời")
    page.get_by_test_id("action-complete").click()
    expect(page.get_by_test_id("incoming-status")).to_contain_text("06")
    page.get_by_test_id("reply").click()
    expect(page.get_by_test_id("reply-banner")).to_contain_text("01/BNV-VP")
    page.select_option("select[name=signer]", str(leader.pk))
    page.set_input_files("input[name=main_file]", str(reply_pdf))
    page.get_by_test_id("save-draft").click()
    expect(page.get_by_test_id("kinh-gui")).to_contain_text("Bộ Nội vụ")
    expect(page.get_by_test_id("in-reply-to")).to_contain_text("01/BNV-VP")
    page.goto(url)
    expect(page.get_by_test_id("incoming-history")).to_contain_text("Soạn văn bản trả lời")

    # The sending agency sees “06 Hoàn thành” on its delivery.
    log_in(page, sender_clerk.user.email)
    page.goto(f"/outgoing/{outgoing.pk}/")
    expect(page.get_by_test_id("deliveries")).to_contain_text("Hoàn thành")
