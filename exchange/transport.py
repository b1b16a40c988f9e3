"""Between installations: signed edXML envelopes POSTed over HTTPS to another installation of the portal.

Sending. Three kinds of envelope go out, each recorded first as an `ExchangeMessage` (direction out) whose message
id never changes across retries, so the receiver recognises a repeat:

- a document to an agency of another installation (a `Delivery` of channel peer): the delivery is claimed through
  documents.delivery_lifecycle (pending/retry → sending), the envelope is built once (exchange.packages, signed by
  the issuing agency's certificate) and kept, then POSTed; "received" or "already_received" → `deliver_to_peer`
  (sent); a refusal (4xx) → failed with the receiver's reason and an incident; no answer, 5xx, 408 or 429 → retry
  with the deliveries' backoff (core.mail.retry_backoff) until DELIVERY_MAX_ATTEMPTS, then failed. The receiver is
  idempotent, so anything before its answer is a retry, never "uncertain".
- a status of an incoming document that came from another installation (01–06, 02 with its reason, 13, 15, 16),
  once per (document, recipient agency, code) — a second "in progress" changes nothing at the sender;
- a recall, update or replacement (business 1/2/3) to each recipient of channel peer (RevisionNotice).

Status and revision messages are claimed on their own row (pending/retry → sending); a row whose worker died is
sent again by `messages_recover` (beat): the receiver answers "already_received" if the first POST got through.

Receiving is `envelope_receive` (behind exchange.views.edxml_receive).
"""

import json
import logging
import ssl
import uuid
from dataclasses import dataclass
from datetime import timedelta

import urllib3
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.crypto import get_random_string

from agencies.models import Agency, Installation
from documents import delivery_lifecycle as lifecycle
from documents.incidents import incident_deliveries_sent, incident_delivery_failed
from documents.mail_delivery import Lease, backoff_seconds
from documents.models import Delivery, EdxmlStatus, Incoming, IncomingEvent, RevisionNotice
from pki.models import AgencyCertificate

from . import edxml
from .models import ExchangeMessage

log = logging.getLogger(__name__)
M = ExchangeMessage
S = Delivery.Status
# Message ids are uuid5 of what the message is, so that the same message always has the same id.
_IDS = uuid.UUID("9a0c3e52-31d7-4b8f-9b4c-6f1c2f0e8d15")
DELIVERED = ("received", "already_received")


def _message_id(*parts):
    return str(uuid.uuid5(_IDS, ":".join(str(part) for part in parts)))


# --- HTTPS -------------------------------------------------------------------------------------------------------

@dataclass
class Answer:
    """What came of one POST: delivered (received / already received), refused (for good) or retry."""

    outcome: str
    text: str


def _tls_context(installation):
    """Verify the receiver's certificate with the installation's own CA when one is configured, else the system's."""
    context = ssl.create_default_context(cadata=installation.tls_ca_pem) if installation.tls_ca_pem.strip() \
        else ssl.create_default_context()
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    return context


def _reason_of(response):
    try:
        payload = json.loads(response.data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        payload = {}
    if not isinstance(payload, dict):
        payload = {}
    text = str(payload.get("reason") or "") or response.data[:300].decode("utf-8", "replace").strip()
    return payload.get("result", ""), text


def envelope_post(installation, data, message_id):
    """POST one signed envelope to `installation`'s endpoint; never raises for the network."""
    endpoint = installation.endpoint
    if not endpoint.lower().startswith("https://"):
        return Answer("retry", f"Địa chỉ nhận của hệ thống {installation.name} không phải HTTPS: {endpoint}")
    timeout = urllib3.Timeout(connect=settings.EXCHANGE_CONNECT_TIMEOUT, read=settings.EXCHANGE_READ_TIMEOUT)
    try:
        with urllib3.PoolManager(ssl_context=_tls_context(installation), retries=False, timeout=timeout) as pool:
            response = pool.request("POST", endpoint, body=data, redirect=False, headers={
                "Content-Type": "application/xml; charset=utf-8", "Accept": "application/json",
                "X-Edxml-Message-Id": message_id,
            })
    except (urllib3.exceptions.HTTPError, OSError, ssl.SSLError) as exc:
        return Answer("retry", f"Không kết nối được hệ thống {installation.name}: {exc}")
    # Sentences for the clerk (the delivery's response), never starting with the code: documents'
    # response_sentence would read "400 …" as an SMTP reply.
    result, reason = _reason_of(response)
    status, name = response.status, installation.name
    if 200 <= status < 300 and result in DELIVERED:
        text = "đã nhận văn bản" if result == "received" else "đã có văn bản này từ lần gửi trước"
        return Answer("delivered", f"Hệ thống {name} {text} (HTTP {status}, {result}).")
    if status in (408, 425, 429) or status >= 500 or status < 400:
        return Answer("retry", f"Hệ thống {name} tạm thời chưa nhận (HTTP {status}): {reason}")
    return Answer("refused", f"Hệ thống {name} từ chối (HTTP {status}): {reason}")


# --- documents (Delivery of channel peer) --------------------------------------------------------------------------

def _certificate(agency):
    certificate = AgencyCertificate.objects.filter(agency=agency, is_active=True).first()
    if certificate is None:
        raise edxml.EnvelopeError(f"Cơ quan {agency.name} chưa có chứng thư số để ký gói tin edXML.")
    return certificate


def _installation_of(agency):
    installation = agency.installation if agency else None
    if installation is None or not installation.is_active:
        raise edxml.EnvelopeError(f"Cơ quan {agency.name if agency else '?'} không còn được phục vụ bởi một hệ thống "
                                  "liên thông đang hoạt động.")
    return installation


def _keep_envelope(message, data):
    message.envelope.save(f"{message.message_id}.edxml", ContentFile(data), save=False)
    message.size = len(data)
    message.save(update_fields=["envelope", "size"])


def _read_envelope(message):
    with message.envelope.open("rb") as handle:
        return handle.read()


def document_message(delivery):
    """The out message of a peer delivery, its envelope built and signed once, kept for every retry."""
    from . import packages

    installation = _installation_of(delivery.agency)
    message, _created = M.objects.get_or_create(
        direction=M.Direction.OUT, installation=installation, message_id=_message_id("delivery", delivery.pk),
        defaults={"kind": M.Kind.DOCUMENT, "business": "0", "delivery": delivery,
                  "from_code": delivery.outgoing.agency.code, "to_code": delivery.agency.code},
    )
    if not message.envelope:
        envelope = packages.outgoing_envelope(delivery.outgoing, to_agency=delivery.agency, business="0")
        envelope.message_id = message.message_id
        data = edxml.envelope_bytes(envelope, certificate=_certificate(delivery.outgoing.agency))
        message.document_id = envelope.document_id
        message.save(update_fields=["document_id"])
        _keep_envelope(message, data)
        return message, data
    return message, _read_envelope(message)


def _lease_end():
    return timezone.now() + timedelta(seconds=settings.DELIVERY_LEASE_SECONDS)


def _claim_delivery(delivery_id, token):
    now = timezone.now()
    due = Delivery.objects.filter(pk=delivery_id, channel=Delivery.Channel.PEER).filter(
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
    return lifecycle.claim(due, token=token, now=now, lease_until=_lease_end())


def delivery_send(delivery_id):
    """One attempt of a peer delivery. Returns the seconds after which to try again, or None."""
    token = get_random_string(20)
    if not _claim_delivery(delivery_id, token):
        return None
    delivery = Delivery.objects.select_related("outgoing__agency", "agency__installation").get(pk=delivery_id)
    message = None
    with Lease(token):
        try:
            message, data = document_message(delivery)
        except edxml.EnvelopeError as exc:
            answer = Answer("retry", f"Không lập được gói tin edXML: {exc}")
        else:
            M.objects.filter(pk=message.pk).update(state=M.State.SENDING, claimed_at=timezone.now(),
                                                   attempts=F("attempts") + 1)
            answer = envelope_post(message.installation, data, message.message_id)
    return _delivery_record(delivery, message, answer, token)


def _delivery_record(delivery, message, answer, token):
    now = timezone.now()
    rows = M.objects.filter(pk=message.pk) if message else M.objects.none()
    if answer.outcome == "delivered":
        if lifecycle.move(delivery.pk, "deliver_to_peer", token=token, sent_at=now, response=answer.text,
                          next_attempt_at=None, message_id=message.message_id):
            incident_deliveries_sent([delivery.pk])
        rows.update(state=M.State.DONE, done_at=now, last_error="", next_attempt_at=None)
        return None
    if answer.outcome == "refused" or delivery.attempts >= settings.DELIVERY_MAX_ATTEMPTS:
        if lifecycle.move(delivery.pk, "fail", token=token, response=answer.text, next_attempt_at=None):
            incident_delivery_failed(delivery.pk, answer.text)
        rows.update(state=M.State.REFUSED if answer.outcome == "refused" else M.State.FAILED, last_error=answer.text)
        return None
    wait = backoff_seconds(delivery.attempts)
    later = now + timedelta(seconds=wait)
    if lifecycle.move(delivery.pk, "retry", token=token, response=answer.text, next_attempt_at=later):
        rows.update(state=M.State.RETRY, last_error=answer.text, next_attempt_at=later)
        return wait
    return None


# --- statuses and revisions (their own rows) -----------------------------------------------------------------------

def _received_from(incoming):
    """The in message that brought `incoming` from another installation (None: imported from a file, or not peer)."""
    return M.objects.filter(direction=M.Direction.IN, kind=M.Kind.DOCUMENT, incoming=incoming,
                            installation__isnull=False).select_related("installation").first()


def _staff_name(incoming):
    event = IncomingEvent.objects.filter(incoming=incoming, actor__isnull=False).select_related("actor") \
        .order_by("-pk").first()
    return event.actor.full_name if event else ""


def status_queue(incoming, code, reason=""):
    """INCOMING_STATUS hook: the sender of an incoming document from another installation hears `code`, once."""
    if incoming.source != Incoming.Source.PEER or code not in EdxmlStatus.values:
        return None
    received = _received_from(incoming)
    if received is None:
        return None
    key = ["status", incoming.agency.code, incoming.edxml_document_id, code]
    if code in (EdxmlStatus.REVISION_AGREED, EdxmlStatus.REVISION_REFUSED):
        # Each revision is answered: the key names the revision's own message.
        answered = incoming.revisions.exclude(state="open").order_by("-answered_at", "-pk").first()
        key.append(answered.message_id if answered else "")
    message, created = M.objects.get_or_create(
        direction=M.Direction.OUT, installation=received.installation, message_id=_message_id(*key),
        defaults={"kind": M.Kind.STATUS, "document_id": incoming.edxml_document_id, "status_code": code,
                  "from_code": incoming.agency.code, "to_code": received.from_code, "incoming": incoming,
                  "reason": reason or "", "staff_name": _staff_name(incoming)[:255]},
    )
    if created:
        _queue_message(message.pk)
    return message


def revision_queue(revision):
    """REVISION_SENT hook: each recipient of channel peer is told of the recall, update or replacement."""
    notices = RevisionNotice.objects.filter(
        revision=revision, delivery__channel=Delivery.Channel.PEER,
        sending__in=[RevisionNotice.Sending.PENDING, RevisionNotice.Sending.RETRY],
    ).select_related("delivery__agency__installation", "delivery__outgoing__agency")
    made = []
    for notice in notices:
        delivery = notice.delivery
        try:
            installation = _installation_of(delivery.agency)
        except edxml.EnvelopeError as exc:
            RevisionNotice.objects.filter(pk=notice.pk).update(sending=RevisionNotice.Sending.FAILED,
                                                               response=str(exc))
            continue
        message_id = _message_id("revision", notice.pk)
        message, created = M.objects.get_or_create(
            direction=M.Direction.OUT, installation=installation, message_id=message_id,
            defaults={"kind": M.Kind.DOCUMENT, "business": revision.kind, "delivery": delivery,
                      "from_code": delivery.outgoing.agency.code, "to_code": delivery.agency.code,
                      "reason": revision.reason},
        )
        RevisionNotice.objects.filter(pk=notice.pk).update(message_id=message_id)
        if created:
            _queue_message(message.pk)
            made.append(message)
    return made


def _queue_message(pk):
    from .tasks import message_send  # the tasks module imports this one

    transaction.on_commit(lambda: message_send.delay(pk), robust=True)


def _notice_of(message):
    return RevisionNotice.objects.filter(message_id=message.message_id, delivery_id=message.delivery_id) \
        .select_related("revision__outgoing__agency", "revision__replacement", "delivery__agency").first()


def _build(message):
    """The envelope of a status or revision message, signed by the agency it speaks for."""
    from . import packages

    if message.kind == M.Kind.STATUS:
        incoming = Incoming.objects.select_related("agency").get(pk=message.incoming_id)
        status = edxml.StatusMessage(
            document_id=message.document_id, from_code=message.from_code, to_code=message.to_code,
            code=message.status_code, reason=message.reason, staff_name=message.staff_name, at=message.created_at,
            from_name=incoming.agency.name, message_id=message.message_id)
        return edxml.envelope_bytes(status, certificate=_certificate(incoming.agency))
    notice = _notice_of(message)
    revision = notice.revision
    # A recall carries no document; an update or a replacement carries the new document itself, its Bussiness
    # naming the document it updates or replaces (docs/exchange.md).
    document = revision.outgoing if revision.kind == "1" else revision.replacement
    envelope = packages.outgoing_envelope(document, to_agency=notice.delivery.agency, business=revision.kind,
                                          revision=revision)
    envelope.message_id = message.message_id
    if not message.document_id:
        message.document_id = envelope.document_id
        message.save(update_fields=["document_id"])
    return edxml.envelope_bytes(envelope, certificate=_certificate(revision.outgoing.agency))


def _claim_message(pk):
    now = timezone.now()
    return M.objects.filter(pk=pk, direction=M.Direction.OUT, state__in=[M.State.PENDING, M.State.RETRY]).filter(
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    ).exclude(kind=M.Kind.DOCUMENT, business="0").update(state=M.State.SENDING, claimed_at=now,
                                                          attempts=F("attempts") + 1)


def message_send(pk):
    """One attempt of a status or revision message. Returns the seconds after which to try again, or None."""
    if not _claim_message(pk):
        return None
    message = M.objects.select_related("installation").get(pk=pk)
    try:
        if message.envelope:
            data = _read_envelope(message)
        else:
            data = _build(message)
            _keep_envelope(message, data)
    except edxml.EnvelopeError as exc:
        answer = Answer("retry", f"Không lập được gói tin edXML: {exc}")
    else:
        answer = envelope_post(message.installation, data, message.message_id)
    return _message_record(message, answer)


def _message_record(message, answer):
    now = timezone.now()
    rows = M.objects.filter(pk=message.pk, state=M.State.SENDING)
    notices = RevisionNotice.objects.filter(message_id=message.message_id, delivery_id=message.delivery_id) \
        if message.kind == M.Kind.DOCUMENT else RevisionNotice.objects.none()
    notices.update(attempts=message.attempts, response=answer.text)
    if answer.outcome == "delivered":
        rows.update(state=M.State.DONE, done_at=now, last_error="", next_attempt_at=None)
        notices.update(sending=RevisionNotice.Sending.SENT, sent_at=now, next_attempt_at=None)
        return None
    if answer.outcome == "refused" or message.attempts >= settings.DELIVERY_MAX_ATTEMPTS:
        state = M.State.REFUSED if answer.outcome == "refused" else M.State.FAILED
        rows.update(state=state, last_error=answer.text, next_attempt_at=None)
        notices.update(sending=RevisionNotice.Sending.FAILED, next_attempt_at=None)
        log.warning("edXML message %s to %s: %s", message.message_id, message.installation, answer.text)
        return None
    wait = backoff_seconds(message.attempts)
    later = now + timedelta(seconds=wait)
    rows.update(state=M.State.RETRY, last_error=answer.text, next_attempt_at=later)
    notices.update(sending=RevisionNotice.Sending.RETRY, next_attempt_at=later)
    return wait


def messages_recover():
    """Beat: status and revision messages whose worker died while sending go back to pending; due ones whose
    task was lost are returned to be queued again."""
    now = timezone.now()
    stale = now - timedelta(seconds=settings.EXCHANGE_CONNECT_TIMEOUT + settings.EXCHANGE_READ_TIMEOUT + 30)
    M.objects.filter(direction=M.Direction.OUT, state=M.State.SENDING, claimed_at__lt=stale).exclude(
        kind=M.Kind.DOCUMENT, business="0").update(state=M.State.PENDING)
    due = M.objects.filter(direction=M.Direction.OUT, state__in=[M.State.PENDING, M.State.RETRY]).filter(
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    ).filter(Q(claimed_at__isnull=True) | Q(claimed_at__lt=now - timedelta(seconds=settings.DELIVERY_REQUEUE_SECONDS)))
    return list(due.exclude(kind=M.Kind.DOCUMENT, business="0").values_list("pk", flat=True))


# --- receiving -----------------------------------------------------------------------------------------------------

class Refused(Exception):
    """The envelope is not accepted; `status` is the HTTP answer, the message the reason (Vietnamese)."""

    def __init__(self, reason, status=400):
        super().__init__(reason)
        self.reason, self.status = reason, status


class NotYet(edxml.EnvelopeError):
    """The envelope refers to a document that has not arrived yet (a recall overtaking its document): 425, so the
    sender tries again later."""

    status = 425


def _pems(installations):
    return [installation.signing_certificates_pem for installation in installations
            if installation.signing_certificates_pem.strip()]


def _sender_code(message):
    return message.from_organ.code if isinstance(message, edxml.Envelope) else message.from_code


def envelope_identify(data):
    """Read a signed envelope from another installation: signed by a certificate of an active installation, and
    its sender an agency that this side's directory says that installation serves. Returns (installation, read)."""
    installations = list(Installation.objects.filter(is_active=True))
    pems = _pems(installations)
    if not pems:
        raise Refused("Hệ thống này chưa liên thông với hệ thống nào.", 403)
    try:
        read = edxml.envelope_read(data, trusted_pem=pems)
    except edxml.EnvelopeError as exc:
        raise Refused(str(exc), 403 if "tin cậy" in str(exc) else 400) from exc
    code = _sender_code(read.message)
    sender = Agency.objects.filter(code=code, installation__is_active=True).select_related("installation").first()
    if sender is None:
        raise Refused(f"Cơ quan gửi {code} không thuộc hệ thống liên thông nào của hệ thống này.", 403)
    installation = sender.installation
    if len(pems) > 1:  # the signature must chain to the sender's own installation, not to any peer's
        try:
            edxml.envelope_read(data, trusted_pem=_pems([installation]))
        except edxml.EnvelopeError as exc:
            raise Refused(f"Gói tin của cơ quan {code} không được ký bằng chứng thư của hệ thống "
                          f"{installation.name}.", 403) from exc
    return installation, read


def envelope_receive(installation, message, data):
    """Record and act on one envelope from `installation`; returns "received" or "already_received".
    Idempotent on (installation, message id) and, for documents, on (agency, DocumentId)."""
    done = M.objects.filter(direction=M.Direction.IN, installation=installation, message_id=message.message_id,
                            state=M.State.DONE).exists()
    if done:
        return "already_received"
    try:
        with transaction.atomic():
            row, _created = M.objects.select_for_update().get_or_create(
                direction=M.Direction.IN, installation=installation, message_id=message.message_id,
                defaults=_in_fields(message, data))
            if row.state == M.State.DONE:
                return "already_received"
            result = _act(installation, message, row)
            row.state, row.done_at, row.last_error = M.State.DONE, timezone.now(), ""
            row.save()
            if not row.envelope:
                _keep_envelope(row, data)
            return result
    except (edxml.EnvelopeError, ValidationError) as exc:
        reason = str(exc.message if isinstance(exc, edxml.EnvelopeError) else "; ".join(exc.messages))
        M.objects.update_or_create(direction=M.Direction.IN, installation=installation,
                                   message_id=message.message_id,
                                   defaults={**_in_fields(message, data), "state": M.State.REFUSED,
                                             "last_error": reason})
        raise Refused(reason, getattr(exc, "status", 400)) from exc


def _in_fields(message, data):
    if isinstance(message, edxml.StatusMessage):
        return {"kind": M.Kind.STATUS, "document_id": message.document_id, "status_code": message.code,
                "from_code": message.from_code, "to_code": message.to_code, "reason": message.reason,
                "staff_name": message.staff_name[:255], "size": len(data)}
    return {"kind": M.Kind.DOCUMENT, "document_id": message.document_id, "business": message.business,
            "from_code": message.from_organ.code, "to_code": ",".join(o.code for o in message.to_organs)[:13],
            "reason": message.business_reason, "size": len(data)}


def _act(installation, message, row):
    if isinstance(message, edxml.StatusMessage):
        return _status_arrived(installation, message, row)
    agency = _our_agency(message)
    row.to_code = agency.code
    if message.business == "0":
        return _document_arrived(installation, message, row, agency)
    return _revision_arrived(installation, message, row, agency)


def _our_agency(envelope):
    """The recipient agency of a document envelope served by this installation."""
    codes = [organ.code for organ in envelope.to_organs]
    agency = Agency.objects.filter(code__in=codes, installation__isnull=True, is_active=True).first()
    if agency is None:
        raise edxml.EnvelopeError(f"Không có cơ quan nhận nào ({', '.join(codes)}) thuộc hệ thống này.")
    return agency


def _document_arrived(installation, envelope, row, agency):
    from . import packages

    existing = Incoming.objects.filter(agency=agency, edxml_document_id=envelope.document_id).first()
    if existing is not None:
        row.incoming = existing
        return "already_received"
    try:
        row.incoming = packages.incoming_from_envelope(envelope, agency=agency, installation=installation)
    except edxml.EnvelopeError:
        # The same document under another message id, received at this very moment by another request.
        row.incoming = Incoming.objects.filter(agency=agency, edxml_document_id=envelope.document_id).first()
        if row.incoming is None:
            raise
        return "already_received"
    return "received"


def _revision_arrived(installation, envelope, row, agency):
    from documents.services.revisions import incoming_revision_arrived

    target = envelope.business_document_id or envelope.document_id
    incoming = Incoming.objects.filter(agency=agency, edxml_document_id=target).first()
    if incoming is None:
        raise NotYet(f"Cơ quan {agency.name} chưa nhận văn bản {target} nên chưa thể thu hồi, cập nhật hay thay "
                     "thế; hãy gửi lại sau.")
    row.incoming, replacement, notation = incoming, None, ""
    if envelope.business in ("2", "3"):  # the new document came in the same envelope
        replacement = _replacement_arrived(installation, envelope, agency)
        row.incoming, notation = replacement, envelope.notation
    incoming_revision_arrived(incoming, kind=envelope.business, reason=envelope.business_reason,
                              replacement_notation=notation, message_id=envelope.message_id,
                              replacement=replacement)
    return "received"


def _replacement_arrived(installation, envelope, agency):
    from . import packages

    existing = Incoming.objects.filter(agency=agency, edxml_document_id=envelope.document_id).first()
    return existing or packages.incoming_from_envelope(envelope, agency=agency, installation=installation)


def _status_arrived(installation, status, row):
    sent_any = M.objects.filter(direction=M.Direction.OUT, kind=M.Kind.DOCUMENT, installation=installation,
                                document_id=status.document_id, to_code=status.from_code, delivery__isnull=False)
    sent = sent_any.filter(business="0").first()
    if sent is None and sent_any.exists():
        return "received"  # a status of the new document of an update or replacement: its delivery is the old one's
    if sent is None:
        raise edxml.EnvelopeError(f"Hệ thống này không gửi văn bản {status.document_id} tới cơ quan "
                                  f"{status.from_code}.")
    row.delivery_id = sent.delivery_id
    if status.code in (EdxmlStatus.REVISION_AGREED, EdxmlStatus.REVISION_REFUSED):
        from documents.services.revisions import revision_answer_record

        notice = RevisionNotice.objects.filter(delivery_id=sent.delivery_id, revision__state="sent").order_by(
            "answer", "-pk").first()
        if notice is None:
            raise edxml.EnvelopeError(f"Văn bản {status.document_id} không có đề nghị thu hồi, cập nhật nào đang "
                                      "chờ trả lời.")
        revision_answer_record(notice, code=status.code, reason=status.reason, by_name=status.staff_name)
        return "received"
    at = status.at or timezone.now()
    Delivery.objects.filter(pk=sent.delivery_id).filter(
        Q(remote_status_at__isnull=True) | Q(remote_status_at__lte=at)
    ).update(remote_status=status.code, remote_status_reason=status.reason or "", remote_status_at=at)
    return "received"


def message_resend(queryset, *, now):
    """Status and revision messages that failed or were refused go out again (the admin's action, once the cause is
    fixed): same message id, so a receiver that did get one answers "already_received". Returns how many."""
    rows = queryset.filter(direction=M.Direction.OUT, state__in=[M.State.FAILED, M.State.REFUSED]).exclude(
        kind=M.Kind.DOCUMENT, business="0")
    ids = list(rows.values_list("pk", flat=True))
    M.objects.filter(pk__in=ids).update(state=M.State.PENDING, attempts=0, next_attempt_at=None, last_error="",
                                        claimed_at=now)
    for pk in ids:
        _queue_message(pk)
    return len(ids)
