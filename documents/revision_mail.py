"""The notice e-mail of a recall, update or replacement, to the recipients a document reached by e-mail
(agencies outside the portal, addresses, citizens). No answer is expected: a sent notice reads “notified”.

Once each, with retry: a task sends each RevisionNotice row under its row lock (select_for_update skip_locked);
only a pending row, or one waiting for its retry, is sent; a failure is recorded and tried again with backoff
(core.mail.retry_backoff), a permanent refusal or the last attempt fails it; a sent row is never sent again,
and every attempt carries the same Message-ID. A secret document is never named in an e-mail
(core.mail.mail_may_name): its notices are withheld.
"""

import contextlib
import logging
import smtplib
from datetime import timedelta
from email.headerregistry import Address
from email.utils import make_msgid

from django.core.mail import get_connection
from django.core.mail.utils import DNS_NAME
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone, translation

from core.mail import mail_may_name, retry_backoff
from core.mail_headers import PolicyEmailMessage
from core.text import nfc

from .mail_delivery import verify_url
from .models import Delivery, RevisionNotice

log = logging.getLogger(__name__)
N = RevisionNotice.Sending
MAX_ATTEMPTS = 6
RETRY_FIRST_SECONDS = 60
RETRY_MAX_SECONDS = 3600
# A pending notice this long after it was written lost its task; a retry this long past its time lost its own.
PENDING_LOST_AFTER = timedelta(minutes=10)
RETRY_LOST_AFTER = timedelta(minutes=10)


def notice_build(notice):
    """The message of one notice: subject and text in Vietnamese, whatever the language of the request."""
    revision, delivery = notice.revision, notice.delivery
    outgoing = revision.outgoing
    agency = outgoing.agency
    context = {"n": notice, "r": revision, "o": outgoing, "d": delivery, "agency": agency,
               # A secret replacement is not named either.
               "replacement": revision.replacement if mail_may_name(revision.replacement) else None,
               "link": verify_url(outgoing) if outgoing.verify_code else ""}
    with translation.override("vi"):
        subject = render_to_string("documents/email/revision_subject.txt", context)
        body = render_to_string("documents/email/revision_body.txt", context)
    return PolicyEmailMessage(
        subject=" ".join(nfc(subject).split()), body=nfc(body),
        from_email=str(Address(nfc(agency.name), addr_spec=agency.official_email)),
        to=[str(Address(nfc(delivery.name or ""), addr_spec=delivery.email))],
        headers={"Message-ID": notice.message_id, "Auto-Submitted": "auto-generated"},
    )


def _permanent(exc):
    return isinstance(exc, smtplib.SMTPRecipientsRefused) or (
        isinstance(exc, smtplib.SMTPResponseException) and 500 <= exc.smtp_code < 600)


def _claimed(notice_id):
    return (RevisionNotice.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("revision__outgoing__agency", "revision__replacement", "delivery")
            .filter(pk=notice_id, delivery__channel=Delivery.Channel.EMAIL, sending__in=[N.PENDING, N.RETRY],
                    attempts__lt=MAX_ATTEMPTS).first())


def notice_send(notice_id, connection):
    """Send one notice if it is still to be sent and nobody else holds it. Returns the seconds to wait before
    trying it again after a temporary failure, or None."""
    with transaction.atomic():
        notice = _claimed(notice_id)
        if notice is None:
            return None
        if not mail_may_name(notice.revision.outgoing):
            notice.sending = N.WITHHELD
            notice.save(update_fields=["sending"])
            return None
        if not notice.message_id:
            notice.message_id = make_msgid(domain=DNS_NAME)  # the same on every attempt: a receiver sees a repeat
        notice.attempts += 1
        notice.claimed_at = timezone.now()
        try:
            connection.send_messages([notice_build(notice)])
        except Exception as exc:  # noqa: BLE001 — every failure is recorded on the row and retried
            log.warning("revision notice %s to %s failed: %s", notice.pk, notice.delivery.email, exc)
            with contextlib.suppress(Exception):
                connection.close()  # the next row opens a new session
            return _failed(notice, exc)
        notice.sending, notice.sent_at, notice.next_attempt_at = N.SENT, timezone.now(), None
        notice.answer, notice.response = RevisionNotice.Answer.NOTIFIED, "Đã gửi thư thông báo"
        notice.save(update_fields=["sending", "sent_at", "next_attempt_at", "answer", "response", "attempts",
                                   "message_id", "claimed_at"])
        return None


def _failed(notice, exc):
    if _permanent(exc):
        notice.attempts = MAX_ATTEMPTS
    notice.response = f"{type(exc).__name__}: {exc}"[:2000]
    wait = None
    if notice.attempts >= MAX_ATTEMPTS:
        notice.sending, notice.next_attempt_at = N.FAILED, None
    else:
        wait = retry_backoff(notice.attempts, first=RETRY_FIRST_SECONDS, most=RETRY_MAX_SECONDS)
        notice.sending, notice.next_attempt_at = N.RETRY, timezone.now() + timedelta(seconds=wait)
    notice.save(update_fields=["sending", "next_attempt_at", "response", "attempts", "message_id", "claimed_at"])
    return wait


def notices_send(notice_ids):
    """Send the notices; [(id, seconds)] of those to try again later."""
    connection = get_connection()
    retries = []
    try:
        for notice_id in notice_ids:
            wait = notice_send(notice_id, connection)
            if wait is not None:
                retries.append((notice_id, wait))
    finally:
        connection.close()
    return retries


def notices_lost(now=None):
    """E-mail notices whose task or retry was lost (broker down, a worker that died): for beat to send again."""
    now = now or timezone.now()
    return list(RevisionNotice.objects.filter(
        Q(sending=N.PENDING, revision__decided_at__lt=now - PENDING_LOST_AFTER)
        | Q(sending=N.RETRY, next_attempt_at__lt=now - RETRY_LOST_AFTER),
        delivery__channel=Delivery.Channel.EMAIL, attempts__lt=MAX_ATTEMPTS,
    ).values_list("pk", flat=True))
