"""E-mail delivery: building each recipient's message and sending batches of them over SMTP.

Never twice, whatever the network does. A batch's rows are claimed (pending → sending) by one
conditional UPDATE, so a task that runs twice finds nothing to do. Each message is streamed to the
server, then its row is moved to `confirming` and committed, and only then is the final "." sent that
makes the server accept it. Before that point any error is harmless (the server discards a message
without its final dot): the row is retried. After it, only a definite answer of the server counts;
a timeout, reset, EOF or TLS error leaves the row `uncertain` — shown to the clerk, never sent again
by itself. Every attempt of a row carries the same Message-ID, so a receiver (our own intake too)
recognises a repeat.

Leases, not guesses: a run's claim holds until `lease_until`, which a heartbeat thread renews while
the run works (Lease), so a slow batch is never taken for dead and a dead one is recovered as soon
as its lease runs out (documents.services.delivery.deliveries_recover).

A relay outage pauses instead of failing: opening the connection is the probe that decides for the
whole batch. If the relay cannot be reached the rows are `deferred` without spending an attempt, one
incident per sending agency says since when, and recovery probes again with backoff; when the relay
answers, every deferred row goes back to pending. After DELIVERY_QUEUE_LIFETIME they fail.

Status writes go through documents.delivery_lifecycle.
"""

import logging
import smtplib
import socket
import ssl
import threading
from dataclasses import dataclass
from datetime import timedelta
from email import base64mime, message_from_bytes
from email.headerregistry import Address
from email.message import EmailMessage, MIMEPart

from django.conf import settings
from django.core.mail import get_connection
from django.core.mail.message import EmailMessage as DjangoEmailMessage
from django.db import connections
from django.db.models import Case, F, PositiveSmallIntegerField, Q, When
from django.db.models.functions import Coalesce
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.crypto import get_random_string, salted_hmac

from agencies.mail_auth import effective_email_backend
from core import codes
from core.mail import mail_may_name, retry_backoff
from core.mail_headers import MAIL_POLICY, MAIL_POLICY_KEEP
from core.storage import read_verified
from core.text import nfc
from incidents.services import incident_relay_answered, incident_relay_unreachable, relay_outage_since
from pki.mail_signing import MailSigner

from . import delivery_lifecycle as lifecycle
from . import extensions
from .bounces import envelope_sender
from .incidents import incident_deliveries_sent, incident_delivery_failed
from .models import Delivery, OutgoingFile

log = logging.getLogger(__name__)
S = Delivery.Status
UNCERTAIN_NOTE = ("Máy chủ thư có thể đã nhận thư nhưng cổng chưa nhận được xác nhận. "
                  "Kiểm tra với nơi nhận trước khi gửi lại.")


def verify_url(outgoing):
    if not outgoing.verify_code:
        outgoing.verify_code = codes.verify_code_new()
    return f"{settings.SITE_URL}/v/{outgoing.verify_code}"


def document_url(outgoing):
    return settings.SITE_URL + reverse("outgoing_public", kwargs={"code": outgoing.verify_code}) \
        if outgoing.verify_code else settings.SITE_URL



@dataclass
class Attachment:
    name: str
    data: bytes


def email_attachments(outgoing):
    files = outgoing.files.order_by("kind", "position")
    attachments = []
    for file in files:
        prefix = "" if file.kind == OutgoingFile.Kind.MAIN else "PL-"
        attachments.append(Attachment(prefix + file.name, read_verified(file.signed, file.signed_sha256)))
    return attachments


class MessageFactory:
    """Builds each recipient's message with the standard library's e-mail policy (core.mail_headers). The
    attachments and the headers every recipient shares are encoded and serialized once per document; per
    recipient only its own headers and the short text part are made."""

    def __init__(self, outgoing):
        self.outgoing = outgoing
        agency = outgoing.agency
        self.sender = Address(nfc(agency.name), addr_spec=agency.official_email)
        self.signer = MailSigner(agency)  # S/MIME and DKIM (pki.mail_signing)
        self.boundary = f"=_portal_{get_random_string(24)}"
        parts = []
        for attachment in email_attachments(outgoing):
            part = MIMEPart(policy=MAIL_POLICY)
            part.set_content(attachment.data, maintype="application", subtype="pdf", disposition="attachment",
                             filename=nfc(attachment.name))
            parts.append(part.as_bytes())
        for extra in extensions.mail_parts(outgoing):  # a meeting's iCalendar invitation (meetings app)
            part = MIMEPart(policy=MAIL_POLICY)
            part.set_content(extra.data, maintype=extra.maintype, subtype=extra.subtype, disposition="attachment",
                             filename=extra.filename, params=extra.params)
            parts.append(part.as_bytes())
        marker = f"--{self.boundary}\r\n".encode()
        tail = b"".join(b"\r\n" + marker + part for part in parts) + f"\r\n--{self.boundary}--\r\n".encode()
        self.tail = BuiltMessage.part(tail)
        with translation.override("vi"):
            self.subject = nfc(render_to_string("documents/email/outgoing_subject.txt", {"o": outgoing}).strip())
        self.link = document_url(outgoing)
        self.issued = timezone.localtime(outgoing.issued_at)
        fixed = EmailMessage(policy=MAIL_POLICY)
        fixed["From"] = self.sender
        fixed["Subject"] = self.subject
        fixed["X-Portal-Document"] = nfc(outgoing.notation)
        fixed["MIME-Version"] = "1.0"
        fixed["Content-Type"] = f'multipart/mixed; boundary="{self.boundary}"'
        self.fixed_headers = _headers(fixed)
        # The text part's own headers are the same for everyone too; only its body is each recipient's.
        text = MIMEPart(policy=MAIL_POLICY)
        text.set_content("", cte="base64")
        self.body_start = f"\r\n--{self.boundary}\r\n".encode() + _headers(text) + b"\r\n"

    def build(self, delivery, message_id):
        with translation.override("vi"):
            body = render_to_string("documents/email/outgoing_body.txt", {
                "o": self.outgoing, "d": delivery, "link": self.link, "issued": self.issued,
                "extra": extensions.mail_text(self.outgoing, delivery),
            })
        head = EmailMessage(policy=MAIL_POLICY)
        head["To"] = Address(nfc(delivery.name), addr_spec=delivery.email)
        head["Date"] = timezone.now()
        head["Message-ID"] = message_id
        text = base64mime.body_encode("\r\n".join(body.splitlines()).encode() + b"\r\n", eol="\r\n").encode()
        return BuiltMessage(self.signer.parts([
            BuiltMessage.part(b"".join([self.fixed_headers, _headers(head), self.body_start, text])),
            self.tail,
        ], BuiltMessage.part))


def _headers(message):
    """A message's headers as the policy writes them, without the blank line that ends them."""
    return b"".join(MAIL_POLICY.fold_binary(name, value) for name, value in message.items())


class BuiltMessage:
    """A message as CRLF bytes in parts that each end at a line end, each also kept "dot-stuffed" as
    SMTP's DATA wants it (a line starting with "." gets a second one). Stuffing the shared attachment
    part once per document, not once per recipient, saves a pass over every message."""

    def __init__(self, parts):
        self.parts = parts

    @staticmethod
    def part(data):
        # smtplib's private _quote_periods, so the stuffing is exactly what SMTP.data() would do; checked by
        # tests/test_private_apis.py, which fails on a Python that changes it.
        return (data, smtplib._quote_periods(data))

    @property
    def raw(self):
        return b"".join(plain for plain, _stuffed in self.parts)

    @property
    def stuffed(self):
        return b"".join(stuffed for _plain, stuffed in self.parts)




class TemporaryFailure(Exception):
    """No message was accepted and it may be tried again: a 4xx answer, or an error before the final dot."""


class PermanentFailure(Exception):
    """A 5xx answer: this recipient will not take it."""


class Uncertain(Exception):
    """The final dot was sent and no definite answer came: the server may have the message."""


class RelayUnreachable(Exception):
    """No SMTP session could be opened with the relay (refused, timed out, TLS, greeting or login)."""


def _classify(code, text):
    message = f"{code} {text.decode(errors='replace') if isinstance(text, bytes) else text}"
    return PermanentFailure(message) if 500 <= code < 600 else TemporaryFailure(message)


class SmtpTransport:
    """One SMTP connection reused for a batch, with the two-step DATA described above."""

    def __init__(self):
        self.smtp = None

    def open(self):
        host, port, timeout = settings.EMAIL_HOST, settings.EMAIL_PORT, settings.DELIVERY_SMTP_TIMEOUT
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
            self.abort()
            raise RelayUnreachable(f"Không kết nối được máy chủ thư {host}:{port}: {exc}") from exc

    def close(self):
        if self.smtp is not None:
            try:
                self.smtp.quit()
            except (OSError, smtplib.SMTPException):
                pass
            self.smtp = None

    def abort(self):
        """Drop the connection: a message without its final dot is discarded by the server."""
        if self.smtp is not None:
            try:
                self.smtp.close()
            except OSError:
                pass
            self.smtp = None

    @staticmethod
    def _commands(smtp, sender, recipient):
        yield (*smtp.mail(sender), (250,))
        yield (*smtp.rcpt(recipient), (250, 251))
        yield (*smtp.docmd("data"), (354,))

    def send(self, sender, recipient, message, before_final_dot):
        if self.smtp is None:
            self.open()
        smtp = self.smtp
        try:
            for code, text, accepted in self._commands(smtp, sender, recipient):
                if code not in accepted:
                    if code == 421:  # the server is closing the connection
                        self.abort()
                    else:
                        smtp.rset()
                    raise _classify(code, text)
            smtp.send(message.stuffed)
        except (OSError, smtplib.SMTPException) as exc:
            self.abort()
            raise TemporaryFailure(f"Mất kết nối máy chủ thư trước khi gửi xong: {exc}") from exc
        before_final_dot()
        try:
            smtp.sock.settimeout(settings.DELIVERY_SMTP_DATA_TIMEOUT)
            smtp.send(b".\r\n")
            code, text = smtp.getreply()
            smtp.sock.settimeout(settings.DELIVERY_SMTP_TIMEOUT)
        except (OSError, smtplib.SMTPException) as exc:
            self.abort()
            raise Uncertain(f"Không nhận được trả lời của máy chủ thư sau khi gửi: {exc}") from exc
        if code == 421:
            self.abort()
        if code != 250:
            raise _classify(code, text)
        return f"{code} {text.decode(errors='replace')}"


class RawMessage(DjangoEmailMessage):
    """Hands prebuilt bytes to a Django e-mail backend (files, locmem) unchanged."""

    def __init__(self, raw, sender, recipient, subject):
        super().__init__(subject=subject, from_email=sender, to=[recipient])
        self.raw = raw

    def message(self, *, policy=None):
        # Written out as built: the stdlib's own refolding would undo core.mail_headers' folding.
        return message_from_bytes(self.raw, policy=MAIL_POLICY_KEEP)


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
    if effective_email_backend() == "django.core.mail.backends.smtp.EmailBackend":
        return SmtpTransport()
    return BackendTransport()


def message_id_for(delivery):
    """The same on every attempt of a delivery (and unique to this portal), so a repeat is recognisable."""
    outgoing = delivery.outgoing
    domain = outgoing.agency.official_email.rpartition("@")[2]
    tag = salted_hmac("documents.mail_delivery.message_id", str(delivery.pk)).hexdigest()[:12]
    return f"<doc{outgoing.pk}.d{delivery.pk}.{tag}@{domain}>"


def backoff_seconds(attempts):
    return retry_backoff(attempts, first=settings.DELIVERY_RETRY_BASE_SECONDS, most=settings.DELIVERY_RETRY_MAX_SECONDS)


def _lease_end():
    return timezone.now() + timedelta(seconds=settings.DELIVERY_LEASE_SECONDS)


class Lease:
    """While a run works, a thread renews its claim every third of DELIVERY_LEASE_SECONDS, so a slow but
    living batch keeps its rows (even while it waits for a late reply); a killed run stops renewing and
    recovery takes its rows back when the lease runs out."""

    def __init__(self, token):
        self.token = token
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._renew, name=f"delivery-lease-{token}", daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc_info):
        self.stopped.set()
        self.thread.join()

    def _renew(self):
        try:
            while not self.stopped.wait(settings.DELIVERY_LEASE_SECONDS / 3):
                try:
                    lifecycle.lease_renew(self.token, _lease_end())
                except Exception:  # the next beat tries again; recovery is the fallback
                    log.exception("renewing the delivery lease %s", self.token)
        finally:
            connections.close_all()  # this thread's own connections


def _claim(delivery_ids, token):
    """Take the due e-mail rows of a batch for this attempt, in one UPDATE; return the rows taken."""
    now = timezone.now()
    due = Delivery.objects.filter(pk__in=delivery_ids, channel=Delivery.Channel.EMAIL).filter(
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    )
    lifecycle.claim(due, token=token, now=now, lease_until=now + timedelta(seconds=settings.DELIVERY_LEASE_SECONDS))
    return list(
        Delivery.objects.filter(claim_token=token, status=S.SENDING)
        .select_related("outgoing__agency", "outgoing__signer__user")
        .order_by("pk")
    )


def _has_due(delivery_ids):
    return Delivery.objects.filter(
        pk__in=delivery_ids, channel=Delivery.Channel.EMAIL, status__in=lifecycle.CLAIMABLE
    ).filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=timezone.now())).exists()


def _fail(delivery, exc, token):
    """Failed for good: shown to the clerk, who may correct the address and resend, and logged as an incident."""
    if lifecycle.move(delivery.pk, "fail", token=token, response=str(exc), next_attempt_at=None):
        incident_delivery_failed(delivery.pk, str(exc))


class ClaimLost(Exception):
    """Recovery gave the row to another run while this one waited; this run must not send it."""


def _send_one(transport, factory, delivery, token):
    message_id = message_id_for(delivery)
    message = factory.build(delivery, message_id)

    def before_final_dot():
        if not lifecycle.move(delivery.pk, "confirm", token=token, message_id=message_id):
            raise ClaimLost

    # VERP: a bounce that comes back names this delivery (documents.bounces).
    return transport.send(envelope_sender(delivery), delivery.email, message, before_final_dot)


def send_emails(delivery_ids):
    """Send a batch of e-mail deliveries over one connection. Returns (id, seconds) to retry later."""
    if not _has_due(delivery_ids):
        return []
    transport = transport_new()
    try:
        transport.open()  # the probe: one connection decides for the whole batch
    except RelayUnreachable as exc:
        relay_unreachable(Delivery.objects.filter(pk__in=delivery_ids, channel=Delivery.Channel.EMAIL), exc)
        return []
    relay_answered()
    token = get_random_string(20)
    retry_later, sent, factories = [], [], {}
    try:
        with Lease(token):
            claimed = _claim(delivery_ids, token)
            for index, delivery in enumerate(claimed):
                outgoing = delivery.outgoing
                if not mail_may_name(outgoing):  # defence in depth: planning never makes such a row
                    lifecycle.move(delivery.pk, "withhold", token=token,
                                   note="Văn bản mật không gửi qua thư điện tử.")
                    continue
                if outgoing.pk not in factories:
                    factories[outgoing.pk] = MessageFactory(outgoing)
                try:
                    _send_and_record(transport, factories[outgoing.pk], delivery, token, retry_later, sent)
                except RelayUnreachable as exc:  # the relay went away mid-batch: the rest waits for it
                    rest = Delivery.objects.filter(pk__in=[d.pk for d in claimed[index:]], claim_token=token)
                    relay_unreachable(rest, exc, token)
                    break
    finally:
        transport.close()
        incident_deliveries_sent(sent)
    return retry_later


def _send_and_record(transport, factory, delivery, token, retry_later, sent):
    """Send one claimed delivery and record how it went; RelayUnreachable goes up to stop the batch."""
    try:
        response = _send_one(transport, factory, delivery, token)
    except ClaimLost:
        transport.abort()
    except Uncertain as exc:
        if lifecycle.move(delivery.pk, "uncertain", token=token, response=str(exc), note=UNCERTAIN_NOTE,
                          next_attempt_at=None):
            incident_delivery_failed(delivery.pk, UNCERTAIN_NOTE)
    except PermanentFailure as exc:
        _fail(delivery, exc, token)
    except TemporaryFailure as exc:
        _retry_or_fail(delivery, exc, token, retry_later)
    else:
        if lifecycle.move(delivery.pk, "sent", token=token, sent_at=timezone.now(), response=response,
                          next_attempt_at=None):
            sent.append(delivery.pk)


def _retry_or_fail(delivery, exc, token, retry_later):
    """A temporary failure: try again after a backoff, or fail for good once the attempts are spent."""
    if delivery.attempts >= settings.DELIVERY_MAX_ATTEMPTS:
        _fail(delivery, exc, token)
        return
    wait = backoff_seconds(delivery.attempts)
    if lifecycle.move(delivery.pk, "retry", token=token, response=str(exc),
                      next_attempt_at=timezone.now() + timedelta(seconds=wait)):
        retry_later.append((delivery.pk, wait))


# The relay: paused, not failed, while it cannot be reached.


def relay_unreachable(rows, exc, token=None):
    """Defer these rows until the relay answers, without spending an attempt: those waiting, and those
    this run (token) had claimed; rows that waited DELIVERY_QUEUE_LIFETIME fail. One incident per
    sending agency says since when. Returns the seconds until recovery asks the relay again."""
    now = timezone.now()
    held = Q(status=S.SENDING, claim_token=token) if token else Q(pk__in=[])
    rows = rows.filter(Q(status__in=(S.PENDING, S.RETRY, S.DEFERRED)) | held)
    since = incident_relay_unreachable(
        rows.order_by().values_list("outgoing__agency_id", flat=True).distinct(), str(exc), now)
    waited = (now - since).total_seconds()
    wait = min(max(settings.DELIVERY_RETRY_BASE_SECONDS, waited), settings.DELIVERY_RELAY_PROBE_MAX_SECONDS)
    lifetime = now - timedelta(seconds=settings.DELIVERY_QUEUE_LIFETIME)
    expired = list(rows.filter(status=S.DEFERRED, deferred_since__lt=lifetime).values_list("pk", flat=True))
    cause = f"Máy chủ thư không kết nối được trong {settings.DELIVERY_QUEUE_LIFETIME // 3600} giờ: {exc}"
    if lifecycle.move_all(Delivery.objects.filter(pk__in=expired), "expire", response=cause, next_attempt_at=None):
        for delivery_id in expired:
            incident_delivery_failed(delivery_id, cause)
    # A row this run had claimed gets its attempt back: nothing was tried.
    lifecycle.move_all(
        rows.exclude(pk__in=expired),
        "defer", response=str(exc), next_attempt_at=now + timedelta(seconds=wait),
        deferred_since=Coalesce(F("deferred_since"), now), claim_token="", lease_until=None,
        attempts=Case(When(status=S.SENDING, then=F("attempts") - 1), default=F("attempts"),
                       output_field=PositiveSmallIntegerField()),
    )
    return wait


def relay_answered():
    """The relay answers again: every deferred row goes back to pending (recovery queues it) and the
    outage incidents are resolved. Cheap when there was no outage (one indexed EXISTS)."""
    if not (Delivery.objects.filter(status=S.DEFERRED).exists() or relay_outage_since()):
        return 0
    resumed = lifecycle.move_all(Delivery.objects.all(), "resume", next_attempt_at=None, deferred_since=None,
                                 queued_at=None)
    incident_relay_answered()
    return resumed


def relay_probe():
    """Recovery asks the relay once when deferred rows are due; True if it answers."""
    due = Delivery.objects.filter(status=S.DEFERRED, next_attempt_at__lte=timezone.now())
    if not due.exists():
        return None
    transport = transport_new()
    try:
        transport.open()
    except RelayUnreachable as exc:
        relay_unreachable(Delivery.objects.filter(status=S.DEFERRED), exc)
        return False
    transport.close()
    relay_answered()
    return True
