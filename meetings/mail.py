"""E-mail about a meeting after its invitation: change notices, reminders before the meeting and reminders to
answer. The invitation itself travels with its Giấy mời (documents.mail_delivery, with H3's iCalendar part).

One MeetingMail row per (invitee, purpose, key), so queueing the same message twice writes it once and sends it
once. A task sends each row under its row lock (select_for_update skip_locked): only a pending row, or a failed
one with attempts left, is sent; a failure is recorded with its error and tried again with backoff; a sent row
is never sent again. A secret meeting (its invitation has a secrecy) is never named in any e-mail: its rows are
written WITHHELD and nothing leaves (core.mail.mail_may_name).
"""

import contextlib
import logging
import smtplib
from datetime import timedelta
from email.headerregistry import Address
from email.utils import make_msgid

from django.conf import settings
from django.core.mail import get_connection
from django.core.mail.utils import DNS_NAME
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from core.mail import mail_may_name, retry_backoff
from core.mail_headers import PolicyEmailMessage
from core.text import nfc

from .calendar import meeting_ics
from .change_fields import change_lines
from .models import Invitee, Meeting, MeetingChange, MeetingMail
from .services.invitations import invitee_address
from .tokens import invitee_token

log = logging.getLogger(__name__)
M = MeetingMail.Status
MAX_ATTEMPTS = 6
RETRY_FIRST_SECONDS = 60
RETRY_MAX_SECONDS = 3600
# A row still pending this long after it was written lost its task; a failed one with attempts left this long
# after it was written lost its retry (every retry of the chain is due well within it).
PENDING_LOST_AFTER = timedelta(minutes=10)
RETRY_LOST_AFTER = timedelta(hours=2)


def meeting_mails_queue(*, meeting, invitees, purpose, key):
    """Write the message `purpose`/`key` for each of `invitees` that has an address and has not had it yet,
    and send them once the transaction commits. Returns how many rows were written."""
    key = str(key)
    known = set(MeetingMail.objects.filter(meeting=meeting, purpose=purpose, key=key)
                .values_list("invitee_id", flat=True))
    wanted = (Invitee.objects.filter(meeting=meeting, pk__in=[invitee.pk for invitee in invitees])
              .exclude(pk__in=known).select_related("agency", "unit", "membership__user"))
    status = M.PENDING if mail_may_name(meeting) else M.WITHHELD
    rows = [MeetingMail(meeting=meeting, invitee=invitee, purpose=purpose, key=key, email=address, status=status)
            for invitee in wanted if (address := invitee_address(invitee))]
    MeetingMail.objects.bulk_create(rows, ignore_conflicts=True)
    if status == M.PENDING and rows:
        from .tasks import meeting_mails_send  # tasks imports this module (and reminders, which uses this function)

        ids = list(MeetingMail.objects.filter(meeting=meeting, purpose=purpose, key=key, status=M.PENDING,
                                              invitee_id__in=[row.invitee_id for row in rows])
                   .values_list("pk", flat=True))
        transaction.on_commit(lambda: meeting_mails_send.delay(ids), robust=True)
    return len(rows)


class MeetingEmailMessage(PolicyEmailMessage):
    """A meeting message: its text, and the meeting's iCalendar (RFC 6047) as the text's alternative with the
    method as a Content-Type parameter, as calendar clients read it."""

    def __init__(self, *args, calendar=b"", method="REQUEST", **kwargs):
        super().__init__(*args, **kwargs)
        self.calendar, self.method = calendar, method

    def message(self, **kwargs):
        msg = super().message(**kwargs)
        if self.calendar:
            msg.add_alternative(self.calendar.decode(), subtype="calendar", params={"method": self.method},
                                cte="quoted-printable")
        return msg


def _link(invitee):
    return settings.SITE_URL + reverse("meeting_answer_link", kwargs={"token": invitee_token(invitee)})


def _context(mail):
    meeting, invitee = mail.meeting, mail.invitee
    context = {"meeting": meeting, "invitee": invitee, "agency": meeting.agency, "link": _link(invitee),
               "starts": timezone.localtime(meeting.starts_at), "ends": timezone.localtime(meeting.ends_at),
               "confirm_by": meeting.confirm_by and timezone.localtime(meeting.confirm_by)}
    if mail.purpose == MeetingMail.Purpose.CHANGE:
        change = MeetingChange.objects.filter(meeting=meeting, sequence=int(mail.key)).first()
        context.update(change=change, lines=change_lines(change) if change else [])
    return context


def mail_build(mail):
    """The message of one row: subject and text in Vietnamese; a change or reminder carries the meeting's
    calendar (CANCEL once the meeting is cancelled, else REQUEST with its current SEQUENCE)."""
    meeting = mail.meeting
    with translation.override("vi"):
        context = _context(mail)
        subject = render_to_string(f"meetings/email/{mail.purpose}_subject.txt", context)
        body = render_to_string(f"meetings/email/{mail.purpose}_body.txt", context)
    method = "CANCEL" if meeting.status == Meeting.Status.CANCELLED else "REQUEST"
    calendar = b"" if mail.purpose == MeetingMail.Purpose.ANSWER_REMINDER else \
        meeting_ics(meeting, method=method, invitee=mail.invitee)
    agency = meeting.agency
    return MeetingEmailMessage(
        subject=" ".join(nfc(subject).split()), body=body, calendar=calendar, method=method,
        from_email=str(Address(nfc(agency.name), addr_spec=agency.official_email)),
        to=[str(Address(nfc(mail.invitee.name), addr_spec=mail.email))],
        headers={"Message-ID": mail.message_id, "Auto-Submitted": "auto-generated"},
    )


def _permanent(exc):
    return isinstance(exc, smtplib.SMTPRecipientsRefused) or (
        isinstance(exc, smtplib.SMTPResponseException) and 500 <= exc.smtp_code < 600)


def mail_send(mail_id, connection):
    """Send one row if it is still to be sent and nobody else holds it. Returns the seconds to wait before
    trying it again after a temporary failure, or None."""
    with transaction.atomic():
        mail = (MeetingMail.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("meeting__agency", "meeting__invitation", "invitee__membership__user")
                .filter(pk=mail_id, status__in=[M.PENDING, M.FAILED], attempts__lt=MAX_ATTEMPTS).first())
        if mail is None:
            return None
        if not mail_may_name(mail.meeting):
            mail.status = M.WITHHELD
            mail.save(update_fields=["status"])
            return None
        if mail.purpose != MeetingMail.Purpose.CHANGE and mail.meeting.status == Meeting.Status.CANCELLED:
            mail.status, mail.error = M.FAILED, "Cuộc họp đã hủy: không gửi."
            mail.attempts = MAX_ATTEMPTS
            mail.save(update_fields=["status", "error", "attempts"])
            return None
        if not mail.message_id:
            mail.message_id = make_msgid(domain=DNS_NAME)  # the same on every attempt: a receiver sees a repeat
        mail.attempts += 1
        try:
            connection.send_messages([mail_build(mail)])
        except Exception as exc:  # noqa: BLE001 — every failure is recorded on the row and retried
            log.warning("meeting mail %s to %s failed: %s", mail.pk, mail.email, exc)
            with contextlib.suppress(Exception):
                connection.close()  # the next row opens a new session
            if _permanent(exc):
                mail.attempts = MAX_ATTEMPTS
            mail.status, mail.error = M.FAILED, f"{type(exc).__name__}: {exc}"[:2000]
            mail.save(update_fields=["status", "error", "attempts", "message_id"])
            if mail.attempts >= MAX_ATTEMPTS:
                return None
            return retry_backoff(mail.attempts, first=RETRY_FIRST_SECONDS, most=RETRY_MAX_SECONDS)
        mail.status, mail.error, mail.sent_at = M.SENT, "", timezone.now()
        mail.save(update_fields=["status", "error", "attempts", "message_id", "sent_at"])
        return None


def mails_send(mail_ids):
    """Send the rows; [(id, seconds)] of those to try again later."""
    connection = get_connection()
    retries = []
    try:
        for mail_id in mail_ids:
            wait = mail_send(mail_id, connection)
            if wait is not None:
                retries.append((mail_id, wait))
    finally:
        connection.close()
    return retries


def mails_lost(now=None):
    """Rows whose task or retry was lost (a worker that died holding it): for beat to send again."""
    now = now or timezone.now()
    return list(MeetingMail.objects.filter(
        Q(status=M.PENDING, created_at__lt=now - PENDING_LOST_AFTER)
        | Q(status=M.FAILED, attempts__lt=MAX_ATTEMPTS, created_at__lt=now - RETRY_LOST_AFTER),
    ).values_list("pk", flat=True))
