"""In headless Chromium (issue 12): a pasted “Nơi nhận” block naming agencies and their own official
addresses shows the repeats as “trùng”, and once issued each destination gets one copy: one document in
the portal agency's inbox, one message at the suite's real SMTP server for the agency known by e-mail."""

import pytest
from playwright.sync_api import expect

from documents.models import Incoming
from pki.demo import issue_certificate
from tests import factories
from tests.browsing import log_in
from tests.documents.conftest import make_draft

pytestmark = pytest.mark.browser

BLOCK = """Nơi nhận:
- UBND tỉnh Kon Tum (để thực hiện);
- Văn phòng UBND tỉnh Kon Tum <vanphong@kontum.gov.vn>;
- UBND tỉnh Nghệ An;
- vanphong@nghean.gov.vn;
- Lưu: VT, TCCB (3b)."""


def test_an_agency_and_its_address_are_one_destination_shown_and_delivered_once(page, smtp_sink):
    ministry = factories.make_agency("Bộ Nội vụ", short_name="BNV", code="000.00.00.G09", domain="moha.gov.vn")
    office = factories.make_unit(ministry, "Văn phòng Bộ", "VP")
    factories.make_unit(ministry, "Vụ Tổ chức cán bộ", "TCCB")
    kontum = factories.make_agency("Ủy ban nhân dân tỉnh Kon Tum", code="000.00.00.H34", domain="kontum.gov.vn")
    factories.make_agency("Ủy ban nhân dân tỉnh Nghệ An", code="000.00.00.H40", domain="nghean.gov.vn",
                          uses_portal=False)
    issue_certificate(ministry)
    specialist = factories.make_member(ministry, "specialist", unit=office,
                                       user=factories.make_user("chuyenvien@moha.gov.vn"))
    leader = factories.make_member(ministry, "leader", unit=office, position="Bộ trưởng")
    clerk = factories.make_member(ministry, "clerk", unit=office, position="Văn thư",
                                  user=factories.make_user("vanthu@moha.gov.vn", full_name="Đỗ Văn Thư"))
    receiver = factories.make_member(kontum, "clerk", position="Văn thư",
                                     user=factories.make_user("vanthu@kontum.gov.vn", full_name="Hà Thị Nhận"))
    clerk_secret = factories.totp_enable(clerk.user)
    outgoing = make_draft(specialist, leader)

    # The specialist pastes the block: the addresses of agencies already named are shown as repeats.
    log_in(page, specialist.user.email)
    page.goto(f"/outgoing/{outgoing.pk}/")
    page.get_by_test_id("paste-text").fill(BLOCK)
    page.get_by_test_id("paste-submit").click()
    notes = page.get_by_test_id("recipient-note")
    expect(notes).to_have_count(2)
    expect(notes.nth(0)).to_contain_text("trùng với “Ủy ban nhân dân tỉnh Kon Tum”")
    expect(notes.nth(1)).to_contain_text("trùng với “Ủy ban nhân dân tỉnh Nghệ An”")
    block = page.get_by_test_id("noi-nhan-block")
    expect(block).to_contain_text("- UBND tỉnh Kon Tum (để thực hiện);")
    expect(block).to_contain_text("- Lưu: VT, TCCB (3b).")
    page.reload()  # still there after a reload: it is what the recipients are, not what the paste said
    expect(page.get_by_test_id("recipient-note")).to_have_count(2)
    page.get_by_test_id("action-submit").click()
    expect(page.get_by_test_id("status")).to_have_text("Chờ duyệt")
    factories.approve(leader, outgoing)

    # The clerk issues: two destinations, two deliveries.
    log_in(page, clerk.user.email, clerk_secret)
    page.goto(f"/outgoing/{outgoing.pk}/")
    page.get_by_test_id("action-issue").click()
    expect(page.get_by_test_id("notation")).to_have_text("01/BNV-VP")
    expect(page.get_by_test_id("delivery-progress")).to_contain_text("2/2 xong", timeout=30000)
    expect(page.locator("[data-status=sent]")).to_have_count(2)
    assert smtp_sink.received_by() == {"vanphong@nghean.gov.vn": 1}
    assert Incoming.objects.filter(agency=kontum).count() == 1

    # The agency on the portal finds the document once in its incoming list.
    log_in(page, receiver.user.email)
    page.get_by_role("link", name="Văn bản đến").first.click()
    expect(page.get_by_role("link", name="01/BNV-VP")).to_have_count(1)
