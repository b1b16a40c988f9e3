"""Remote signing requests: start one, poll it until the person answers on their phone, cancel it.

A request moves from `pending` to exactly one final status (completed, refused, expired, cancelled, failed), under
a row lock, and the handler registered for its purpose with `on_remote_finished` is called once, in the same
transaction. pki knows nothing of documents: the handler (e.g. documents' "outgoing-approve") does the rest.
"""

import base64
import logging
import uuid
from datetime import timedelta

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import signing
from ..errors import CertificateExpired, RevocationUnavailable, SigningError, TimestampUnavailable
from ..models import KeyStore, PersonalCertificate, RemoteSigningRequest
from .base import Outcome, RemoteNotConfigured, RemoteRejected, RemoteUnavailable
from .csc import CscProvider

logger = logging.getLogger(__name__)

Status = RemoteSigningRequest.Status
KINDS = {"csc": CscProvider}  # settings' "kind" -> adapter; a vendor's API is one more entry
POLL_SECONDS = 2
# The signature arrived but the timestamp or revocation service did not answer: try again at the next poll.
TRANSIENT = (RemoteUnavailable, TimestampUnavailable, RevocationUnavailable)

_finished_handlers = {}


def provider_for(name):
    """The provider named in settings.REMOTE_SIGNING_PROVIDERS; RemoteNotConfigured if there is none."""
    config = settings.REMOTE_SIGNING_PROVIDERS.get(name or "")
    kind = KINDS.get((config or {}).get("kind", "csc"))
    if not config or kind is None:
        raise RemoteNotConfigured()
    return kind(name, config)


def on_remote_finished(purpose):
    """Register `handler(request)` for requests of `purpose`: called once when one leaves `pending`.

    Called inside the transaction that records the final status, the request row locked; request.status is
    final and, when completed, remote_result_bytes(request) is the signed PDF. A handler that raises
    (SigningError, ValidationError, PermissionDenied) on a completed request rolls it back: the request is then
    recorded as failed with the error's message and the handler is called again with status failed (where it
    must not raise).
    """
    def register(handler):
        _finished_handlers[purpose] = handler
        return handler

    return register


# --- messages --------------------------------------------------------------------------------------------

def _final_message(status):
    return {
        Status.REFUSED: _("Người ký đã từ chối ký trên điện thoại. Văn bản chưa được ký; có thể ký lại."),
        Status.EXPIRED: _("Người ký không xác nhận trên điện thoại trong thời gian cho phép. "
                          "Văn bản chưa được ký; có thể ký lại."),
        Status.CANCELLED: _("Yêu cầu ký đã được hủy. Văn bản chưa được ký; có thể ký lại."),
    }[status]


ALREADY_PENDING = RemoteSigningRequest._meta.constraints[0].violation_error_message


# --- start ----------------------------------------------------------------------------------------------

def _certificates(certificate):
    chain = x509.load_pem_x509_certificates(certificate.certificate_pem.encode("ascii"))
    if certificate.chain_pem.strip():
        chain += x509.load_pem_x509_certificates(certificate.chain_pem.encode("ascii"))
    return chain[0], chain[1:]


def _check_certificate(certificate, signed_at):
    if certificate.store != KeyStore.REMOTE or not certificate.is_active:
        raise SigningError(_("Chứng thư số này không dùng dịch vụ ký số từ xa."))
    if not certificate.is_valid_at(signed_at):
        raise CertificateExpired(_("Chứng thư số đã hết hạn hoặc chưa có hiệu lực nên không dùng để ký được."))


def _schedule_poll(request_id):
    from .. import tasks  # pki.tasks calls these services: imported when first needed, not at load time

    tasks.remote_signing_poll.apply_async((request_id,), countdown=POLL_SECONDS)


def remote_start(*, certificate, purpose, object_id, prepared_pdf, block, places, signed_at=None,
                 description="", context=None) -> RemoteSigningRequest:
    """Ask the certificate's owner to confirm on their phone the signer's signature on `prepared_pdf`.

    Expects a PersonalCertificate with store=remote (the caller checks it is the signing person's own) and no
    pending request for (purpose, object_id). Computes the digest with the engine, sends it to the provider and
    records the pending request; polling starts after commit. `description` is shown on the phone; `context`
    (JSON-safe) is kept in request.state["context"] for the purpose's handler. Raises a SigningError with a Vietnamese message
    (provider unreachable or refusing, certificate expired or revoked, already pending) and then records nothing.
    """
    signed_at = signed_at or timezone.now()
    _check_certificate(certificate, signed_at)
    if RemoteSigningRequest.objects.filter(purpose=purpose, object_id=object_id, status=Status.PENDING).exists():
        raise SigningError(ALREADY_PENDING)
    provider = provider_for(certificate.remote_provider)
    signing_cert, chain = _certificates(certificate)
    remote = signing.signer_digest(
        prepared_pdf, signing_cert=signing_cert, chain=chain, block=block, places=places, signed_at=signed_at
    )
    key_algorithm = "rsa" if isinstance(signing_cert.public_key(), rsa.RSAPublicKey) else "ec"
    request_id = provider.start(
        account=certificate.remote_account, credential_id=certificate.remote_credential_id, digest=remote.digest,
        key_algorithm=key_algorithm, description=description,
    )
    now = timezone.now()
    try:
        with transaction.atomic():
            request = RemoteSigningRequest(
                certificate=certificate, purpose=purpose, object_id=object_id, status=Status.PENDING,
                provider_request_id=request_id, created_at=now,
                expires_at=now + timedelta(seconds=settings.REMOTE_SIGNING_TIMEOUT_SECONDS),
                state={"engine": remote.state, "digest": base64.b64encode(remote.digest).decode("ascii"),
                       "signed_at": signed_at.isoformat(), "polled_at": now.isoformat(),
                       "context": context or {}},
            )
            request.prepared.save(f"{uuid.uuid4().hex}.pdf", ContentFile(remote.pdf), save=False)
            request.save()
    except IntegrityError:
        _cancel_at_provider(provider, request_id)
        raise SigningError(ALREADY_PENDING) from None
    transaction.on_commit(lambda: _schedule_poll(request.pk))
    logger.info("remote signing request %s started (%s %s)", request.pk, purpose, object_id)
    return request


# --- poll -----------------------------------------------------------------------------------------------

def _expired(request):
    return timezone.now() >= request.expires_at


def _cancel_at_provider(provider, request_id):
    try:
        provider.cancel(request_id)
    except SigningError as exc:
        logger.info("remote signing request %s not cancelled at the provider: %s", request_id, exc)


def _note(request, **state):
    """Record where polling stands without touching the status (a concurrent finish wins)."""
    state = {**request.state, **state, "polled_at": timezone.now().isoformat()}
    RemoteSigningRequest.objects.filter(pk=request.pk, status=Status.PENDING).update(state=state)
    request.state = state
    return request


def _call_handler(request):
    handler = _finished_handlers.get(request.purpose)
    if handler is not None:
        handler(request)


def _finish(request, status, message, *, result=None, provider=None, state=None):
    """Move the request from pending to `status` once; returns it as recorded (maybe finished by another)."""
    try:
        with transaction.atomic():
            locked = RemoteSigningRequest.objects.select_for_update().select_related("certificate").get(pk=request.pk)
            if locked.status != Status.PENDING:
                return locked
            locked.state = {**locked.state, **(state or {})}
            if result is not None:
                locked.state = {**locked.state, "result_name": default_storage.save(
                    f"pki/remote/{uuid.uuid4().hex}-signed.pdf", ContentFile(result))}
            locked.status, locked.message, locked.finished_at = status, message, timezone.now()
            locked.save(update_fields=["status", "message", "finished_at", "state"])
            _call_handler(locked)
    except (SigningError, ValidationError, PermissionDenied) as exc:
        if status != Status.COMPLETED:
            raise
        if locked.state.get("result_name"):
            default_storage.delete(locked.state["result_name"])
        return _finish(request, Status.FAILED, _error_text(exc))
    if provider is not None and status in (Status.EXPIRED, Status.CANCELLED):
        transaction.on_commit(lambda: _cancel_at_provider(provider, locked.provider_request_id))
    logger.info("remote signing request %s %s", locked.pk, status)
    return locked


def _error_text(exc):
    if isinstance(exc, ValidationError):
        return " ".join(exc.messages)
    return str(exc) or _("Không hoàn tất được chữ ký số từ xa.")


def _complete(request, signature):
    """The signature arrived: finish the PDF (timestamp, revocation info) and record it, once."""
    if RemoteSigningRequest.objects.filter(pk=request.pk, status=Status.PENDING).exists():
        remote = signing.RemoteSigning(pdf=_prepared_bytes(request), state=request.state["engine"])
        try:
            signed = signing.signer_finish(remote, signature)
        except TRANSIENT as exc:
            if _expired(request):
                return _finish(request, Status.FAILED, str(exc))
            return _note(request, last_error=str(exc))
        except SigningError as exc:
            return _finish(request, Status.FAILED, str(exc))
        return _finish(request, Status.COMPLETED, "", result=signed)
    return RemoteSigningRequest.objects.get(pk=request.pk)


def remote_poll(request) -> RemoteSigningRequest:
    """Ask the provider where a pending request stands and record any final answer; safe to run twice.

    Completed: the signed PDF is stored (remote_result_bytes). Refused, expired (at the provider or after
    settings.REMOTE_SIGNING_TIMEOUT_SECONDS) or failed: a Vietnamese message says so. An unreachable provider
    keeps the request pending until it expires; then it fails with the unreachable message.
    """
    request = RemoteSigningRequest.objects.select_related("certificate").get(pk=request.pk)
    if request.status != Status.PENDING:
        return request
    try:
        provider = provider_for(request.certificate.remote_provider)
        poll = provider.poll(request.provider_request_id)
    except RemoteUnavailable as exc:
        if _expired(request):
            return _finish(request, Status.FAILED, str(exc))
        return _note(request, last_error=str(exc))
    except RemoteRejected as exc:
        return _finish(request, Status.FAILED, str(exc), state={"provider_message": exc.detail})
    except SigningError as exc:
        return _finish(request, Status.FAILED, str(exc))
    if poll.outcome == Outcome.SIGNED:
        return _complete(request, poll.signature)
    if poll.outcome == Outcome.PENDING:
        if _expired(request):
            return _finish(request, Status.EXPIRED, _final_message(Status.EXPIRED), provider=provider)
        return _note(request, last_error="")
    status = {Outcome.REFUSED: Status.REFUSED, Outcome.EXPIRED: Status.EXPIRED,
              Outcome.CANCELLED: Status.CANCELLED}[poll.outcome]
    return _finish(request, status, _final_message(status), state={"provider_message": poll.message})


def remote_cancel(*, request, user) -> RemoteSigningRequest:
    """The certificate's owner withdraws their pending request; anyone else gets PermissionDenied and a
    request that has already ended a ValidationError."""
    if request.certificate.user_id != getattr(user, "pk", None):
        raise PermissionDenied(_("Chỉ người ký mới hủy được yêu cầu ký của mình."))
    finished = ValidationError(_("Yêu cầu ký đã kết thúc, không hủy được nữa."), code="finished")
    if request.status != Status.PENDING:
        raise finished
    try:
        provider = provider_for(request.certificate.remote_provider)
    except RemoteNotConfigured:
        provider = None
    result = _finish(request, Status.CANCELLED, _final_message(Status.CANCELLED), provider=provider)
    if result.status != Status.CANCELLED:
        raise finished
    return result


def remote_abandon(*, request, message="") -> RemoteSigningRequest:
    """The portal stops waiting (what was to be signed moved on, e.g. a withdrawn draft): a pending request
    becomes cancelled, withdrawn at the provider too; one already ended is returned as it is."""
    try:
        provider = provider_for(request.certificate.remote_provider)
    except RemoteNotConfigured:
        provider = None
    return _finish(request, Status.CANCELLED, message or _final_message(Status.CANCELLED), provider=provider)


def remote_stale_ids(*, older_than_seconds=30):
    """Pending requests nobody has polled lately (a worker restarted, a lost countdown): poll them again."""
    cutoff = timezone.now() - timedelta(seconds=older_than_seconds)
    return [
        request.pk for request in RemoteSigningRequest.objects.filter(status=Status.PENDING).only("pk", "state")
        if request.state.get("polled_at", "") < cutoff.isoformat()
    ]


# --- files ----------------------------------------------------------------------------------------------

def _prepared_bytes(request):
    with request.prepared.open("rb") as handle:
        return handle.read()


def remote_result_bytes(request) -> bytes:
    """The signed PDF of a completed request (revisions 2-3 of docs/signatures.md)."""
    name = request.state.get("result_name")
    if request.status != Status.COMPLETED or not name:
        raise ValueError("the request has no signed result")
    with default_storage.open(name, "rb") as handle:
        return handle.read()


# --- certificates held by a provider --------------------------------------------------------------------

def _pem(cert):
    return cert.public_bytes(serialization.Encoding.PEM).decode("ascii")


def remote_certificate_register(*, user, provider_name, account, credential_id="") -> PersonalCertificate:
    """Make the person's credential at a remote signing service their active signing certificate.

    Reads the certificate chain from the provider (the first credential of `account` unless one is named);
    the previous active certificate stays, inactive. Raises SigningError when the service refuses or has none.
    """
    provider = provider_for(provider_name)
    if not credential_id:
        found = provider.credentials(account)
        if not found:
            raise RemoteRejected(f"no credential for {account}")
        credential_id = found[0]
    info = provider.credential_info(credential_id)
    if not info.certificates:
        raise RemoteRejected(f"no certificate for {credential_id}")
    cert, *chain = (x509.load_der_x509_certificate(der) for der in info.certificates)
    with transaction.atomic():
        PersonalCertificate.objects.filter(user=user, is_active=True).update(is_active=False)
        names = cert.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)
        return PersonalCertificate.objects.create(
            user=user, store=KeyStore.REMOTE, remote_provider=provider_name, remote_account=account,
            remote_credential_id=credential_id,
            subject_cn=(str(names[0].value) if names else cert.subject.rfc4514_string())[:255],
            subject_dn=cert.subject.rfc4514_string(), issuer_dn=cert.issuer.rfc4514_string(),
            serial_number=format(cert.serial_number, "X"),
            not_before=cert.not_valid_before_utc, not_after=cert.not_valid_after_utc,
            fingerprint_sha256=cert.fingerprint(hashes.SHA256()).hex(),
            certificate_pem=_pem(cert), chain_pem="".join(_pem(c) for c in chain),
            is_active=True, uploaded_by=user,
        )
