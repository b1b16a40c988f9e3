"""Meeting e-mails (meetings.mail): change notices with the meeting's iCalendar, written once per invitee and
sent once, failures recorded and retried, nothing at all for a secret meeting."""

import email
from datetime import timedelta
from email import policy
from pathlib import Path

import icalendar
import pytest
from django.utils import timezone

from meetings import mail
from meetings.calendar import meeting_ics
from meetings.models import MeetingMail
from meetings.services import changes
from tests.smtp import FaultySmtp
from tests.waiting import wait_for

from .meeting_data import invite_agency, invite_email, make_meeting

M = MeetingMail.Status


def received(sink):
    return [email.message_from_bytes(Path(m["path"]).read_bytes(), policy=policy.default) for m in sink.messages()]


def calendar_of(message):
    part = next(p for p in message.walk() if p.get_content_type() == "text/calendar")
    cal = icalendar.Calendar.from_ical(part.get_content())
    return part.get_param("method"), cal, next(iter(cal.walk("VEVENT")))


@pytest.fixture
def meeting(specialist, leader, other_agency):
    meeting = make_meeting(specialist, leader)
    invite_email(meeting)
    invite_agency(meeting, other_agency)
    return meeting


def test_a_cancellation_sends_cancel_with_the_invitations_uid_and_a_higher_sequence(
        meeting, clerk, smtp_sink, django_capture_on_commit_callbacks):
    invitation = icalendar.Calendar.from_ical(meeting_ics(meeting))
    first = next(iter(invitation.walk("VEVENT")))
    with django_capture_on_commit_callbacks(execute=True):
        changes.meeting_cancel(membership=clerk, meeting=meeting, reason="Lãnh đạo đi công tác đột xuất")

    messages = received(smtp_sink)
    assert sorted(m["To"].addresses[0].addr_spec for m in messages) == ["hopthu@congty.vn",
                                                                       "vanphong@quangngai.gov.vn"]
    method, cal, event = calendar_of(messages[0])
    assert method == "CANCEL" and cal["METHOD"] == "CANCEL"
    assert str(event["UID"]) == str(first["UID"]) == meeting.uid
    assert int(event["SEQUENCE"]) == int(first["SEQUENCE"]) + 1
    assert str(event["STATUS"]) == "CANCELLED"
    text = messages[0].get_body(("plain",)).get_content()
    assert "HỦY cuộc họp" in text and "Lãnh đạo đi công tác đột xuất" in text
    assert messages[0]["Subject"] == "Hủy cuộc họp: Họp triển khai Chỉ thị 34"
    assert set(MeetingMail.objects.values_list("status", "key")) == {(M.SENT, "1")}


def test_a_postponement_sends_request_with_the_next_sequence_and_the_new_time(
        meeting, specialist, smtp_sink, django_capture_on_commit_callbacks):
    new_start = meeting.starts_at + timedelta(days=1, hours=1)
    with django_capture_on_commit_callbacks(execute=True):
        changes.meeting_postpone(membership=specialist, meeting=meeting, starts_at=new_start,
                                 ends_at=new_start + timedelta(hours=3), reason="Trùng lịch tiếp khách")

    message = received(smtp_sink)[0]
    method, cal, event = calendar_of(message)
    assert method == "REQUEST" and cal["METHOD"] == "REQUEST"
    assert str(event["UID"]) == meeting.uid and int(event["SEQUENCE"]) == 1
    assert event.decoded("DTSTART") == new_start
    text = message.get_body(("plain",)).get_content()
    old, new = (t.astimezone(event.decoded("DTSTART").tzinfo).strftime("%H:%M %d/%m/%Y")
                for t in (meeting.starts_at, new_start))
    assert f"Bắt đầu: {old} → {new}" in text and "Trùng lịch tiếp khách" in text


def test_queueing_twice_sends_once(meeting, smtp_sink, django_capture_on_commit_callbacks):
    invitees = list(meeting.invitees.all())
    with django_capture_on_commit_callbacks(execute=True):
        assert mail.meeting_mails_queue(meeting=meeting, invitees=invitees, purpose="reminder", key=60) == 2
    with django_capture_on_commit_callbacks(execute=True):
        assert mail.meeting_mails_queue(meeting=meeting, invitees=invitees, purpose="reminder", key="60") == 0
    ids = list(MeetingMail.objects.values_list("pk", flat=True))
    assert mail.mails_send(ids) == []  # a task run again finds them sent
    assert smtp_sink.received_by() == {"hopthu@congty.vn": 1, "vanphong@quangngai.gov.vn": 1}
    message = received(smtp_sink)[0]
    assert message["Subject"].startswith("Nhắc lịch họp") and calendar_of(message)[0] == "REQUEST"


def test_a_relay_failure_is_recorded_and_retried_and_never_sent_twice(meeting, settings,
                                                                      django_capture_on_commit_callbacks):
    relay = FaultySmtp(tempfail_first=1).start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_USE_TLS = "127.0.0.1", relay.port, False
    try:
        with django_capture_on_commit_callbacks(execute=False):  # the tests run the task's steps themselves
            mail.meeting_mails_queue(meeting=meeting, invitees=meeting.invitees.filter(kind="email"),
                                     purpose="answer", key="2026-12-01")
        row = MeetingMail.objects.get()
        assert mail.mails_send([row.pk]) == [(row.pk, mail.RETRY_FIRST_SECONDS)]
        row.refresh_from_db()
        assert row.status == M.FAILED and row.attempts == 1 and "451" in row.error
        assert mail.mails_send([row.pk]) == []
        row.refresh_from_db()
        assert row.status == M.SENT and row.attempts == 2 and row.error == ""
        assert mail.mails_send([row.pk]) == []
        assert relay.received_by() == {"hopthu@congty.vn": 1}
        # Both attempts carried the same Message-ID, so a receiver recognises a repeat.
        assert {message_id for _rcpts, message_id, _answer in relay.attempts} == {row.message_id}
    finally:
        relay.stop()


def test_an_unreachable_relay_fails_with_its_error_after_the_last_attempt(meeting, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_USE_TLS = "127.0.0.1", FaultySmtp().port, False
    mail.meeting_mails_queue(meeting=meeting, invitees=meeting.invitees.filter(kind="email"), purpose="answer",
                             key="2026-12-01")
    row = MeetingMail.objects.get()
    waits = [mail.mails_send([row.pk]) for _ in range(mail.MAX_ATTEMPTS + 1)]
    assert [w[0][1] for w in waits[:mail.MAX_ATTEMPTS - 1]] == [60, 120, 240, 480, 960]
    assert waits[-2:] == [[], []]
    row.refresh_from_db()
    assert row.status == M.FAILED and row.attempts == mail.MAX_ATTEMPTS and "Connection refused" in row.error


def test_a_secret_meeting_sends_nothing(specialist, leader, clerk, other_agency, smtp_sink,
                                        django_capture_on_commit_callbacks):
    secret = make_meeting(specialist, leader, secret=True, title="Họp bàn phương án bảo vệ mục tiêu")
    invite_email(secret)
    invite_agency(secret, other_agency)
    with django_capture_on_commit_callbacks(execute=True):
        changes.meeting_postpone(membership=clerk, meeting=secret, starts_at=secret.starts_at + timedelta(days=1),
                                 ends_at=secret.ends_at + timedelta(days=1))
        assert changes.answer_reminders_send(membership=clerk, meeting=secret) == 2
        changes.meeting_cancel(membership=clerk, meeting=secret, reason="Thay đổi kế hoạch")
    assert MeetingMail.objects.count() == 6
    assert set(MeetingMail.objects.values_list("status", flat=True)) == {M.WITHHELD}
    assert mail.mails_send(list(MeetingMail.objects.values_list("pk", flat=True))) == []
    assert smtp_sink.messages() == []


@pytest.fixture
def worker_env(smtp_sink):
    return {"EMAIL_URL": f"smtp://127.0.0.1:{smtp_sink.port}"}


def test_a_real_worker_sends_a_change_once_when_it_is_queued_twice(meeting, clerk, smtp_sink, celery_worker,
                                                                   django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        changes.meeting_move(membership=clerk, meeting=meeting, place="Hội trường tầng 3",
                             reason="Phòng họp số 1 đang sửa")
        mail.meeting_mails_queue(meeting=meeting, invitees=list(meeting.invitees.all()), purpose="change", key="1")
    wait_for(lambda: MeetingMail.objects.filter(status=M.SENT).count() == 2, timeout=30)
    assert smtp_sink.received_by() == {"hopthu@congty.vn": 1, "vanphong@quangngai.gov.vn": 1}
    text = received(smtp_sink)[0].get_body(("plain",)).get_content()
    assert "Địa điểm: Phòng họp số 1 → Hội trường tầng 3" in text


def test_rows_whose_task_was_lost_are_found_for_beat_to_send_again(meeting, smtp_sink):
    from meetings.tasks import meeting_mails_recover

    invitees = list(meeting.invitees.all())
    mail.meeting_mails_queue(meeting=meeting, invitees=invitees, purpose="reminder", key="60")  # task never ran
    fresh, old = MeetingMail.objects.order_by("pk")
    MeetingMail.objects.filter(pk=old.pk).update(created_at=timezone.now() - mail.PENDING_LOST_AFTER * 2)
    assert mail.mails_lost() == [old.pk]
    # A failed row with attempts left is resumed only once its own retries should all have run.
    MeetingMail.objects.filter(pk=fresh.pk).update(status=M.FAILED, attempts=2,
                                                   created_at=timezone.now() - mail.PENDING_LOST_AFTER * 2)
    assert mail.mails_lost() == [old.pk]
    MeetingMail.objects.filter(pk=fresh.pk).update(created_at=timezone.now() - mail.RETRY_LOST_AFTER * 2)
    assert meeting_mails_recover() == 2
    assert set(MeetingMail.objects.values_list("status", flat=True)) == {M.SENT}
    assert meeting_mails_recover() == 0 and len(smtp_sink.messages()) == 2
