"""Invitations: the meeting details on a Giấy mời draft, the invitees its recipients make, the e-mailed copy with
its iCalendar invitation and answer link, and answering by that link without an account."""

import email
import re
from datetime import timedelta
from email import policy
from pathlib import Path

import icalendar
import pytest
from django.core import signing
from django.urls import reverse
from django.utils import timezone

from documents.models import Delivery, DocumentType, Incoming
from meetings.models import Invitee, Meeting
from meetings.tokens import SALT, invitee_from_token, invitee_token
from tests.documents.conftest import make_draft, to_agency, to_email

from .conftest import EXTERNAL

pytestmark = pytest.mark.django_db
K = Invitee.Kind


def received(sink):
    return [email.message_from_bytes(Path(m["path"]).read_bytes(), policy=policy.default) for m in sink.messages()]


def answer_link(message):
    body = message.get_body(("plain",)).get_content()
    return re.search(r"https?://\S+(/m/[^/\s]+/)", body).group(1)


def test_details_form_on_a_draft_makes_the_meeting_and_its_invitees(client_for, specialist, leader, clerk,
                                                                   guest_agencies):
    gialai, kontum = guest_agencies["gialai"]["agency"], guest_agencies["kontum"]["agency"]
    draft = make_draft(specialist, leader, to_agency(gialai), to_agency(kontum), to_email(EXTERNAL),
                       doc_type=DocumentType.GIAY_MOI, summary="Giấy mời họp giao ban")
    client = client_for(specialist)
    page = client.get(reverse("outgoing_detail", args=[draft.pk])).content.decode()
    assert "Thông tin cuộc họp" in page and reverse("meeting_details", args=[draft.pk]) in page
    response = client.post(reverse("meeting_details", args=[draft.pk]), {
        "title": "Họp giao ban quý IV", "starts_at": "08/12/2030 08:00", "ends_at": "08/12/2030 11:30",
        "place": "Phòng họp số 2", "chair": leader.pk, "confirm_by": "05/12/2030 17:00",
        "people": [clerk.pk], "reminder_minutes": ["1440", "60"],
    })
    assert response.status_code == 302
    meeting = Meeting.objects.get(invitation=draft)
    assert meeting.title == "Họp giao ban quý IV" and meeting.chair == leader and meeting.reminder_minutes == [1440, 60]
    assert timezone.localtime(meeting.starts_at).strftime("%d/%m/%Y %H:%M") == "08/12/2030 08:00"
    assert sorted((i.kind, i.name) for i in meeting.invitees.all()) == sorted([
        (K.AGENCY, gialai.name), (K.AGENCY, kontum.name), (K.EMAIL, "Công ty TNHH Thử nghiệm"),
        (K.PERSON, f"{clerk.user.full_name} – Văn thư")])
    detail = client.get(reverse("meeting_detail", args=[meeting.pk])).content.decode()
    assert 'data-testid="meeting-details-link"' in detail and "Phòng họp số 2" in detail


def test_only_who_may_edit_the_draft_writes_the_details_and_only_while_it_is_a_draft(client_for, agency, specialist,
                                                                                     leader, guest_agencies):
    from documents.services import outgoing as outgoing_services
    from tests import factories

    draft = make_draft(specialist, leader, to_agency(guest_agencies["gialai"]["agency"]),
                       doc_type=DocumentType.GIAY_MOI)
    colleague = factories.make_member(agency, "specialist", unit=specialist.unit)
    assert client_for(colleague).get(reverse("meeting_details", args=[draft.pk])).status_code == 404
    outsider = guest_agencies["gialai"]["clerk"]
    assert client_for(outsider).get(reverse("meeting_details", args=[draft.pk])).status_code == 404
    outgoing_services.outgoing_submit(membership=specialist, outgoing=draft)
    assert client_for(specialist).get(reverse("meeting_details", args=[draft.pk])).status_code == 403
    cv = make_draft(specialist, leader, to_agency(guest_agencies["gialai"]["agency"]))
    assert client_for(specialist).get(reverse("meeting_details", args=[cv.pk])).status_code == 404


def test_issued_invitation_links_each_invitee_to_its_delivery_and_gives_the_chair_a_schedule_entry(
        invitation, guest_agencies, leader):
    from schedules.models import Entry

    invitees = {i.kind + ":" + (i.email or str(i.agency_id)): i for i in invitation.invitees.all()}
    assert len(invitees) == 3
    for key, invitee in invitees.items():
        assert invitee.delivery is not None, key
    assert invitees[f"email:{EXTERNAL}"].delivery.channel == Delivery.Channel.EMAIL
    gialai = guest_agencies["gialai"]["agency"]
    assert invitees[f"agency:{gialai.pk}"].delivery.channel == Delivery.Channel.PORTAL
    assert Incoming.objects.filter(agency=gialai, delivery=invitees[f"agency:{gialai.pk}"].delivery).exists()
    entry = Entry.objects.get(meeting_uid=invitation.uid)
    assert entry.schedule.agency == invitation.agency and entry.chair == leader
    assert list(entry.leaders.all()) == [leader]


def test_the_emailed_copy_carries_the_icalendar_request_and_the_answer_link(issue_gm, guest_agencies, smtp_sink,
                                                                           agency, clerk):
    meeting = issue_gm(to_agency(guest_agencies["gialai"]["agency"]), to_agency(guest_agencies["kontum"]["agency"]),
                       to_email(EXTERNAL, "Công ty Cổ phần Đông Á"), people=[clerk])
    messages = received(smtp_sink)
    assert [m["To"].addresses[0].addr_spec for m in messages] == [EXTERNAL]
    message = messages[0]
    part = next(p for p in message.walk() if p.get_content_type() == "text/calendar")
    assert part.get_param("method") == "REQUEST" and part.get_param("charset") == "utf-8"
    assert part.get_filename() == "invite.ics"
    cal = icalendar.Calendar.from_ical(part.get_content())
    assert cal["METHOD"] == "REQUEST"
    assert [tz["TZID"] for tz in cal.walk("VTIMEZONE")] == ["Asia/Ho_Chi_Minh"]
    event = next(iter(cal.walk("VEVENT")))
    assert str(event["UID"]) == meeting.uid and event["SEQUENCE"] == 0
    assert str(event["SUMMARY"]) == "Hội nghị triển khai Chỉ thị 34"
    assert event.decoded("DTSTART") == timezone.localtime(meeting.starts_at)
    assert str(event["ORGANIZER"]) == f"mailto:{agency.official_email}"
    attendees = sorted(str(a) for a in event["ATTENDEE"])  # staff invited by name are not shown to everyone
    assert attendees == sorted([f"mailto:{EXTERNAL}"] + [
        f"mailto:{guest_agencies[key]['agency'].official_email}" for key in ("gialai", "kontum")])
    token = answer_link(message).split("/")[2]
    assert invitee_from_token(token) == meeting.invitees.get(kind=K.EMAIL)


def test_answering_by_the_link_needs_no_account_and_can_be_changed_until_the_start(invitation, client):
    invitee = invitation.invitees.get(kind=K.EMAIL)
    url = reverse("meeting_answer_link", args=[invitee_token(invitee)])
    page = client.get(url)
    assert page.status_code == 200
    text = page.content.decode()
    assert invitation.title in text and "Phòng họp số 1" in text and 'name="members"' not in text
    response = client.post(url, {"answer": "attend", "attendees": "Nguyễn Văn An – Giám đốc"})
    assert response.status_code == 302
    invitee.refresh_from_db()
    assert (invitee.answer, invitee.attendees, invitee.answered_via) == ("attend", "Nguyễn Văn An – Giám đốc", "link")
    assert invitee.answered_by is None
    client.post(url, {"answer": "decline", "reason": "Trùng lịch tiếp khách quốc tế"})
    invitee.refresh_from_db()
    assert (invitee.answer, invitee.attendees, invitee.reason) == ("decline", "", "Trùng lịch tiếp khách quốc tế")
    refused = client.post(url, {"answer": "decline"})
    assert refused.status_code == 200 and "Ghi lý do không tham dự" in refused.content.decode()


def test_a_link_cannot_read_or_answer_another_meeting(invitation, issue_gm, client):
    other = issue_gm(to_email("hopthu@khac.vn", "Hợp tác xã Khác"), title="Họp bàn kế hoạch tuyển dụng năm 2027")
    mine = invitation.invitees.get(kind=K.EMAIL)
    theirs = other.invitees.get(kind=K.EMAIL)
    token = invitee_token(mine)
    page = client.get(reverse("meeting_answer_link", args=[token])).content.decode()
    assert invitation.title in page and other.title not in page
    # The token names its invitee and meeting under the signature: changing either breaks it.
    payload, rest = token.split(":", 1)
    forged = signing.dumps({"i": theirs.pk, "m": invitation.pk}, salt=SALT, compress=True).split(":", 1)[0]
    for bad in (f"{forged}:{rest}", token[:-2] + "xx"):
        assert client.get(reverse("meeting_answer_link", args=[bad])).status_code == 404
        assert client.post(reverse("meeting_answer_link", args=[bad]),
                           {"answer": "decline", "reason": "x"}).status_code == 404
    # Even signed by the portal, an invitee of another meeting under this meeting's number is nobody.
    mixed = signing.dumps({"i": theirs.pk, "m": invitation.pk}, salt=SALT, compress=True)
    assert client.post(reverse("meeting_answer_link", args=[mixed]),
                       {"answer": "decline", "reason": "x"}).status_code == 404
    theirs.refresh_from_db()
    assert theirs.answer == ""


def test_the_link_expires_a_day_after_the_meeting(invitation, client):
    invitee = invitation.invitees.get(kind=K.EMAIL)
    url = reverse("meeting_answer_link", args=[invitee_token(invitee)])
    past = timezone.now() - timedelta(days=2)
    Meeting.objects.filter(pk=invitation.pk).update(starts_at=past - timedelta(hours=2), ends_at=past)
    assert client.get(url).status_code == 403
    assert client.post(url, {"answer": "attend", "attendees": "Ông B"}).status_code == 403
    invitee.refresh_from_db()
    assert invitee.answer == ""


def test_once_the_meeting_started_the_answer_is_refused(invitation, client):
    invitee = invitation.invitees.get(kind=K.EMAIL)
    url = reverse("meeting_answer_link", args=[invitee_token(invitee)])
    Meeting.objects.filter(pk=invitation.pk).update(starts_at=timezone.now() - timedelta(minutes=5))
    response = client.post(url, {"answer": "attend", "attendees": "Ông B"})
    assert response.status_code == 200 and "Cuộc họp đã bắt đầu" in response.content.decode()
    invitee.refresh_from_db()
    assert invitee.answer == ""


def test_a_secret_invitation_is_never_emailed_and_has_no_link_answer(issue_gm, guest_agencies, smtp_sink, client):
    meeting = issue_gm(to_agency(guest_agencies["gialai"]["agency"]), to_email(EXTERNAL), secret=True,
                       title="Họp phương án bảo vệ mục tiêu trọng yếu")
    assert smtp_sink.messages() == []
    invitee = meeting.invitees.get(kind=K.EMAIL)
    assert invitee.delivery.channel == Delivery.Channel.PAPER
    assert client.get(reverse("meeting_answer_link", args=[invitee_token(invitee)])).status_code == 403


def test_a_giay_moi_without_details_issues_as_before(certified, specialist, leader, clerk, guest_agencies,
                                                     django_capture_on_commit_callbacks):
    from documents.services import outgoing as outgoing_services
    from tests import factories

    draft = make_draft(specialist, leader, to_agency(guest_agencies["gialai"]["agency"]),
                       doc_type=DocumentType.GIAY_MOI)
    outgoing_services.outgoing_submit(membership=specialist, outgoing=draft)
    factories.approve(leader, draft)
    with django_capture_on_commit_callbacks(execute=True):
        issued = outgoing_services.outgoing_issue(membership=clerk, outgoing=draft)
    assert issued.status == "issued" and not Meeting.objects.exists()
