"""Issue 14 in headless Chromium: the office drafts next week's schedule (one public entry, one internal) and
submits it, the leader approves it in a two-factor session, the agency's public page shows the public entry only,
and the e-mail with the PDF and the .ics reaches the test SMTP server (the sending task runs eagerly, in the live
server's thread); the .ics parses. Another agency's staff cannot open the schedule."""

import email
import re
from datetime import timedelta
from email import policy
from pathlib import Path

import icalendar
import pytest
from django.utils import timezone
from playwright.sync_api import expect

from schedules.models import Schedule, ScheduleRecipient, ScheduleSending
from schedules.services import week_start_of
from tests import factories
from tests.browsing import log_in
from tests.waiting import wait_for

pytestmark = pytest.mark.browser
PUBLIC, INTERNAL = "Tiếp công dân định kỳ tháng 12", "Họp rà soát nhân sự quy hoạch"


@pytest.fixture
def office(transactional_db):
    kontum = factories.make_agency("Ủy ban nhân dân tỉnh Kon Tum", short_name="UBND", code="000.00.00.H34",
                                   domain="kontum.gov.vn")
    unit = factories.make_unit(kontum, "Văn phòng", "VP")
    other = factories.make_agency("Ủy ban nhân dân tỉnh Quảng Ngãi", code="000.00.00.H55", domain="quangngai.gov.vn")
    ScheduleRecipient.objects.create(agency=kontum, kind=ScheduleRecipient.Kind.EMAIL,
                                     email="vanphong@snv.kontum.gov.vn", name="Sở Nội vụ tỉnh Kon Tum")
    return {
        "agency": kontum,
        "keeper": factories.make_member(kontum, "clerk", unit=unit, position="Văn thư", is_schedule_keeper=True,
                                        user=factories.make_user("vanthu@kontum.gov.vn", full_name="Hà Thị Lịch")),
        "leader": factories.make_member(kontum, "leader", unit=unit, position="Chủ tịch",
                                        user=factories.make_user("chutich@kontum.gov.vn",
                                                                 full_name="Nguyễn Văn Duyệt")),
        "outsider": factories.make_member(other, "clerk", position="Văn thư",
                                          user=factories.make_user("vanthu@quangngai.gov.vn")),
    }


def add_entry(page, day, time_from, time_to, content, place, internal=False):
    page.get_by_test_id("entry-add").click()
    page.locator("[data-field=day] input").fill(f"{day:%d/%m/%Y}")
    page.locator("[data-field=time_from] input").fill(time_from)
    page.locator("[data-field=time_to] input").fill(time_to)
    page.locator("[data-field=content] textarea").fill(content)
    page.locator("[data-field=place] input").fill(place)
    if internal:
        page.get_by_label("Nội bộ (không công khai)").check()
    page.get_by_test_id("entry-save").click()
    expect(page.locator(".alert-success").first).to_contain_text("Đã lưu mục lịch công tác")


def test_the_office_drafts_the_leader_approves_the_public_sees_the_public_entry_and_the_mail_arrives(
        page, office, smtp_sink):
    monday = week_start_of(timezone.localdate()) + timedelta(days=7)
    log_in(page, office["keeper"].user.email)
    page.goto(f"/schedules/?week={monday:%Y-%m-%d}")
    page.get_by_test_id("schedule-create").click()
    expect(page).to_have_url(re.compile(r"/schedules/\d+/$"))
    add_entry(page, monday + timedelta(days=1), "08:00", "11:00", PUBLIC, "Trụ sở tiếp công dân tỉnh")
    add_entry(page, monday + timedelta(days=2), "14:00", "16:30", INTERNAL, "Phòng họp số 2", internal=True)
    expect(page.get_by_test_id("entry")).to_have_count(2)
    expect(page.get_by_test_id("entry-internal")).to_have_count(1)
    page.get_by_test_id("action-submit").click()
    expect(page.get_by_test_id("status")).to_have_text("Chờ lãnh đạo duyệt")
    schedule = Schedule.objects.get(agency=office["agency"], week_start=monday)

    # The leader approves in a session that passed the second factor.
    log_in(page, office["leader"].user.email, factories.totp_enable(office["leader"].user))
    page.goto(f"/schedules/{schedule.pk}/")
    page.get_by_test_id("action-approve").click()
    expect(page.get_by_test_id("status")).to_have_text("Đã công bố")
    expect(page.get_by_test_id("version-1")).to_be_visible()

    # Everyone: the public page of the agency shows the public entry, never the internal one.
    page.context.clear_cookies()
    page.goto(f"/agencies/{office['agency'].code}/schedule/?week={monday:%Y-%m-%d}")
    expect(page.get_by_test_id("public-entry")).to_have_count(1)
    expect(page.get_by_test_id("public-schedule")).to_contain_text(PUBLIC)
    expect(page.get_by_test_id("public-schedule")).not_to_contain_text(INTERNAL)

    # The e-mail reached the SMTP server once, with the PDF and the .ics; the calendar parses.
    assert wait_for(lambda: len(smtp_sink.messages()) >= 1)
    assert ScheduleSending.objects.get().status == ScheduleSending.Status.SENT
    messages = smtp_sink.messages()
    assert len(messages) == 1 and messages[0]["to"] == ["vanphong@snv.kontum.gov.vn"]
    message = email.message_from_bytes(Path(messages[0]["path"]).read_bytes(), policy=policy.default)
    files = {part.get_filename(): part for part in message.iter_attachments()}
    pdf = next(part for name, part in files.items() if name.endswith(".pdf"))
    ics = next(part for name, part in files.items() if name.endswith(".ics"))
    assert pdf.get_content_type() == "application/pdf" and pdf.get_content().startswith(b"%PDF")
    calendar = icalendar.Calendar.from_ical(ics.get_payload(decode=True))
    events = list(calendar.walk("VEVENT"))
    assert [str(event["SUMMARY"]) for event in events] == [PUBLIC]
    assert calendar.walk("VTIMEZONE") and str(calendar.walk("VTIMEZONE")[0]["TZID"]) == "Asia/Ho_Chi_Minh"
    assert events[0].decoded("DTSTART").strftime("%d/%m/%Y %H:%M") == f"{monday + timedelta(days=1):%d/%m/%Y} 08:00"
    text = message.get_body(("plain",)).get_content()
    assert PUBLIC in text and INTERNAL not in text

    # Another agency's staff cannot open the schedule (nor its internal entry).
    log_in(page, office["outsider"].user.email)
    response = page.goto(f"/schedules/{schedule.pk}/")
    assert response.status == 404
    expect(page.locator("body")).not_to_contain_text(INTERNAL)
