"""Reminders before a meeting (meetings.reminders): the day before and one hour before, to those who come, each
once however often beat runs, never before its time, nothing for a secret or cancelled meeting."""

import email
from datetime import timedelta
from email import policy
from pathlib import Path

import pytest
from django.utils import timezone

from documents.models import Outgoing
from meetings import tasks
from meetings.models import Invitee, Meeting, MeetingMail
from meetings.reminders import meeting_reminders_due
from tests import factories

from .meeting_data import invite_agency, invite_email, invite_person
from .meeting_data import make_meeting as make_draft_meeting

A, V = Invitee.Answer, Invitee.Via


def make_meeting(drafter, signer, *, issued=True, **fields):
    """A meeting whose Giấy mời is issued (numbered) unless issued=False."""
    meeting = make_draft_meeting(drafter, signer, issued=False, **fields)
    if issued:
        Outgoing.objects.filter(pk=meeting.invitation_id).update(
            status=Outgoing.Status.ISSUED, issued_at=timezone.now(), year=timezone.now().year,
            number=meeting.pk, notation=f"{meeting.pk}/GM-UBND")
        meeting.invitation.refresh_from_db()
    return meeting


def received(sink):
    return [email.message_from_bytes(Path(m["path"]).read_bytes(), policy=policy.default) for m in sink.messages()]


def addresses(sink):
    return sorted(m["To"].addresses[0].addr_spec for m in received(sink))


def answered(invitee, answer, via=V.PORTAL):
    invitee.answer, invitee.answered_via = answer, via
    invitee.save(update_fields=["answer", "answered_via"])
    return invitee


@pytest.fixture
def meeting(specialist, leader, other_agency):
    meeting = make_meeting(specialist, leader)
    answered(invite_email(meeting), A.ATTEND, V.LINK)
    answered(invite_agency(meeting, other_agency), A.DEPUTY)
    answered(invite_email(meeting, "tuchoi@congty.vn", "Công ty Từ chối"), A.DECLINE, V.LINK)
    invite_email(meeting, "chuatraloi@congty.vn", "Công ty Chưa trả lời")
    return meeting


def run(at, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return meeting_reminders_due(now=at)


def test_each_reminder_arrives_once_at_its_time_to_those_who_come(
        meeting, smtp_sink, django_capture_on_commit_callbacks):
    start = meeting.starts_at
    assert run(start - timedelta(minutes=1441), django_capture_on_commit_callbacks) == 0
    assert smtp_sink.messages() == []  # not before its time

    assert run(start - timedelta(minutes=1440), django_capture_on_commit_callbacks) == 2
    assert run(start - timedelta(minutes=1435), django_capture_on_commit_callbacks) == 0  # beat again: nothing
    assert addresses(smtp_sink) == ["hopthu@congty.vn", "vanphong@quangngai.gov.vn"]
    message = received(smtp_sink)[0]
    assert message["Subject"].startswith("Nhắc lịch họp") and "Họp triển khai Chỉ thị 34" in message["Subject"]
    assert any(part.get_content_type() == "text/calendar" for part in message.walk())

    assert run(start - timedelta(minutes=61), django_capture_on_commit_callbacks) == 0
    assert len(smtp_sink.messages()) == 2
    assert run(start - timedelta(minutes=60), django_capture_on_commit_callbacks) == 2
    assert run(start - timedelta(minutes=1), django_capture_on_commit_callbacks) == 0
    assert run(start, django_capture_on_commit_callbacks) == 0  # started: no more reminders
    assert len(smtp_sink.messages()) == 4
    assert sorted(MeetingMail.objects.values_list("key", "status")) == [
        ("1440", "sent"), ("1440", "sent"), ("60", "sent"), ("60", "sent")]


def test_a_beat_that_was_away_sends_only_the_reminder_nearest_the_start(
        meeting, smtp_sink, django_capture_on_commit_callbacks):
    assert run(meeting.starts_at - timedelta(minutes=30), django_capture_on_commit_callbacks) == 2
    assert set(MeetingMail.objects.values_list("key", flat=True)) == {"60"}
    assert len(smtp_sink.messages()) == 2


def test_the_meetings_own_offsets_are_used(meeting, smtp_sink, django_capture_on_commit_callbacks):
    Meeting.objects.filter(pk=meeting.pk).update(reminder_minutes=[180])
    assert run(meeting.starts_at - timedelta(minutes=1440), django_capture_on_commit_callbacks) == 0
    assert run(meeting.starts_at - timedelta(minutes=180), django_capture_on_commit_callbacks) == 2
    assert set(MeetingMail.objects.values_list("key", flat=True)) == {"180"}


def test_staff_of_the_organiser_named_as_going_are_reminded_themselves(
        specialist, leader, agency, unit, smtp_sink, django_capture_on_commit_callbacks):
    meeting = make_meeting(specialist, leader)
    named = factories.make_member(agency, unit=unit, official_email="nguoidi@quangngai.gov.vn")
    from_unit = Invitee.objects.create(meeting=meeting, kind=Invitee.Kind.UNIT, unit=unit, name=unit.name)
    answered(from_unit, A.ATTEND).attending_members.set([named])
    answered(invite_person(meeting, leader), A.ATTEND).attending_members.set([leader])
    run(meeting.starts_at - timedelta(minutes=50), django_capture_on_commit_callbacks)
    run(meeting.starts_at - timedelta(minutes=45), django_capture_on_commit_callbacks)
    got = addresses(smtp_sink)
    assert "nguoidi@quangngai.gov.vn" in got and got.count(leader.official_email) == 1  # the leader once
    assert got.count("nguoidi@quangngai.gov.vn") == 1


def test_nothing_for_a_secret_cancelled_or_not_issued_meeting(
        specialist, leader, other_agency, smtp_sink, django_capture_on_commit_callbacks):
    secret = make_meeting(specialist, leader, secret=True, title="Họp mật")
    answered(invite_email(secret), A.ATTEND, V.LINK)
    cancelled = make_meeting(specialist, leader, title="Họp đã hủy", status=Meeting.Status.CANCELLED)
    answered(invite_agency(cancelled, other_agency), A.ATTEND)
    draft = make_meeting(specialist, leader, issued=False, title="Họp chưa phát hành")
    answered(invite_agency(draft, other_agency), A.ATTEND)
    run(secret.starts_at - timedelta(minutes=60), django_capture_on_commit_callbacks)
    assert smtp_sink.messages() == []
    assert list(MeetingMail.objects.values_list("meeting__title", "status")) == [("Họp mật", "withheld")]


def test_the_beat_task_queues_what_is_due_now(meeting, smtp_sink, django_capture_on_commit_callbacks):
    Meeting.objects.filter(pk=meeting.pk).update(reminder_minutes=[60 * 24 * 7])  # three days ahead: due now
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.meeting_reminders_due.apply().get() == 2
    assert len(smtp_sink.messages()) == 2
