"""Writing actions of the intake app: mailbox settings, reading a mailbox, and the clerk's triage."""

import hashlib
import logging
import uuid
from dataclasses import dataclass
from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role
from core.validators import is_official_domain
from incidents.services import incident_mailbox_checked

from . import imap, lifecycle, selectors
from .automatic import automatic_mail_received, classify
from .hints import extract_hints
from .hosts import validate_mail_host
from .models import InboundAttachment, InboundMessage, Mailbox
from .parsing import parse_message
from .screening import SignatureVerdict, check_signature, screen

logger = logging.getLogger(__name__)

POLL_LEASE = timedelta(minutes=10)  # a run that dies stops blocking the next one after this
MAX_MESSAGES_PER_RUN = 500  # the next run goes on from where this one stopped


# --- Settings ---------------------------------------------------------------------------------------

@transaction.atomic
def mailbox_save(*, admin, host, port, security, username, folder, enabled, password=""):
    """Create or change the admin's agency mailbox. A blank password keeps the stored one.

    Pointing at another server, account or folder starts reading it from its first message; what was
    already imported is recognised by its bytes, or its Message-ID and content, and not imported again.
    """
    if not (admin and admin.has_role(Role.ADMIN)):
        raise PermissionDenied(_("Chỉ quản trị của cơ quan mới được thay đổi hộp thư."))
    mailbox = Mailbox.objects.select_for_update().filter(agency=admin.agency).first() or Mailbox(agency=admin.agency)
    moved = (mailbox.host, mailbox.username, mailbox.folder) != (host, username, folder)
    mailbox.host, mailbox.port, mailbox.security = host.strip(), port, security
    mailbox.username, mailbox.folder, mailbox.enabled = username.strip(), folder.strip() or "INBOX", enabled
    if password:
        mailbox.set_password(password)
    if not mailbox.has_password:
        raise ValidationError({"password": _("Hãy nhập mật khẩu hộp thư.")})
    if moved and mailbox.pk:
        mailbox.uidvalidity, mailbox.last_uid = None, 0
    try:
        validate_mail_host(mailbox.host, mailbox.port)
    except ValidationError as exc:
        raise ValidationError({"host": exc.messages}) from None
    mailbox.full_clean()
    mailbox.save()
    return mailbox


# --- Reading the mailbox ----------------------------------------------------------------------------

@dataclass
class PollResult:
    status: str  # ok, busy, disabled, error
    imported: int = 0
    duplicates: int = 0
    automatic: int = 0  # bounces and auto-replies, handled without the clerk (intake.automatic)
    error: str = ""
    remaining: bool = False  # stopped at MAX_MESSAGES_PER_RUN; the next run goes on

    def as_dict(self):
        return {"status": self.status, "imported": self.imported, "duplicates": self.duplicates,
                "automatic": self.automatic, "error": self.error, "remaining": self.remaining}


class _LeaseLost(Exception):
    """Another run took the mailbox over (this one outlived its lease)."""


def _mailbox_claim(mailbox_id, token):
    """Take the mailbox for this run, or say why not. Never waits for another run."""
    with transaction.atomic():
        # skip_locked: while another run holds the row, this one gets nothing and returns at once.
        mailbox = Mailbox.objects.select_for_update(skip_locked=True).filter(pk=mailbox_id).first()
        if mailbox is None:
            return "busy" if Mailbox.objects.filter(pk=mailbox_id).exists() else "missing"
        if not mailbox.enabled:
            return "disabled"
        now = timezone.now()
        if mailbox.poll_token and mailbox.poll_lease_until and mailbox.poll_lease_until > now:
            return "busy"
        mailbox.poll_token, mailbox.poll_lease_until = token, now + POLL_LEASE
        mailbox.save(update_fields=["poll_token", "poll_lease_until"])
    return "claimed"


def _locked_mailbox(mailbox_id, token):
    mailbox = Mailbox.objects.select_for_update(of=("self",)).select_related("agency").get(pk=mailbox_id)
    if mailbox.poll_token != token:
        raise _LeaseLost
    return mailbox


def _mailbox_set_uidvalidity(mailbox_id, token, uidvalidity):
    with transaction.atomic():
        mailbox = _locked_mailbox(mailbox_id, token)
        if mailbox.uidvalidity != uidvalidity:
            if mailbox.uidvalidity is not None:
                logger.warning("Mailbox %s: UIDVALIDITY changed %s -> %s, scanning again",
                               mailbox_id, mailbox.uidvalidity, uidvalidity)
            mailbox.uidvalidity, mailbox.last_uid = uidvalidity, 0
            mailbox.save(update_fields=["uidvalidity", "last_uid"])
        return mailbox.last_uid


def _mailbox_finish(mailbox_id, token, error=""):
    with transaction.atomic():
        mailbox = Mailbox.objects.select_for_update().get(pk=mailbox_id)
        now = timezone.now()
        mailbox.last_checked_at = now
        if error:
            mailbox.last_error, mailbox.last_error_at = error, now
            mailbox.consecutive_failures += 1
        else:  # reading resumes by itself when the fault clears
            mailbox.last_success_at, mailbox.last_error, mailbox.last_error_at = now, "", None
            mailbox.consecutive_failures = 0
        if mailbox.poll_token == token:
            mailbox.poll_token, mailbox.poll_lease_until = None, None
        mailbox.save(update_fields=["last_checked_at", "last_success_at", "last_error", "last_error_at",
                                    "consecutive_failures", "poll_token", "poll_lease_until"])
        incident_mailbox_checked(mailbox, error)


def mailbox_poll(mailbox_id):
    """Import the messages that arrived since the last run; safe to run twice, or twice at once.

    Expects an enabled mailbox. Each message is stored (raw, parsed, attachments) and last_uid advanced in
    one transaction, so a run that stops half-way loses nothing and repeats nothing.
    """
    token = uuid.uuid4()
    claim = _mailbox_claim(mailbox_id, token)
    if claim != "claimed":
        return PollResult(status=claim)
    result = PollResult(status="ok")
    try:
        mailbox = Mailbox.objects.get(pk=mailbox_id)
        with imap.open_session(mailbox) as session:
            uidvalidity = session.examine(mailbox.folder)
            last_uid = _mailbox_set_uidvalidity(mailbox_id, token, uidvalidity)
            uids = session.uids_after(last_uid)
            result.remaining = len(uids) > MAX_MESSAGES_PER_RUN
            for batch in session.batches(uids[:MAX_MESSAGES_PER_RUN]):
                for fetched in session.fetch(batch):
                    created = inbound_import(mailbox_id, token, uidvalidity, fetched)
                    if created == AUTOMATIC:
                        result.automatic += 1
                    elif created is False:
                        result.duplicates += 1
                    elif created is not None:
                        result.imported += 1
    except imap.MailboxError as exc:
        result.status, result.error = "error", exc.message
        _mailbox_finish(mailbox_id, token, error=exc.message)
        return result
    except _LeaseLost:
        return PollResult(status="busy", imported=result.imported)
    except Exception as exc:
        _mailbox_finish(mailbox_id, token, error=_("Lỗi không mong đợi khi lưu thư: %(detail)s. Lần đọc sau sẽ "
                                                   "thử lại từ thư chưa lưu.") % {"detail": exc})
        raise
    _mailbox_finish(mailbox_id, token)
    return result


def _earlier_copy(agency, digest, message_id, parsed):
    """(already imported, first item with this Message-ID).

    The same bytes, or the same Message-ID with the same subject, body and files (a resend, another server
    after a move), were already imported. The same Message-ID with other content is imported again, linked
    to the first, so that the clerk sees both before registering either.
    """
    if InboundMessage.objects.filter(agency=agency, raw_sha256=digest).exists():
        return True, None
    if not message_id:
        return False, None
    first = InboundMessage.objects.filter(agency=agency, message_id=message_id).order_by("pk").first()
    if first is None:
        return False, None
    files = sorted(hashlib.sha256(item.data).hexdigest() for item in parsed.attachments)
    same = (first.subject, first.body_text, sorted(first.attachments.values_list("sha256", flat=True))) == (
        parsed.subject, parsed.body_text, files)
    return same, None if same else first


AUTOMATIC = "automatic"


def inbound_import(mailbox_id, token, uidvalidity, fetched):
    """Store one fetched message and move last_uid past it, together.

    Returns the new InboundMessage, False for a message already imported under another UID (same bytes, or
    same Message-ID and content), None when this UID was already done, or AUTOMATIC for a bounce or an
    auto-reply, handed to intake.automatic's handlers instead of becoming an item for the clerk.
    """
    parsed = parse_message(fetched.raw)  # parsing and screening happen before any lock is taken
    automatic = classify(fetched.raw, subject=parsed.subject,
                         has_files=any(not item.is_inline for item in parsed.attachments))
    if automatic is not None:
        return _automatic_import(mailbox_id, token, uidvalidity, fetched, automatic)
    verdicts = [screen(item.filename, item.content_type, item.data) for item in parsed.attachments]
    # Signatures are checked now, not at registering: the clerk decides with the verdict in front of them.
    signatures = [check_signature(verdict.sniffed_type, item.data) if verdict.accepted else SignatureVerdict()
                  for item, verdict in zip(parsed.attachments, verdicts, strict=True)]
    digest = hashlib.sha256(fetched.raw).hexdigest()
    written = []
    try:
        with transaction.atomic():
            mailbox = _locked_mailbox(mailbox_id, token)
            if mailbox.uidvalidity != uidvalidity or fetched.uid <= mailbox.last_uid:
                return None
            created = False
            known, first = _earlier_copy(mailbox.agency, digest, parsed.message_id[:998], parsed)
            if not known:
                checks = list(zip(verdicts, signatures, strict=True))
                created = _inbound_create(mailbox, uidvalidity, fetched, parsed, checks, digest, written,
                                          duplicate_of=first)
            mailbox.last_uid = fetched.uid
            mailbox.poll_lease_until = timezone.now() + POLL_LEASE
            mailbox.save(update_fields=["last_uid", "poll_lease_until"])
            return created
    except BaseException:
        for file in written:  # the rows are gone; so must the files be
            file.storage.delete(file.name)
        raise


@transaction.atomic
def _automatic_import(mailbox_id, token, uidvalidity, fetched, report):
    mailbox = _locked_mailbox(mailbox_id, token)
    if mailbox.uidvalidity != uidvalidity or fetched.uid <= mailbox.last_uid:
        return None
    automatic_mail_received(mailbox, report, fetched.internaldate or timezone.now())
    mailbox.last_uid = fetched.uid
    mailbox.poll_lease_until = timezone.now() + POLL_LEASE
    mailbox.save(update_fields=["last_uid", "poll_lease_until"])
    return AUTOMATIC


def _inbound_create(mailbox, uidvalidity, fetched, parsed, checks, digest, written, duplicate_of=None):
    agency = mailbox.agency
    verdicts = [verdict for verdict, _signature in checks]
    domain = parsed.sender_email.rpartition("@")[2]
    official = bool(parsed.sender_email) and is_official_domain(domain)
    warnings = list(parsed.warnings)
    if parsed.sender_email and not official:
        warnings.append(_("Người gửi không dùng địa chỉ thư điện tử công vụ (%(domain)s); cần xác minh trước khi "
                          "vào sổ.") % {"domain": domain})
    refused = [item for item, verdict in zip(parsed.attachments, verdicts, strict=True) if not verdict.accepted]
    if refused:
        warnings.append(_("%(count)s tệp đính kèm bị từ chối và được cách ly: %(names)s.")
                        % {"count": len(refused), "names": ", ".join(item.filename for item in refused)})
    hints = extract_hints(parsed.subject, parsed.body_text, [item.filename for item in parsed.attachments])
    issuer_agency, issuer_unit = selectors.issuer_for_address(parsed.sender_email)
    has_files = any(not item.is_inline for item in parsed.attachments)

    message = InboundMessage(
        agency=agency, mailbox=mailbox, uidvalidity=uidvalidity, uid=fetched.uid,
        message_id=parsed.message_id[:998], raw_sha256=digest,
        sender_name=parsed.sender_name[:255], sender_email=parsed.sender_email[:320], sender_is_official=official,
        subject=parsed.subject, body_text=parsed.body_text, sent_at=parsed.sent_at,
        received_at=fetched.internaldate or timezone.now(),
        status=lifecycle.initial_status(has_files=has_files),
        warnings=warnings,
        hint_number_notation=hints.number_notation, hint_document_date=hints.document_date,
        hint_document_type=hints.document_type, hint_issuing_agency=issuer_agency, hint_issuing_unit=issuer_unit,
        duplicate_of=duplicate_of,
    )
    message.raw.save("message.eml", ContentFile(fetched.raw), save=False)
    written.append(message.raw)
    message.save()
    for item, (verdict, signature) in zip(parsed.attachments, checks, strict=True):
        attachment = InboundAttachment(
            message=message, filename=item.filename[:255], declared_content_type=item.content_type[:255],
            sniffed_content_type=verdict.sniffed_type[:255], size=len(item.data),
            sha256=hashlib.sha256(item.data).hexdigest(), is_inline=item.is_inline,
            verdict=InboundAttachment.Verdict.ACCEPTED if verdict.accepted else InboundAttachment.Verdict.REFUSED,
            refusal_reason=verdict.reason, active_content=list(verdict.active),
            signature=signature.status, signature_summary=signature.summary, signer=signature.signer,
            signed_at=signature.signed_at,
        )
        attachment.file.save("attachment", ContentFile(item.data), save=False)
        written.append(attachment.file)
        attachment.save()
    return message


# --- The clerk's triage -----------------------------------------------------------------------------

@transaction.atomic
def inbound_set_status(*, membership, message, status, allowed=None):
    """Move a message to `status` along intake/lifecycle.py (the register moves it to registered when it takes
    it in); `allowed` limits which transitions the caller offers, e.g. the mailbox page only triages."""
    if status not in InboundMessage.Status.values:
        raise ValidationError(_("Trạng thái không hợp lệ."))
    message = InboundMessage.objects.select_for_update().get(pk=message.pk)
    transition = lifecycle.find(message, status)
    if transition is None or (allowed is not None and transition.name not in allowed):
        lifecycle.ensure_actor(membership, message)  # a stranger learns nothing about the state
        raise ValidationError(_("Không thể chuyển thư từ “%(current)s” sang “%(target)s”.") % {
            "current": message.get_status_display(), "target": InboundMessage.Status(status).label})
    return lifecycle.apply(membership, message, transition.name)


@transaction.atomic
def inbound_triage(*, membership, message, status):
    """What the clerk does from the mailbox page: the triage moves of intake/lifecycle.py only (TRIAGE);
    registering belongs to the documents register."""
    return inbound_set_status(membership=membership, message=message, status=status, allowed=lifecycle.TRIAGE)
