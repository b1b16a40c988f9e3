"""The whole path in headless Chromium: draft → submit → approve → issue → deliveries complete (through a
real Celery worker and SMTP server) → the recipient agency sees the document arrive."""


import pytest
from playwright.sync_api import expect

from pki.demo import issue_certificate
from tests import factories
from tests.browsing import log_in
from tests.documents.conftest import pdf_bytes

pytestmark = [pytest.mark.browser, pytest.mark.worker]


@pytest.fixture
def worker_env(smtp_sink):
    return {"EMAIL_URL": f"smtp://127.0.0.1:{smtp_sink.port}"}


def test_draft_submit_approve_issue_deliver_and_arrive(page, celery_worker, smtp_sink, tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("outgoing")
    ministry = factories.make_agency("Bộ Nội vụ", short_name="BNV", code="000.00.00.G09", domain="moha.gov.vn")
    office = factories.make_unit(ministry, "Văn phòng Bộ", "VP")
    kontum = factories.make_agency("Ủy ban nhân dân tỉnh Kon Tum", code="000.00.00.H34", domain="kontum.gov.vn")
    factories.make_unit(kontum, "Văn phòng", "VP")
    issue_certificate(ministry)
    specialist = factories.make_member(ministry, "specialist", unit=office,
                                       user=factories.make_user("chuyenvien@moha.gov.vn", full_name="Lê Văn Soạn"))
    leader = factories.make_member(ministry, "leader", unit=office, position="Bộ trưởng",
                                   user=factories.make_user("botruong@moha.gov.vn", full_name="Phạm Thị Ký"))
    clerk = factories.make_member(ministry, "clerk", unit=office, position="Văn thư",
                                  user=factories.make_user("vanthu@moha.gov.vn", full_name="Đỗ Văn Thư"))
    receiver = factories.make_member(kontum, "clerk", position="Văn thư",
                                     user=factories.make_user("vanthu@kontum.gov.vn", full_name="Hà Thị Nhận"))
    leader_secret, clerk_secret = factories.totp_enable(leader.user), factories.totp_enable(clerk.user)
    factories.signing_ready(leader)
    main_pdf = tmp_path / "cong-van.pdf"
    main_pdf.write_bytes(pdf_bytes(pages=3))

    # The specialist drafts, picks the recipients and submits.
    log_in(page, specialist.user.email)
    page.get_by_role("link", name="Soạn văn bản").click()
    page.select_option("select[name=doc_type]", "CV")
    page.fill("textarea[name=summary]", "V/v triển khai thư điện tử công vụ theo Chỉ thị 34")
    page.select_option("select[name=signer]", str(leader.pk))
    page.set_input_files("input[name=main_file]", str(main_pdf))
    page.get_by_test_id("save-draft").click()
    expect(page.get_by_test_id("status")).to_have_text("Dự thảo")
    form = page.get_by_test_id("recipient-form")
    form.locator("select[name=role]").select_option("kinh_gui")
    form.locator("select[name=kind]").select_option("agency")
    form.locator("select[name=agency]").select_option(str(kontum.pk))
    page.get_by_test_id("add-recipient").click()
    expect(page.get_by_test_id("recipient-list")).to_contain_text("Ủy ban nhân dân tỉnh Kon Tum")
    form = page.get_by_test_id("recipient-form")
    form.locator("select[name=kind]").select_option("email")
    form.locator("input[name=name]").fill("Công ty Cổ phần Viễn thông Tây Nguyên")
    form.locator("input[name=email]").fill("vanthu@taynguyen.com.vn")
    page.get_by_test_id("add-recipient").click()
    expect(page.get_by_test_id("noi-nhan-block")).to_contain_text("- Như trên;")
    expect(page.get_by_test_id("noi-nhan-block")).to_contain_text("- Công ty Cổ phần Viễn thông Tây Nguyên;")
    expect(page.get_by_test_id("noi-nhan-block")).to_contain_text("- Lưu: VT, VP (2b).")
    page.get_by_test_id("action-submit").click()
    expect(page.get_by_test_id("status")).to_have_text("Chờ duyệt")
    url = page.url

    # The signer approves (after the TOTP code at login).
    log_in(page, leader.user.email, leader_secret)
    page.goto(url)
    page.fill("textarea[name=comment]", "Đồng ý ban hành")
    page.get_by_test_id("signing-pin").fill(factories.SIGNING_PIN)
    page.get_by_test_id("action-approve").click()
    expect(page.get_by_test_id("status")).to_have_text("Đã duyệt, chờ phát hành")
    expect(page.get_by_test_id("history")).to_contain_text("Đồng ý ban hành")

    # The clerk issues and watches the deliveries complete without reloading.
    log_in(page, clerk.user.email, clerk_secret)
    page.goto(url)
    page.get_by_test_id("action-issue").click()
    expect(page.get_by_test_id("notation")).to_have_text("01/BNV-VP")
    expect(page.get_by_test_id("delivery-progress")).to_contain_text("2/2 xong", timeout=30000)
    expect(page.locator("[data-status=sent]")).to_have_count(2)
    assert smtp_sink.received_by() == {"vanthu@taynguyen.com.vn": 1}
    page.screenshot(path=str(tmp_path / "issued.png"), full_page=True)

    # The recipient agency finds it in its incoming queue.
    log_in(page, receiver.user.email)
    page.get_by_role("link", name="Văn bản đến").first.click()
    expect(page.get_by_test_id("incoming-table")).to_contain_text("01/BNV-VP")
    page.get_by_role("link", name="01/BNV-VP").click()
    expect(page.get_by_test_id("incoming-notation")).to_have_text("01/BNV-VP")
    # The file in the document's list of files (the text panel below names it too).
    expect(page.get_by_text("cong-van.pdf").first).to_be_visible()
