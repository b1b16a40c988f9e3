"""A person clicks through the foundation in headless Chromium: login, dashboard, directory, a denied page."""

import re

import pytest
from playwright.sync_api import expect

from tests import factories
from tests.browsing import log_in

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]


def test_leader_logs_in_sees_the_dashboard_and_finds_kon_tum_in_the_directory_without_diacritics(page):
    ministry = factories.make_agency("Bộ Nội vụ", short_name="BNV", code="000.00.00.G09", domain="moha.gov.vn")
    kon_tum = factories.make_agency("Ủy ban nhân dân tỉnh Kon Tum", code="000.00.00.H34", domain="kontum.gov.vn")
    factories.make_agency("Sở Thông tin và Truyền thông tỉnh Kon Tum", short_name="STTTT", code="000.00.15.H34",
                          parent=kon_tum, domain="stttt.kontum.gov.vn")
    factories.make_agency("Ủy ban nhân dân tỉnh Quảng Ngãi", code="000.00.00.H55", domain="quangngai.gov.vn")
    factories.make_unit(kon_tum, "Văn phòng UBND tỉnh", "VP", official_email="vp@kontum.gov.vn")
    factories.make_member(kon_tum, "leader", user=factories.make_user(full_name="Nguyễn Văn Đức"),
                          position="Chủ tịch", official_email="chutich@kontum.gov.vn", is_public=True)
    leader = factories.make_member(ministry, "leader", user=factories.make_user("bo.truong@moha.gov.vn"),
                                   position="Bộ trưởng")

    log_in(page, leader.user.email, lands_on=None)
    expect(page).to_have_url(re.compile(r"/dashboard/$"))
    expect(page.get_by_test_id("current-agency")).to_have_text("Bộ Nội vụ")

    page.get_by_role("link", name="Danh bạ cơ quan").click()
    expect(page).to_have_url(re.compile(r"/directory/$"))
    page.get_by_test_id("directory-search").fill("kon tum")
    page.get_by_test_id("directory-search").press("Enter")
    expect(page).to_have_url(re.compile(r"/directory/\?q=kon\+tum$"))
    results = page.get_by_test_id("directory-results")
    expect(results.locator(".agency-name")).to_have_text(
        ["Ủy ban nhân dân tỉnh Kon Tum", "Sở Thông tin và Truyền thông tỉnh Kon Tum"]
    )
    expect(results.locator(".agency-name").first).to_be_visible()
    expect(results).not_to_contain_text("Quảng Ngãi")
    expect(page.get_by_test_id("directory-count")).to_contain_text("Tìm thấy 2 cơ quan")

    page.goto("/directory/")
    expect(page.get_by_text("Nguyễn Văn Đức")).to_be_visible()
    page.screenshot(path="/tmp/directory.png", full_page=True)


def test_citizen_who_logs_in_and_opens_a_staff_page_sees_the_403_page(page):
    citizen = factories.make_citizen("dan@example.com", full_name="Trần Thị Dân")
    log_in(page, citizen.email, lands_on=None)
    expect(page).to_have_url(re.compile(r"/me/$"))
    response = page.goto("/manage/staff/")
    assert response.status == 403
    expect(page.get_by_role("heading", name="Không có quyền truy cập")).to_be_visible()
