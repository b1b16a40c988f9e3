"""A new citizen, in headless Chromium: signs up and confirms the address, receives the reply a clerk issues
(through a real Celery worker and SMTP server), opens the link of the e-mail, downloads the signed PDF,
checks it on /verify/, then checks a tampered copy, and finds the reply on /me/."""

import email
import re
import time
from email import policy

import pytest
from playwright.sync_api import expect

from pki.demo import issue_certificate
from tests import factories
from tests.documents.conftest import approved
from tests.public.conftest import signed_bytes, to_citizen

pytestmark = [pytest.mark.browser, pytest.mark.worker]

CITIZEN_EMAIL = "nguyen.van.dan@example.com"
CITIZEN_PASSWORD = "Công-dân-2026!"


@pytest.fixture
def worker_env(smtp_sink, live_server):
    return {"EMAIL_URL": f"smtp://127.0.0.1:{smtp_sink.port}", "SITE_URL": live_server.url}


def mail_to(smtp_sink, address, count=1, timeout=30):
    """The `count`-th message the SMTP sink stored for `address`, parsed, waiting for it if need be."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = [m for m in smtp_sink.messages() if address in m["to"]]
        if len(found) >= count:
            with open(found[count - 1]["path"], "rb") as handle:
                return email.message_from_bytes(handle.read(), policy=policy.default)
        time.sleep(0.2)
    raise AssertionError(f"no message #{count} for {address}: {smtp_sink.messages()}")


def clerk_logs_in(page, user, secret):
    page.goto("/accounts/login/")
    page.fill("input[name=login]", user.email)
    page.fill("input[name=password]", factories.PASSWORD)
    page.locator("form.portal-form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/accounts/2fa/authenticate/"))
    page.fill("input[name=code]", factories.totp_code(secret))
    page.locator("form.portal-form button[type=submit]").first.click()
    expect(page).to_have_url(re.compile(r"/dashboard/$"))


def test_new_citizen_receives_downloads_and_verifies_a_reply(page, browser, live_server, celery_worker, smtp_sink,
                                                             settings, tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("citizen")
    settings.SITE_URL = live_server.url
    ministry = factories.make_agency("Bộ Nội vụ", short_name="BNV", code="000.00.00.G09", domain="moha.gov.vn")
    office = factories.make_unit(ministry, "Văn phòng Bộ", "VP")
    issue_certificate(ministry)
    specialist = factories.make_member(ministry, "specialist", unit=office,
                                       user=factories.make_user("chuyenvien@moha.gov.vn", full_name="Lê Văn Soạn"))
    leader = factories.make_member(ministry, "leader", unit=office, position="Bộ trưởng",
                                   user=factories.make_user("botruong@moha.gov.vn", full_name="Phạm Thị Ký"))
    clerk = factories.make_member(ministry, "clerk", unit=office, position="Văn thư",
                                  user=factories.make_user("vanthu@moha.gov.vn", full_name="Đỗ Văn Thư"))
    clerk_secret = factories.totp_enable(clerk.user)

    # A new citizen signs up through the sign-up form and confirms the address from the e-mail.
    page.goto("/")
    page.get_by_role("link", name="Đăng ký (công dân)").click()
    page.fill("input[name=email]", CITIZEN_EMAIL)
    page.fill("input[name=full_name]", "Nguyễn Văn Dân")
    page.fill("input[name=password1]", CITIZEN_PASSWORD)
    page.fill("input[name=password2]", CITIZEN_PASSWORD)
    page.locator("form.portal-form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/accounts/confirm-email/$"))
    confirmation = mail_to(smtp_sink, CITIZEN_EMAIL).get_body(("plain",)).get_content()
    # allauth writes https:// links (the live server speaks plain http): follow the path.
    page.goto(re.search(r"https?://[^/\s]+(/accounts/confirm-email/\S+)", confirmation).group(1))
    page.locator("form.portal-form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/me/$"))
    expect(page.get_by_test_id("citizen-replies-empty")).to_be_visible()

    # A clerk issues the reply addressed to them (drafted and approved through the services).
    outgoing = approved(specialist, leader, to_citizen(CITIZEN_EMAIL, name="Ông Nguyễn Văn Dân",
                                                        dossier="000.00.09.G09-260315-0042"),
                        summary="V/v trả lời hồ sơ đề nghị cấp giấy phép")
    clerk_page = browser.new_context(locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh",
                                     base_url=live_server.url).new_page()
    clerk_page.set_default_timeout(15000)
    clerk_logs_in(clerk_page, clerk.user, clerk_secret)
    clerk_page.goto(f"/outgoing/{outgoing.pk}/")
    clerk_page.get_by_test_id("action-issue").click()
    expect(clerk_page.get_by_test_id("notation")).to_have_text("01/BNV-VP")
    expect(clerk_page.get_by_test_id("delivery-progress")).to_contain_text("1/1 xong", timeout=30000)
    expect(clerk_page.get_by_test_id("download-count")).to_have_text("0")

    # The citizen receives the e-mail with the signed PDF, the lookup code and the link.
    message = mail_to(smtp_sink, CITIZEN_EMAIL, count=2)
    body = message.get_body(("plain",)).get_content()
    code = re.search(r"Mã tra cứu văn bản: ([A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4})", body).group(1)
    link = re.search(r"(https?://\S+/lookup/\?code=\S+)", body).group(1)
    assert link.startswith(live_server.url) and link.endswith(code)
    assert [a.get_filename() for a in message.iter_attachments()] == ["van-ban.pdf"]
    expect(clerk_page.get_by_test_id("citizen-lookup")).to_contain_text(code)

    # The link opens the reply; the signed PDF downloads.
    page.goto(link)
    expect(page.get_by_test_id("reply-notation")).to_have_text("01/BNV-VP")
    expect(page.get_by_test_id("lookup-code")).to_have_text(code)
    expect(page.get_by_text("V/v trả lời hồ sơ đề nghị cấp giấy phép")).to_be_visible()
    page.screenshot(path=str(tmp_path / "reply.png"), full_page=True)
    with page.expect_download() as download_info:
        page.get_by_test_id("download-main").click()
    downloaded = tmp_path / "tai-ve.pdf"
    download_info.value.save_as(downloaded)
    outgoing.refresh_from_db()
    assert downloaded.read_bytes() == signed_bytes(outgoing)

    # The download checks out as genuine on /verify/ ...
    page.get_by_role("link", name="Kiểm tra văn bản").click()
    page.set_input_files("input[name=file]", str(downloaded))
    page.get_by_test_id("verify-submit").click()
    verdict = page.get_by_test_id("verdict")
    expect(verdict).to_have_attribute("data-verdict", "genuine")
    expect(page.get_by_test_id("verdict-title")).to_have_text("Văn bản thật, còn nguyên vẹn")
    expect(page.get_by_test_id("byte-match")).to_contain_text("Trùng khớp với bản lưu của cổng")
    page.screenshot(path=str(tmp_path / "genuine.png"), full_page=True)

    # ... and a copy with bytes flipped in the middle does not.
    data = bytearray(downloaded.read_bytes())
    middle = len(data) // 2
    data[middle:middle + 16] = bytes(b ^ 0xFF for b in data[middle:middle + 16])
    tampered = tmp_path / "da-sua.pdf"
    tampered.write_bytes(bytes(data))
    page.set_input_files("input[name=file]", str(tampered))
    page.get_by_test_id("verify-submit").click()
    expect(page.get_by_test_id("verdict")).to_have_attribute("data-verdict", "modified")
    expect(page.get_by_test_id("verdict-title")).to_have_text("Tệp đã bị sửa đổi")
    page.screenshot(path=str(tmp_path / "modified.png"), full_page=True)

    # The citizen's own page lists the reply; the clerk sees the download counted.
    page.goto("/me/")
    expect(page.get_by_test_id("citizen-reply")).to_have_count(1)
    expect(page.get_by_test_id("citizen-replies")).to_contain_text("01/BNV-VP")
    page.screenshot(path=str(tmp_path / "me.png"), full_page=True)
    clerk_page.reload()
    expect(clerk_page.get_by_test_id("download-count")).to_have_text("1")
    clerk_page.get_by_test_id("deliveries").screenshot(path=str(tmp_path / "clerk.png"))
    clerk_page.context.close()
