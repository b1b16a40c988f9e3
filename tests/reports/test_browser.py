"""The report as a person sees it in headless Chromium: the figures and the Chart.js charts drawn from the
vendored library (no CDN), and the evaluation of use with its sortable per-person table."""

import re

import pytest
from playwright.sync_api import expect

from tests import factories

pytestmark = pytest.mark.browser


def test_a_leader_opens_the_report_and_the_charts_are_drawn(page, province):
    leader = factories.make_member(province["p"], "leader", unit=province["u1"], position="Phó Chủ tịch",
                                   user=factories.make_user("phochutich@thu.gov.vn", full_name="Vũ Thị Báo"))
    page.goto("/accounts/login/")
    page.fill("input[name=login]", leader.user.email)
    page.fill("input[name=password]", factories.PASSWORD)
    page.locator("form.portal-form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/dashboard/$"))

    page.get_by_role("link", name="Báo cáo 6 tháng").click()
    page.select_option("select[name=half]", "1")
    page.fill("input[name=year]", "2026")
    page.get_by_role("button", name="Lọc").click()
    expect(page.get_by_test_id("report-subtitle")).to_contain_text("6 tháng đầu năm 2026")
    expect(page.get_by_test_id("indicators")).to_contain_text("80,0 %")
    months = page.evaluate("Chart.getChart('chart-months').data")
    assert months["labels"] == ["01/2026", "02/2026", "03/2026", "04/2026", "05/2026", "06/2026"]
    assert months["datasets"][0]["data"] == [0, 1, 2, 1, 0, 1]
    agencies = page.evaluate("Chart.getChart('chart-agencies').data")
    assert sorted(agencies["labels"]) == ["Sở Nội vụ tỉnh Thử", "Sở Tài chính tỉnh Thử", "Ủy ban nhân dân tỉnh Thử"]
    units = page.evaluate("Chart.getChart('chart-units').data")
    assert units["labels"][0] in ("Phòng Kinh tế – UBND", "Phòng Tổ chức – SNV") and units["datasets"][0]["data"][-1] == 50
    page.get_by_test_id("show-evaluation").click()
    expect(page.get_by_test_id("evaluation-units")).to_be_visible()
    evaluation = page.evaluate("Chart.getChart('chart-evaluation').data")
    assert [d["label"] for d in evaluation["datasets"]] == [
        "Kiểm tra hộp thư đúng giờ", "Văn bản đến xử lý đúng hạn", "Trả lời công dân, doanh nghiệp đúng hạn",
        "Văn bản đi gửi điện tử"]
    assert "Văn phòng – UBND" in evaluation["labels"]
    expect(page.get_by_test_id("evaluation-people")).to_contain_text("Lãnh đạo p")
    page.get_by_test_id("evaluation-people").get_by_role("link", name="Văn bản đi gửi điện tử").click()
    expect(page).to_have_url(re.compile(r"ep-sort=sent"))
    assert page.evaluate("document.querySelector('script[src*=chartjs]').src").startswith(page.url.split("/reports")[0])
