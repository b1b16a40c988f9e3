"""In the browser: a person makes their calendar link, the calendar app reads it, the link is revoked and stops
working; the public week and the office's pages have no serious accessibility finding (axe-core)."""

import re

import icalendar
import pytest
from playwright.sync_api import expect

from tests.browser.test_accessibility import axe_page, findings  # noqa: F401 - the axe_page fixture
from tests.browsing import log_in
from tests.schedules.sched_out_data import INTERNAL, WEEK, draft_week, make_world, publish

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]


@pytest.fixture
def week():
    w = make_world()
    schedule, _entries = draft_week(w)
    w["version"] = publish(w, schedule)
    return w


def test_a_calendar_link_is_made_read_by_a_calendar_app_and_revoked(week, page):
    log_in(page, week["leader"].user.email, lands_on=None)
    page.goto("/calendar/feeds/")
    page.get_by_role("button", name="Tạo đường dẫn lịch").click()
    url = page.get_by_test_id("feed-url").input_value()
    assert re.fullmatch(r"http://[^/]+/calendar/[A-Za-z0-9_-]{43}\.ics", url)

    app = page.context.request  # the calendar app: no login needed, the link is the key
    events = icalendar.Calendar.from_ical(app.get(url).body()).walk("VEVENT")
    assert {str(e["SUMMARY"]) for e in events} == {"Họp Ủy ban nhân dân tỉnh thường kỳ tháng 12", INTERNAL}

    page.goto("/calendar/feeds/")
    expect(page.get_by_test_id("feed-url")).to_have_count(0)  # shown once only
    expect(page.get_by_test_id("feed-status")).to_contain_text("Ứng dụng lịch lấy lịch lần cuối lúc")
    page.get_by_test_id("feed-revoke").click()
    expect(page.get_by_test_id("feed-status")).to_contain_text("Bạn chưa có đường dẫn lịch nào")
    assert app.get(url).status == 404


def test_the_schedule_pages_have_no_serious_accessibility_finding(week, axe_page):  # noqa: F811
    w = week
    urls = [f"/agencies/{w['agency'].code}/schedule/?week={WEEK:%Y-%m-%d}"]
    assert findings(axe_page, urls) == {}
    log_in(axe_page, w["keeper"].user.email, lands_on=None)
    urls = ["/calendar/feeds/", "/schedules/recipients/", f"/schedules/{w['version'].schedule_id}/v1/sendings/"]
    assert findings(axe_page, urls) == {}


def test_the_recipient_form_shows_the_field_the_kind_needs(week, page):
    log_in(page, week["keeper"].user.email, lands_on=None)
    page.goto("/schedules/recipients/")
    expect(page.locator('[data-field="unit"]')).to_be_visible()
    expect(page.locator('[data-field="email"]')).to_be_hidden()
    page.select_option("select[name=kind]", "email")
    expect(page.locator('[data-field="email"]')).to_be_visible()
    expect(page.locator('[data-field="unit"]')).to_be_hidden()
    page.fill("input[name=email]", "toasoan@baokontum.vn")
    page.get_by_role("button", name="Thêm").click()
    expect(page.get_by_test_id("recipients")).to_contain_text("toasoan@baokontum.vn")
