"""Delivering an issued document to each recipient: into the portal, or by e-mail.

Never twice: a delivery row is claimed (pending → sending) by one conditional UPDATE before
anything is sent, so a task that runs twice finds nothing to do. For e-mail the message body is
streamed to the SMTP server, then the row is marked `confirming` and committed, and only then is
the final “.” sent that makes the server accept it. A worker killed before that point left a
message the server discarded: the row goes back to pending and is sent again. A worker killed in
the instant between the commit and the server's reply leaves the row `uncertain`: it is shown to
the clerk and never sent again automatically.
"""

import logging
import smtplib
import socket
import ssl
from dataclasses import dataclass
from datetime import timedelta
from email.header import Header
from email.message import Message
from email.mime.application import MIMEApplication
from email.mime.text import MIMEText
from email.policy import compat32
from email.utils import format_datetime, formataddr

from django.conf import settings
from django.core.mail import get_connection
from django.core.mail.message import EmailMessage as DjangoEmailMessage
from django.db import transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.crypto import get_random_string

from portal import codes
from reports.services import incident_deliveries_sent, incident_delivery_failed

from .models import Delivery, Incoming, IncomingFile, OutgoingFile
from .services.incoming import incoming_arrived

log = logging.getLogger(__name__)
S = Delivery.Status
CLAIMABLE = (S.PENDING, S.RETRY)
SMTP_POLICY = compat32.clone(linesep="\r\n")


def verify_url(outgoing):
    if not outgoing.verify_code:
        outgoing.verify_code = codes.verify_code_new()
    return f"{settings.SITE_URL}/v/{outgoing.verify_code}"


def document_url(outgoing):
    return settings.SITE_URL + reverse("outgoing_public", kwargs={"code": outgoing.verify_code}) \
        if outgoing.verify_code else settings.SITE_URL


# Portal-to-portal


@transaction.atomic
def deliver_to_portal(delivery_id):
    """Put the document in the recipient agency's incoming queue, once (Incoming.delivery is unique)."""
    # of=self: lock the delivery row only, not the agency and people it joins (other deliveries need them).
    delivery = (
        Delivery.objects.select_for_update(of=("self",))
        .select_related("outgoing__agency", "outgoing__signer__user")
        .get(pk=delivery_id)
    )
    if delivery.status == S.SENT or delivery.channel != Delivery.Channel.PORTAL:
        return delivery
    outgoing = delivery.outgoing
    now = timezone.now()
    incoming = Incoming.objects.create(
        agency=delivery.agency, target_unit=delivery.unit, source=Incoming.Source.PORTAL, delivery=delivery,
        sender_agency=outgoing.agency, sender_name=outgoing.agency.name, notation=outgoing.notation,
        doc_date=timezone.localdate(outgoing.issued_at), doc_type=outgoing.doc_type, summary=outgoing.summary,
        secrecy=outgoing.secrecy, urgency=outgoing.urgency, signer_name=outgoing.signer.user.full_name,
        signer_position=outgoing.signer.position,
    )
    IncomingFile.objects.bulk_create([
        IncomingFile(incoming=incoming, kind=file.kind, name=file.name, file=file.signed.name,
                     size=file.signed.size, sha256=file.signed_sha256)
        for file in outgoing.files.all()
    ])
    delivery.status, delivery.sent_at, delivery.last_attempt_at = S.SENT, now, now
    delivery.attempts += 1
    delivery.response = "Đã chuyển vào cổng của cơ quan nhận"
    delivery.save(update_fields=["status", "sent_at", "last_attempt_at", "attempts", "response"])
    incoming_arrived(incoming)
    return delivery


# E-mail


@dataclass
class Attachment:
    name: str
    data: bytes


def email_attachments(outgoing):
    files = outgoing.files.order_by("kind", "position")
    attachments = []
    for file in files:
        with file.signed.open("rb") as handle:
            prefix = "" if file.kind == OutgoingFile.Kind.MAIN else "PL-"
            attachments.append(Attachment(prefix + file.name, handle.read()))
    return attachments


class MessageFactory:
    """Builds each recipient's message. The attachments are encoded and serialized once per
    document; per recipient only the headers and the short text part are made."""

    def __init__(self, outgoing):
        self.outgoing = outgoing
        agency = outgoing.agency
        self.sender = formataddr((agency.name, agency.official_email), charset="utf-8")
        self.boundary = f"=_portal_{get_random_string(24)}"
        parts = []
        for attachment in email_attachments(outgoing):
            part = MIMEApplication(attachment.data, "pdf")
            part.add_header("Content-Disposition", "attachment", filename=("utf-8", "", attachment.name))
            del part["MIME-Version"]
            parts.append(part.as_bytes(policy=SMTP_POLICY))
        marker = f"--{self.boundary}\r\n".encode()
        tail = b"".join(b"\r\n" + marker + part for part in parts) + f"\r\n--{self.boundary}--\r\n".encode()
        self.tail = BuiltMessage.part(tail)
        with translation.override("vi"):
            self.subject = render_to_string("documents/email/outgoing_subject.txt", {"o": outgoing}).strip()
        self.link = document_url(outgoing)
        self.issued = timezone.localtime(outgoing.issued_at)

    def build(self, delivery, message_id):
        with translation.override("vi"):
            body = render_to_string("documents/email/outgoing_body.txt", {
                "o": self.outgoing, "d": delivery, "link": self.link, "issued": self.issued,
            })
        head = Message()
        head["From"] = self.sender
        head["To"] = formataddr((delivery.name, delivery.email), charset="utf-8")
        head["Subject"] = Header(self.subject, "utf-8")
        head["Date"] = format_datetime(timezone.now())
        head["Message-ID"] = message_id
        head["X-Portal-Document"] = Header(self.outgoing.notation, "utf-8")
        head["MIME-Version"] = "1.0"
        text = MIMEText(body, "plain", "utf-8")
        del text["MIME-Version"]
        # A header-only Message serializes as its headers and a blank line; the multipart body is ours.
        headers = head.as_bytes(policy=SMTP_POLICY)[:-2]
        return BuiltMessage([
            BuiltMessage.part(b"".join([
                headers, f'Content-Type: multipart/mixed; boundary="{self.boundary}"\r\n\r\n'.encode(),
                f"--{self.boundary}\r\n".encode(), text.as_bytes(policy=SMTP_POLICY),
            ])),
            self.tail,
        ])


class BuiltMessage:
    """A message as CRLF bytes in parts that each end at a line end, each also kept "dot-stuffed" as
    SMTP's DATA wants it (a line starting with "." gets a second one). Stuffing the shared attachment
    part once per document, not once per recipient, saves a pass over every message."""

    def __init__(self, parts):
        self.parts = parts

    @staticmethod
    def part(data):
        return (data, smtplib._quote_periods(data))

    @property
    def raw(self):
        return b"".join(plain for plain, _stuffed in self.parts)

    @property
    def stuffed(self):
        return b"".join(stuffed for _plain, stuffed in self.parts)


class TemporaryFailure(Exception):
    pass


class PermanentFailure(Exception):
    pass


def _classify(code, text):
    message = f"{code} {text.decode(errors='replace') if isinstance(text, bytes) else text}"
    return PermanentFailure(message) if 500 <= code < 600 else TemporaryFailure(message)


class SmtpTransport:
    """One SMTP connection reused for a batch, with the two-step DATA described above."""

    def __init__(self):
        self.smtp = None

    def open(self):
        host, port, timeout = settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT
        try:
            if settings.EMAIL_USE_SSL:
                self.smtp = smtplib.SMTP_SSL(host, port, timeout=timeout, context=ssl.create_default_context())
            else:
                self.smtp = smtplib.SMTP(host, port, timeout=timeout)
                if settings.EMAIL_USE_TLS:
                    self.smtp.starttls(context=ssl.create_default_context())
            self.smtp.ehlo_or_helo_if_needed()
            # The final "." goes out as a small write of its own after the commit (see module doc);
            # without NODELAY, Nagle's algorithm holds it back waiting for the server's ACK.
            self.smtp.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            if settings.EMAIL_HOST_USER:
                self.smtp.login(settings.EMAIL_HOST_USER, settings.EMAIL_HOST_PASSWORD)
        except (OSError, smtplib.SMTPException) as exc:
            self.smtp = None
            raise TemporaryFailure(f"Không kết nối được máy chủ thư {host}:{port}: {exc}") from exc

    def close(self):
        if self.smtp is not None:
            try:
                self.smtp.quit()
            except (OSError, smtplib.SMTPException):
                pass
            self.smtp = None

    def abort(self):
        """Drop the message being sent: without the final dot the server discards it."""
        if self.smtp is not None:
            try:
                self.smtp.close()
            except OSError:
                pass
            self.smtp = None

    def send(self, sender, recipient, message, before_final_dot):
        if self.smtp is None:
            self.open()
        smtp = self.smtp
        try:
            code, text = smtp.mail(sender)
            if code != 250:
                smtp.rset()
                raise _classify(code, text)
            code, text = smtp.rcpt(recipient)
            if code not in (250, 251):
                smtp.rset()
                raise _classify(code, text)
            code, text = smtp.docmd("data")
            if code != 354:
                smtp.rset()
                raise _classify(code, text)
            smtp.send(message.stuffed)
            before_final_dot()
            smtp.send(b".\r\n")
            code, text = smtp.getreply()
        except (OSError, smtplib.SMTPServerDisconnected) as exc:
            self.smtp = None
            raise TemporaryFailure(f"Mất kết nối máy chủ thư: {exc}") from exc
        if code != 250:
            raise _classify(code, text)
        return f"{code} {text.decode(errors='replace')}"


class RawMessage(DjangoEmailMessage):
    """Hands prebuilt bytes to a Django e-mail backend (files, locmem) unchanged."""

    def __init__(self, raw, sender, recipient, subject):
        super().__init__(subject=subject, from_email=sender, to=[recipient])
        self.raw = raw

    def message(self, *, policy=None):
        from email import message_from_bytes
        from email import policy as email_policy

        return message_from_bytes(self.raw, policy=email_policy.SMTP)


class BackendTransport:
    """Any other Django e-mail backend: the .eml files of the default set-up, locmem in tests."""

    def __init__(self):
        self.connection = get_connection(fail_silently=False)

    def open(self):
        self.connection.open()

    def close(self):
        self.connection.close()

    def abort(self):
        pass

    def send(self, sender, recipient, message, before_final_dot):
        before_final_dot()
        data = message.raw
        subject = data.split(b"\r\nSubject: ", 1)[-1].split(b"\r\n", 1)[0].decode(errors="replace")
        self.connection.send_messages([RawMessage(data, sender, recipient, subject)])
        return "250 written by " + type(self.connection).__name__


def transport_new():
    if settings.EMAIL_BACKEND == "django.core.mail.backends.smtp.EmailBackend":
        return SmtpTransport()
    return BackendTransport()


def _claim(delivery_ids):
    """Take the due deliveries of a batch for this attempt, in one UPDATE; return the rows taken.

    A row another run holds, or that is done, is not taken. The token marks this run's claim: only
    the holder of the token may move a row on (see _confirm).
    """
    now, token = timezone.now(), get_random_string(20)
    Delivery.objects.filter(pk__in=delivery_ids, status__in=CLAIMABLE, channel=Delivery.Channel.EMAIL).filter(
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    ).update(status=S.SENDING, claimed_at=now, claim_token=token, last_attempt_at=now,
             attempts=F("attempts") + 1)
    return list(
        Delivery.objects.filter(claim_token=token, status=S.SENDING)
        .select_related("outgoing__agency", "outgoing__signer__user")
        .order_by("pk")
    )


def _confirm(delivery, message_id):
    """The last step before the final dot: only the claim's holder may take it."""
    return bool(Delivery.objects.filter(pk=delivery.pk, status=S.SENDING, claim_token=delivery.claim_token)
                .update(status=S.CONFIRMING, message_id=message_id))


def backoff_seconds(attempts):
    return min(settings.DELIVERY_RETRY_BASE_SECONDS * 2 ** max(attempts - 1, 0), settings.DELIVERY_RETRY_MAX_SECONDS)


def _mark(delivery_id, **fields):
    Delivery.objects.filter(pk=delivery_id).update(**fields)


def _fail(delivery_id, exc):
    """Failed for good: shown to the clerk, who may correct the address and resend, and logged as an incident."""
    _mark(delivery_id, status=S.FAILED, response=str(exc), next_attempt_at=None)
    incident_delivery_failed(delivery_id, str(exc))


class ClaimLost(Exception):
    """Recovery gave the row to another run while this one waited; this run must not send it."""


def _send_one(transport, factory, delivery):
    outgoing = delivery.outgoing
    domain = outgoing.agency.official_email.rpartition("@")[2]
    message_id = f"<doc{outgoing.pk}.d{delivery.pk}.a{delivery.attempts}.{delivery.claim_token}@{domain}>"
    message = factory.build(delivery, message_id)

    def before_final_dot():
        if not _confirm(delivery, message_id):
            raise ClaimLost

    return transport.send(outgoing.agency.official_email, delivery.email, message, before_final_dot)


def send_emails(delivery_ids):
    """Send a batch of e-mail deliveries over one connection. Returns (id, seconds) to retry later."""
    retry_later, sent = [], []
    factories = {}
    transport = transport_new()
    try:
        for delivery in _claim(delivery_ids):
            outgoing = delivery.outgoing
            if outgoing.is_secret:  # defence in depth: planning never makes such a row
                _mark(delivery.pk, status=S.NOT_ELECTRONIC, note="Văn bản mật không gửi qua thư điện tử.")
                continue
            if outgoing.pk not in factories:
                factories[outgoing.pk] = MessageFactory(outgoing)
            try:
                response = _send_one(transport, factories[outgoing.pk], delivery)
            except ClaimLost:
                transport.abort()
            except PermanentFailure as exc:
                _fail(delivery.pk, exc)
            except TemporaryFailure as exc:
                if delivery.attempts >= settings.DELIVERY_MAX_ATTEMPTS:
                    _fail(delivery.pk, exc)
                else:
                    wait = backoff_seconds(delivery.attempts)
                    _mark(delivery.pk, status=S.RETRY, response=str(exc),
                          next_attempt_at=timezone.now() + timedelta(seconds=wait))
                    retry_later.append((delivery.pk, wait))
            else:
                _mark(delivery.pk, status=S.SENT, sent_at=timezone.now(), response=response, next_attempt_at=None)
                sent.append(delivery.pk)
    finally:
        transport.close()
        incident_deliveries_sent(sent)
    return retry_later


def stale_before():
    return timezone.now() - timedelta(seconds=settings.DELIVERY_STALE_SECONDS)


UNCERTAIN_NOTE = ("Máy chủ thư có thể đã nhận thư nhưng cổng chưa nhận được xác nhận. "
                  "Kiểm tra với nơi nhận trước khi gửi lại.")


def deliveries_recover():
    """Repair what a crashed worker left: returns the ids to send again.

    `sending` for too long: the server never got the final dot, so sending again is safe.
    `confirming` for too long: the server may have the message; mark uncertain for the clerk.
    `pending`/`retry` that are due and not queued recently: their task was lost; queue again.
    """
    stale = stale_before()
    Delivery.objects.filter(status=S.SENDING, claimed_at__lt=stale).update(status=S.PENDING, queued_at=None)
    uncertain = list(Delivery.objects.filter(status=S.CONFIRMING, claimed_at__lt=stale).values_list("pk", flat=True))
    Delivery.objects.filter(pk__in=uncertain).update(status=S.UNCERTAIN, note=UNCERTAIN_NOTE)
    for delivery_id in uncertain:  # the clerk must decide: an incident in the traffic log says so
        incident_delivery_failed(delivery_id, UNCERTAIN_NOTE)
    due = Delivery.objects.filter(status__in=CLAIMABLE).filter(
        Q(queued_at__isnull=True) | Q(queued_at__lt=stale)
    ).filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=timezone.now()))
    return list(due.values_list("pk", flat=True))


def progress(outgoing):
    counts = {status: 0 for status in S.values}
    for status in outgoing.deliveries.values_list("status", flat=True):
        counts[status] += 1
    total = sum(counts.values())
    done = sum(counts[s] for s in Delivery.FINAL)
    return {"total": total, "done": done, "sent": counts[S.SENT], "failed": counts[S.FAILED],
            "percent": round(100 * done / total) if total else 100, "counts": counts}
