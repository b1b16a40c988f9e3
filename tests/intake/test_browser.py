"""An agency admin connects the official mailbox and a clerk triages what it brought, in headless Chromium."""

import os
import re

import pytest
from playwright.sync_api import expect

from tests import factories
from tests.browsing import log_in

from .conftest import Account
from .legacy import encode_tcvn3
from .mail import build
from .test_screening import pdf_bytes

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]
SCREENSHOTS = os.environ.get("INTAKE_SCREENSHOTS")  # a folder to keep screenshots in, for a person to look at


def shot(page, name):
    if SCREENSHOTS:
        page.screenshot(path=os.path.join(SCREENSHOTS, f"{name}.png"), full_page=True)


def test_admin_connects_the_mailbox_and_the_clerk_triages_the_mail(page, dovecot):
    ministry = factories.make_agency("Bộ Nội vụ", short_name="BNV", code="000.00.00.G09", domain="moha.gov.vn")
    admin = factories.make_member(ministry, "admin", user=factories.make_user("quantri@moha.gov.vn"))
    clerk = factories.make_member(ministry, "clerk", user=factories.make_user("vanthu@moha.gov.vn"))
    account = Account(dovecot)
    account.append(build(subject="Quyết định 15/QĐ-BNV", sender="Văn phòng UBND <vp@kontum.gov.vn>",
                         body="Kon Tum, ngày 15 tháng 11 năm 2026",
                         attachments=[("Quyết định 15.pdf", "application/pdf", pdf_bytes()),
                                      ("cai-dat.exe", "application/octet-stream", b"MZ\x90\x00")]))
    account.append(build(subject=encode_tcvn3("Hỏi về lịch họp").decode("latin-1"),
                         sender="Nguyễn Văn A <nguyenvana@gmail.com>", body="Xin hỏi lịch họp."))

    log_in(page, admin.user.email)
    page.get_by_role("link", name="Hộp thư cơ quan").click()
    page.fill("input[name=host]", dovecot.host)
    page.fill("input[name=port]", str(dovecot.port))
    page.select_option("select[name=security]", "none")
    page.fill("input[name=username]", account.user)
    page.fill("input[name=password]", account.password)
    page.get_by_role("button", name="Lưu").click()
    expect(page.get_by_text("Đã lưu cấu hình hộp thư.")).to_be_visible()
    expect(page.locator("input[name=password]")).to_have_value("")
    page.get_by_test_id("check-now").click()
    expect(page.get_by_text("Đã đọc hộp thư: 2 thư mới.")).to_be_visible()
    expect(page.get_by_test_id("last-success")).to_have_text(re.compile(r"^\d\d/\d\d/\d{4} \d\d:\d\d$"))
    shot(page, "mailbox-settings")

    log_in(page, clerk.user.email)
    page.goto("/incoming/mailbox/")
    rows = page.get_by_test_id("inbound-row")
    expect(rows).to_have_count(2)
    expect(rows.filter(has_text="nguyenvana@gmail.com").get_by_test_id("not-official")).to_have_text(
        "ngoài tên miền công vụ")
    expect(rows.filter(has_text="Hỏi về lịch họp")).to_be_visible()  # TCVN3 in a latin-1 subject, converted
    shot(page, "inbound-list")

    page.get_by_role("link", name="Quyết định 15/QĐ-BNV").click()
    expect(page.get_by_test_id("hint-number")).to_have_text("15/QĐ-BNV")
    expect(page.get_by_test_id("hint-date")).to_have_text("15/11/2026")
    expect(page.get_by_test_id("refusal-reason")).to_contain_text("Tệp chạy được")
    expect(page.get_by_role("link", name="cai-dat.exe")).to_have_count(0)
    with page.expect_download() as download:
        page.get_by_role("link", name="Quyết định 15.pdf").click()
    assert download.value.suggested_filename == "Quyết định 15.pdf"
    shot(page, "inbound-detail")

    page.get_by_role("button", name="Bỏ qua thư này").click()
    expect(page.get_by_test_id("status")).to_contain_text("Đã bỏ qua")
