"""The portal still works in Chromium under its Content-Security-Policy: htmx, the sidebar, auto-submitting lists."""

import re

import pytest
from playwright.sync_api import expect

from tests import factories
from tests.browsing import log_in
from tests.documents.conftest import make_draft, to_agency

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]


def test_htmx_sidebar_and_register_filters_work_under_the_policy_and_nothing_is_blocked(page):
    violations = []
    page.on("console", lambda message: violations.append(message.text)
            if "Content Security Policy" in message.text else None)
    ministry = factories.make_agency("Bộ Nội vụ", short_name="BNV", code="000.00.00.G09", domain="moha.gov.vn")
    office = factories.make_unit(ministry, "Văn phòng Bộ", "VP")
    kontum = factories.make_agency("Ủy ban nhân dân tỉnh Kon Tum", code="000.00.00.H34", domain="kontum.gov.vn")
    specialist = factories.make_member(ministry, "specialist", "clerk", unit=office,
                                       user=factories.make_user("chuyenvien@moha.gov.vn"))
    leader = factories.make_member(ministry, "leader", unit=office, position="Bộ trưởng")
    draft = make_draft(specialist, leader, to_agency(kontum))
    secret = factories.totp_enable(specialist.user)

    log_in(page, specialist.user.email, secret)
    response = page.goto(f"/outgoing/{draft.pk}/")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    page.get_by_test_id("recipient-list").get_by_role("button", name="Bỏ").first.click()  # an hx-post
    expect(page.get_by_test_id("recipient-list")).not_to_contain_text("Kon Tum")
    assert page.evaluate("window.htmx !== undefined")

    page.goto("/registers/outgoing/")
    year = page.locator("select[name=year] option").nth(1).get_attribute("value")
    page.select_option("select[name=year]", year)  # submits by itself (static/portal/portal.js)
    expect(page).to_have_url(re.compile(rf"[?&]year={year}"))

    page.set_viewport_size({"width": 480, "height": 800})
    page.locator("[data-portal-toggle*='#sidebar']").click()
    expect(page.locator("#sidebar")).to_have_class(re.compile(r"\bshow\b"))
    assert violations == []
