"""Issue 14's meetings in headless Chromium: a Giấy mời issued to two agencies on the portal and one address
outside (tests/meetings/conftest.py: signed, issued and delivered through the real pipeline); one agency answers in
the portal, the outside address from the link in its e-mail, and the organiser's open meeting page shows both
without a reload; the organiser cancels and the e-mail carries METHOD:CANCEL with the invitation's UID. A secret
meeting's papers are never reachable by link, a link never opens another meeting's paper, and a personal calendar
feed stops working once revoked."""

import email
import re
from datetime import timedelta
from email import policy
from pathlib import Path

import icalendar
import pytest
from django.utils import timezone
from playwright.sync_api import expect

from meetings.models import Invitee
from meetings.services.papers import paper_add
from meetings.tokens import invitee_token
from schedules.models import Entry, Schedule
from schedules.services import week_start_of
from tests.browsing import log_in
from tests.documents.conftest import pdf_upload, to_agency, to_email
from tests.meetings.conftest import EXTERNAL, guest_agencies, invitation, issue_gm  # noqa: F401 - fixtures
from tests.waiting import wait_for

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]


def received(sink):
    return [email.message_from_bytes(Path(m["path"]).read_bytes(), policy=policy.default) for m in sink.messages()]


def calendar_of(message):
    part = next(p for p in message.walk() if p.get_content_type() == "text/calendar")
    return part.get_param("method"), next(iter(icalendar.Calendar.from_ical(part.get_content()).walk("VEVENT")))


def answer_path(message):
    return re.search(r"https?://\S+(/m/[^/\s]+/)", message.get_body(("plain",)).get_content()).group(1)


def test_answers_in_the_portal_and_by_link_show_live_and_the_cancellation_is_method_cancel(
        browser, live_server, smtp_sink, invitation, guest_agencies, clerk):  # noqa: F811
    [invitation_mail] = received(smtp_sink)
    assert invitation_mail["To"].addresses[0].addr_spec == EXTERNAL
    method, first = calendar_of(invitation_mail)
    assert method == "REQUEST" and str(first["UID"]) == invitation.uid

    def context():
        ctx = browser.new_context(locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh", base_url=live_server.url)
        page = ctx.new_page()
        page.set_default_timeout(20000)
        return page

    organiser = context()
    log_in(organiser, clerk.user.email)
    organiser.goto(f"/meetings/{invitation.pk}/")
    expect(organiser.get_by_test_id("count-unanswered")).to_have_text("Chưa trả lời: 3")

    # Gia Lai's clerk answers in the portal.
    gialai = guest_agencies["gialai"]
    portal = context()
    log_in(portal, gialai["clerk"].user.email)
    invitee = invitation.invitees.get(agency=gialai["agency"])
    portal.goto(f"/meetings/invitations/{invitee.pk}/")
    portal.get_by_label("Tham dự", exact=True).check()
    portal.locator("[data-field=attendees] textarea, [data-field=attendees] input").first.fill(
        "Nguyễn Văn Gia – Phó Chủ tịch")
    portal.get_by_test_id("answer-submit").click()
    expect(portal.locator(".alert-success").first).to_be_visible()

    # The company answers from the link in its e-mail, without an account.
    outside = context()
    outside.goto(answer_path(invitation_mail))
    outside.get_by_label("Cử người dự thay").check()
    outside.locator("[data-field=attendees] textarea, [data-field=attendees] input").first.fill(
        "Trần Thị Đông – Trưởng phòng Hành chính")
    outside.get_by_test_id("answer-submit").click()
    expect(outside.locator(".alert-success").first).to_be_visible()

    # The organiser's page, never reloaded, shows both answers (the fragment is polled).
    expect(organiser.get_by_test_id("count-answered")).to_have_text("Đã trả lời: 2")
    expect(organiser.get_by_test_id("attendance")).to_contain_text("Nguyễn Văn Gia – Phó Chủ tịch")
    expect(organiser.get_by_test_id("attendance")).to_contain_text("Trần Thị Đông – Trưởng phòng Hành chính")
    assert set(invitation.invitees.exclude(answer="").values_list("answered_via", flat=True)) == {
        Invitee.Via.PORTAL, Invitee.Via.LINK}

    # The organiser cancels: the outside address gets METHOD:CANCEL with the same UID and a higher SEQUENCE.
    organiser.get_by_role("button", name="Hủy cuộc họp").first.click()
    cancel = organiser.get_by_test_id("change-cancel")
    cancel.locator("textarea[name=reason]").fill("Lãnh đạo đi công tác đột xuất")
    cancel.get_by_role("button", name="Hủy cuộc họp").click()
    expect(organiser.get_by_test_id("meeting-status")).to_have_text("Đã hủy")
    assert wait_for(lambda: any(calendar_of(m)[0] == "CANCEL" for m in received(smtp_sink)
                                if m["To"].addresses[0].addr_spec == EXTERNAL))
    cancelled = next(m for m in received(smtp_sink) if m["To"].addresses[0].addr_spec == EXTERNAL
                     and calendar_of(m)[0] == "CANCEL")
    method, event = calendar_of(cancelled)
    assert str(event["UID"]) == invitation.uid and int(event["SEQUENCE"]) > int(first["SEQUENCE"])
    assert str(event["STATUS"]) == "CANCELLED"
    for page in (organiser, portal, outside):
        page.context.close()


def test_a_secret_meetings_papers_never_open_by_link_and_a_link_never_opens_another_meeting(
        page, issue_gm, guest_agencies, specialist):  # noqa: F811
    secret = issue_gm(to_agency(guest_agencies["gialai"]["agency"]), to_email(EXTERNAL, "Công ty Cổ phần Đông Á"),
                      secret=True, title="Họp phương án bảo vệ mục tiêu")
    open_meeting = issue_gm(to_agency(guest_agencies["kontum"]["agency"]), to_email(EXTERNAL, "Công ty Cổ phần Đông Á"),
                            title="Hội nghị sơ kết")
    secret_paper = paper_add(membership=specialist, meeting=secret, title="Phương án", file=pdf_upload("pa.pdf"))
    open_paper = paper_add(membership=specialist, meeting=open_meeting, title="Báo cáo", file=pdf_upload("bc.pdf"))
    secret_version, open_version = secret_paper.versions.get(), open_paper.versions.get()
    secret_token = invitee_token(secret.invitees.get(kind=Invitee.Kind.EMAIL))
    open_token = invitee_token(open_meeting.invitees.get(kind=Invitee.Kind.EMAIL))

    response = page.goto(f"/m/{secret_token}/papers/{secret_version.pk}/")
    assert response.status == 403
    expect(page.locator("main, body").first).to_contain_text("mật")
    assert page.goto(f"/m/{open_token}/papers/{secret_version.pk}/").status == 404  # another meeting's paper
    assert page.goto(f"/m/{secret_token}/papers/{open_version.pk}/").status in (403, 404)
    ok = page.request.get(f"/m/{open_token}/papers/{open_version.pk}/")
    assert ok.status == 200 and ok.body().startswith(b"%PDF")  # the open meeting's own paper does open


def test_a_revoked_feed_token_stops_working(page, leader):
    monday = week_start_of(timezone.localdate())
    schedule = Schedule.objects.create(agency=leader.agency, week_start=monday, created_by=leader.user)
    starts = timezone.now() + timedelta(hours=2)
    Entry.objects.create(schedule=schedule, starts_at=starts, ends_at=starts + timedelta(hours=1), chair=leader,
                         content="Làm việc với đoàn kiểm tra", chair_name=leader.user.full_name)
    log_in(page, leader.user.email)
    page.goto("/calendar/feeds/")
    page.get_by_role("button", name="Tạo đường dẫn lịch").click()
    url = page.get_by_test_id("feed-url").input_value()
    path = re.search(r"(/calendar/[^/\s]+\.ics)$", url).group(1)
    feed = page.request.get(path)
    calendar = icalendar.Calendar.from_ical(feed.body())
    assert feed.status == 200 and calendar.walk("VTIMEZONE")
    assert [str(event["SUMMARY"]) for event in calendar.walk("VEVENT")] == ["Làm việc với đoàn kiểm tra"]
    page.locator("form:has(input[value=revoke]) button").click()
    expect(page.get_by_test_id("feed-status")).to_contain_text("chưa có đường dẫn lịch nào")
    assert page.request.get(path).status == 404
