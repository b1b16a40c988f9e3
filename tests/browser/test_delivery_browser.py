"""In headless Chromium: the clerk finds an uncertain delivery explained, cannot resend it without ticking
that they checked with the recipient, and then resends it; a real SMTP server of the suite's own counts."""

import pytest
from playwright.sync_api import expect

from documents.models import Delivery
from tests.browsing import log_in
from tests.documents.conftest import issued_by_bnv_clerk
from tests.smtp import FaultySmtp

pytestmark = pytest.mark.browser


def test_the_clerk_resends_an_uncertain_delivery_only_after_confirming(page, settings):
    server = FaultySmtp(drop_after_dot=lambda n: n == 1).start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", server.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    try:
        clerk, secret, outgoing = issued_by_bnv_clerk()
        row = outgoing.deliveries.get()
        assert row.status == Delivery.Status.UNCERTAIN and server.received_by() == {"vanthu@congty.vn": 1}

        log_in(page, clerk.user.email, secret)
        page.goto(f"/outgoing/{outgoing.pk}/")
        line = page.locator(f"tr[data-delivery='{row.pk}']")
        expect(line).to_have_attribute("data-status", "uncertain")
        expect(line.get_by_test_id("uncertain-explanation")).to_contain_text("Hãy hỏi nơi nhận trước khi gửi lại")
        form = line.get_by_test_id("resend-uncertain")
        form.get_by_role("button", name="Gửi lại").click()  # not confirmed: the browser does not send it
        expect(line).to_have_attribute("data-status", "uncertain")
        assert server.received_by() == {"vanthu@congty.vn": 1}

        form.locator("input[name=confirm_uncertain]").check()
        form.get_by_role("button", name="Gửi lại").click()
        expect(page.locator(".alert-success")).to_contain_text("Đang gửi lại tới vanthu@congty.vn")
        expect(page.locator(f"tr[data-delivery='{row.pk}']")).to_have_attribute("data-status", "sent")
        assert server.received_by() == {"vanthu@congty.vn": 2}  # the clerk's own, informed choice
    finally:
        server.stop()
