"""The keeper drafts the week in the browser; the week page and the entry form pass axe (no serious violation)
and run under the portal's Content-Security-Policy."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tests import factories
from tests.browser.test_accessibility import AXE, serious_violations
from tests.browsing import log_in

from .conftest import add

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]


def test_keeper_drafts_the_week_in_the_browser(page, keeper, leader, schedule, tmp_path):
    add(keeper, schedule, 0, content="Giao ban đầu tuần", leaders=[leader])
    errors = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    log_in(page, keeper.user.email)
    page.get_by_test_id("nav-schedule").click()
    expect(page).to_have_url(re.compile(r"/schedules/$"))
    expect(page.locator("h1")).to_have_text("Lịch công tác tuần")
    page.goto(reverse("schedule_detail", args=[schedule.pk]))
    thursday = schedule.week_start + timedelta(days=3)
    page.locator(f'tr[data-day="{thursday:%Y-%m-%d}"] a').click()
    expect(page.locator("#id_day")).to_have_value(f"{thursday:%d/%m/%Y}")
    page.fill("#id_time_from", "14:00")
    page.fill("#id_time_to", "16:00")
    page.fill("#id_content", "Làm việc với Sở Nội vụ")
    page.get_by_label(leader.user.full_name).first.check()
    page.get_by_test_id("entry-save").click()
    row = page.locator(f'tr[data-testid="entry"][data-day="{thursday:%Y-%m-%d}"]')
    expect(row).to_contain_text("Làm việc với Sở Nội vụ")
    expect(row).to_contain_text("14:00 – 16:00")
    page.screenshot(path=str(tmp_path / "week.png"), full_page=True)
    assert not [e for e in errors if "Content Security Policy" in e]


def test_week_page_and_entry_form_are_accessible(browser, live_server, keeper, leader, schedule):
    if not AXE.exists():
        pytest.fail("axe-core is missing: `make setup-dev` installs it (npm ci).")
    add(keeper, schedule, 1, content="Tiếp công dân", is_internal=True)
    context = browser.new_context(locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh", base_url=live_server.url,
                                  bypass_csp=True)
    page = context.new_page()
    secret = factories.totp_enable(keeper.user)
    log_in(page, keeper.user.email, secret)
    found = {}
    for url in (reverse("schedule_week"), reverse("schedule_entry_add", args=[schedule.pk]), reverse("dashboard")):
        page.goto(url)
        expect(page.locator("main")).to_be_visible()
        found.update({url: violations} if (violations := serious_violations(page)) else {})
    context.close()
    assert not found
