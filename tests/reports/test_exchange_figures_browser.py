"""The pages slice E changed, in headless Chromium: the traffic log filtered on “Liên thông” (edXML status with its
tooltip, an open failure, the legend, the incidents' tab filled when opened), the report's section and the directory
entry of an agency served by another installation have no serious accessibility violation (axe-core), and the log's
filter works from the page."""

import re

import pytest
from playwright.sync_api import expect

from documents.incidents import incident_delivery_failed
from documents.models import Delivery
from tests import factories
from tests.browser.test_accessibility import axe_page, findings  # noqa: F401 - fixture
from tests.browsing import log_in

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]


def test_the_exchange_pages_work_and_have_no_serious_accessibility_violation(axe_page, province, exchange):  # noqa: F811
    failed = Delivery.objects.get(outgoing=exchange["o10"], agency=exchange["y"])
    incident_delivery_failed(failed.pk, "Hệ thống nhận từ chối gói tin")
    clerk = factories.make_member(province["p"], "clerk", unit=province["u1"], position="Văn thư",
                                  user=factories.make_user("vanthu@thu.gov.vn", full_name="Đỗ Văn Thư"))
    leader = factories.make_member(province["p"], "leader", unit=province["u1"], position="Phó Chủ tịch",
                                   user=factories.make_user("phochutich@thu.gov.vn", full_name="Vũ Thị Báo"))

    found = findings(axe_page, ["/directory/"])
    expect(axe_page.get_by_test_id("served-by").first).to_contain_text("Liên thông qua Hệ thống văn bản Bộ Tài chính")

    log_in(axe_page, clerk.user.email)
    axe_page.goto("/reports/traffic/")
    axe_page.select_option("select[name=channel]", "peer")
    axe_page.get_by_role("button", name="Lọc").click()
    expect(axe_page).to_have_url(re.compile(r"channel=peer"))
    table = axe_page.get_by_test_id("traffic-table")
    expect(table.get_by_test_id("edxml-code").first).to_be_visible()
    expect(table.get_by_test_id("open-incident")).to_have_count(1)
    assert "Trong cổng" not in table.inner_text()
    # The incidents' tab is filled when it is opened.
    expect(axe_page.get_by_test_id("incidents-loading")).to_be_attached()
    axe_page.get_by_test_id("tab-incidents").click()
    expect(axe_page.get_by_test_id("open-incidents")).to_contain_text("Hệ thống nhận từ chối gói tin")
    expect(axe_page.get_by_test_id("incidents-loading")).to_have_count(0)
    found |= findings(axe_page, ["/reports/traffic/?" + axe_page.url.split("?", 1)[1]])

    log_in(axe_page, leader.user.email)
    found |= findings(axe_page, ["/reports/usage/?year=2026&half=1"])
    expect(axe_page.get_by_test_id("exchange-indicators")).to_contain_text("66,7 %")
    assert found == {}, "\n".join(f"{url}: {violations}" for url, violations in found.items())


def test_a_report_over_many_units_loads_their_table_when_asked(axe_page, province, monkeypatch):  # noqa: F811
    from reports import views

    monkeypatch.setattr(views, "UNITS_SHOWN", 1)
    leader = factories.make_member(province["p"], "leader", unit=province["u1"], position="Chủ tịch",
                                   user=factories.make_user("chutich@thu.gov.vn", full_name="Lê Văn Chủ"))
    log_in(axe_page, leader.user.email)
    axe_page.goto("/reports/usage/?year=2026&half=1")
    expect(axe_page.get_by_test_id("by-unit")).to_have_count(0)
    axe_page.get_by_test_id("show-units").click()
    expect(axe_page.get_by_test_id("by-unit")).to_be_visible()
    expect(axe_page.get_by_test_id("show-units")).to_have_count(0)
    assert axe_page.get_by_test_id("by-unit").locator("tbody tr").count() >= 2
