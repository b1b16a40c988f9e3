"""In headless Chromium: the outgoing page asks for the recall request's form when the clerk opens it."""

import pytest
from playwright.sync_api import expect

from documents.models import Revision
from tests.browsing import log_in
from tests.documents.conftest import issued_by_bnv_clerk

pytestmark = pytest.mark.browser


def test_the_clerk_opens_the_request_form_and_sends_it(page):
    clerk, secret, outgoing = issued_by_bnv_clerk()
    log_in(page, clerk.user.email, secret)
    page.goto(f"/outgoing/{outgoing.pk}/")
    expect(page.get_by_test_id("revision-request")).to_have_count(0)
    page.get_by_text("Đề nghị thu hồi, cập nhật hoặc thay thế văn bản này").click()
    form = page.get_by_test_id("revision-request")
    expect(form).to_be_visible()
    form.locator("select[name=kind]").select_option("1")
    form.locator("textarea[name=reason]").fill("Ban hành sai thẩm quyền")
    form.get_by_role("button", name="Gửi đề nghị tới người ký").click()
    expect(page.get_by_test_id("revision")).to_be_visible()
    assert Revision.objects.get(outgoing=outgoing).reason == "Ban hành sai thẩm quyền"
