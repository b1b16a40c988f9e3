"""The agency admin issues and revokes a token in Chromium: the key is shown once, the page has no serious
accessibility problem (axe-core) and the key then opens the API until it is revoked."""

import pytest
from playwright.sync_api import expect

from tests import factories
from tests.browser.test_accessibility import axe_page, serious_violations  # noqa: F401 - fixture
from tests.browsing import log_in

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]


def test_the_admin_issues_then_revokes_a_token_in_the_browser(axe_page, live_server):  # noqa: F811
    import requests

    page = axe_page
    agency = factories.make_agency("Bộ Nội vụ", short_name="BNV", code="000.00.00.G09", domain="moha.gov.vn")
    office = factories.make_unit(agency, "Văn phòng Bộ", "VP")
    admin = factories.make_member(agency, "admin", unit=office, user=factories.make_user("quantri@moha.gov.vn"))
    clerk = factories.make_member(agency, "clerk", unit=office, user=factories.make_user(
        "vanthu@moha.gov.vn", full_name="Trần Văn Thư"))
    secret = factories.totp_enable(admin.user)
    log_in(page, admin.user.email, secret)

    page.goto("/api/tokens/")
    page.fill("input[name=name]", "Phần mềm một cửa")
    page.select_option("select[name=member]", str(clerk.pk))
    page.select_option("select[name=scope]", "read")
    page.get_by_test_id("api-token-issue").click()
    key = page.get_by_test_id("api-key").input_value()
    assert key.startswith("vbapi_")
    assert serious_violations(page) == []

    api = f"{live_server.url}/api/v1/directory/"
    assert requests.get(api, headers={"Authorization": f"Bearer {key}"}, timeout=10).status_code == 200
    page.goto("/api/tokens/")
    expect(page.get_by_test_id("api-key")).to_have_count(0)
    page.locator("[data-testid^=api-token-revoke-]").click()
    expect(page.get_by_test_id("api-tokens")).to_contain_text("Đã thu hồi")
    assert requests.get(api, headers={"Authorization": f"Bearer {key}"}, timeout=10).status_code == 401
