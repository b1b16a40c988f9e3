"""Writing actions on incoming documents: arrival, registering, routing, handling, replying."""

import datetime

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import Role
from core import files as core_files
from core.text import fold
from intake.models import InboundAttachment, InboundMessage
from intake.services import inbound_set_status
from ocr.services import text_request
from pki.validation import validate_pdf

from .. import extensions
from .. import incoming_workflow as workflow
from ..incidents import incident_signature_checked
from ..models import (
    Assignment,
    DocumentType,
    Incoming,
    IncomingEvent,
    IncomingFile,
    Recipient,
    Register,
    SignatureStatus,
)
from ..numbering import number_take, register_for

METADATA_FIELDS = ("sender_agency", "sender_name", "notation", "doc_date", "doc_type", "summary", "secrecy",
                   "urgency", "note")


class DuplicateWarning(ValidationError):
    """The same number and notation from the same issuer is already in the register."""


# The steps whose status the sender hears (edXML): the others leave the status as it was.
_TOLD = {"arrive", "register", "refuse", "route", "progress", "complete"}


def _event(incoming, action, actor=None, text=""):
    """Record a step. Its text is part of the record, written in Vietnamese whatever the UI language."""
    IncomingEvent.objects.create(incoming=incoming, action=action, actor=actor, status=incoming.status, text=text)
    if action in _TOLD:
        extensions.incoming_status(incoming, incoming.status, text if action == "refuse" else "")


def _locked(incoming):
    return Incoming.objects.select_for_update().get(pk=incoming.pk)


def files_check_signatures(incoming):
    """Keep on each file what it is (the type it is served as, any active content, kept as evidence and
    flagged) and, for every PDF, the verdict on its signatures."""
    for file in incoming.files.all():
        with file.file.open("rb") as handle:
            data = handle.read()
        with translation.override("vi"):  # the findings are part of the record
            facts = core_files.inspect(data, file.name)
        file.content_type, file.active_content = facts.content_type, list(facts.active)
        file.save(update_fields=["content_type", "active_content"])
        if facts.kind != core_files.Kind.PDF:
            continue
        report = validate_pdf(data)
        if not report.signed:
            status, summary, signer, signed_at = SignatureStatus.UNSIGNED, report.summary, "", None
        else:
            signature = report.last_signer or report.signatures[-1]
            statuses = {s.status for s in report.signatures}
            if statuses - {"valid", "untrusted"}:  # broken, changed after signing, or revoked before it
                status = SignatureStatus.INVALID
            elif "untrusted" in statuses:
                status = SignatureStatus.UNTRUSTED
            else:
                status = SignatureStatus.VALID
            summary = " ".join(s.summary for s in report.signatures)
            signer, signed_at = signature.signer_name, signature.signed_at
        file.signature_status, file.signature_summary = status, summary
        file.signer, file.signed_at = signer[:255], signed_at
        file.save(update_fields=["signature_status", "signature_summary", "signer", "signed_at"])
        incident_signature_checked(file)


def files_text_request(incoming):
    """Ask for the text of every file (ocr: text layer or OCR, by a task after commit; search indexes it)."""
    for file in incoming.files.all():
        text_request(file, "file", sha256=file.sha256)


def incoming_arrived(incoming):
    """Record an arrival (the sender sees 01 the same moment) and check the files' signatures."""
    _event(incoming, "arrive")
    files_check_signatures(incoming)
    files_text_request(incoming)


def duplicates_of(incoming):
    """Registered documents of the agency with the same number and notation from the same issuer."""
    if not incoming.notation:
        return Incoming.objects.none()
    same = Incoming.objects.filter(agency=incoming.agency, arrival_number__isnull=False,
                                   notation__iexact=incoming.notation.strip()).exclude(pk=incoming.pk)
    if incoming.sender_agency_id:
        return same.filter(sender_agency=incoming.sender_agency)
    return [other for other in same if fold(other.sender_name) == fold(incoming.sender_name)]


def _register(membership, incoming, confirm_duplicate, metadata):
    for field in METADATA_FIELDS:
        if field in metadata:
            setattr(incoming, field, metadata[field])
    if incoming.sender_agency_id and not incoming.sender_name:
        incoming.sender_name = incoming.sender_agency.name
    if not incoming.sender_name or not incoming.summary:
        raise ValidationError(_("Cần ghi cơ quan ban hành và trích yếu trước khi vào sổ."))
    duplicates = list(duplicates_of(incoming))
    if duplicates and not confirm_duplicate:
        first = duplicates[0]
        raise DuplicateWarning(
            _("Văn bản số %(notation)s của %(sender)s đã được vào sổ (số đến %(number)s ngày %(date)s). "
              "Nếu đây là bản khác, hãy xác nhận để vào sổ tiếp.")
            % {"notation": first.notation, "sender": first.sender_name, "number": first.arrival_number,
               "date": timezone.localtime(first.registered_at).strftime("%d/%m/%Y")},
            code="duplicate",
        )
    incoming.register = register_for(incoming.agency, Register.Kind.INCOMING)
    taken = number_take(incoming.register)
    incoming.year, incoming.arrival_number = taken.year, taken.value
    incoming.registered_at, incoming.registered_by = taken.at, membership.user
    workflow.advance(membership, incoming, "register")
    incoming.save()
    _event(incoming, "register", membership.user, f"Số đến {incoming.arrival_number}")
    return incoming


@transaction.atomic
def incoming_register(*, membership, incoming, confirm_duplicate=False, **metadata):
    """Arrived → accepted: the clerk confirms the metadata and the document takes the next arrival number
    (số đến), continuous through the year for paper and electronic documents alike."""
    incoming = _locked(incoming)
    workflow.check(membership, incoming, "register")
    return _register(membership, incoming, confirm_duplicate, metadata)


@transaction.atomic
def incoming_refuse(*, membership, incoming, reason):
    """Arrived → refused (02), with the reason the sender will see."""
    if not reason.strip():
        raise ValidationError(_("Hãy ghi lý do từ chối để cơ quan gửi biết."))
    incoming = _locked(incoming)
    workflow.advance(membership, incoming, "refuse")
    incoming.status_reason = reason
    incoming.save(update_fields=["status", "status_reason"])
    _event(incoming, "refuse", membership.user, reason)
    return incoming


def _clerk_of_agency(membership):
    if not (membership and membership.has_role(Role.CLERK)):
        raise PermissionDenied(_("Chỉ văn thư được vào sổ văn bản đến."))


@transaction.atomic
def incoming_from_paper(*, membership, scans, confirm_duplicate=False, **metadata):
    """A paper document: the clerk uploads its scan and types its metadata; it is registered at once."""
    _clerk_of_agency(membership)
    if not scans:
        raise ValidationError(_("Cần tải lên bản quét của văn bản giấy."))
    # Each scan must open as what it is before anything is written or a number taken.
    for upload in scans:
        core_files.check_scan(upload.name, core_files.read_upload(upload))
    incoming = Incoming.objects.create(agency=membership.agency, source=Incoming.Source.PAPER,
                                       sender_name=metadata.get("sender_name") or "", summary=metadata.get("summary") or "")
    # A refusal after the files are written (a duplicate to confirm) takes them off the disk again.
    with core_files.removed_on_error() as written:
        for position, upload in enumerate(scans):
            kind = IncomingFile.Kind.MAIN if position == 0 else IncomingFile.Kind.ATTACHMENT
            stored = IncomingFile.objects.create(
                incoming=incoming, kind=kind, name=core_files.display_name(upload.name), file=upload,
                size=upload.size, sha256=core_files.sha256(core_files.read_upload(upload)))
            written.append(stored.file)
        _event(incoming, "arrive", membership.user, "Bản giấy")
        _register(membership, incoming, confirm_duplicate, metadata)
        files_check_signatures(incoming)
        files_text_request(incoming)
    return incoming


@transaction.atomic
def incoming_from_email(*, membership, inbound, confirm_duplicate=False, **metadata):
    """A message of the agency mailbox becomes a registered incoming document with its accepted files."""
    _clerk_of_agency(membership)
    if inbound.agency_id != membership.agency_id:
        raise PermissionDenied
    if inbound.status == InboundMessage.Status.REGISTERED:
        raise ValidationError(_("Thư này đã được vào sổ."))
    incoming = Incoming.objects.create(agency=membership.agency, source=Incoming.Source.EMAIL, inbound=inbound,
                                       sender_name=metadata.get("sender_name") or inbound.sender_name or inbound.sender_email,
                                       summary=metadata.get("summary") or inbound.subject)
    accepted = inbound.attachments.filter(verdict=InboundAttachment.Verdict.ACCEPTED, is_inline=False)
    for position, attachment in enumerate(accepted.order_by("pk")):
        kind = IncomingFile.Kind.MAIN if position == 0 else IncomingFile.Kind.ATTACHMENT
        IncomingFile.objects.create(incoming=incoming, kind=kind, name=attachment.filename, file=attachment.file.name,
                                    size=attachment.size, sha256=attachment.sha256)
    _event(incoming, "arrive", membership.user, f"Thư điện tử từ {inbound.sender_email}")
    _register(membership, incoming, confirm_duplicate, metadata)
    inbound_set_status(membership=membership, message=inbound, status=InboundMessage.Status.REGISTERED)
    files_check_signatures(incoming)
    files_text_request(incoming)
    return incoming


def default_due_date(urgency, start=None):
    days = settings.INCOMING_DUE_DAYS.get(urgency or "", settings.INCOMING_DUE_DAYS[""])
    return (start or timezone.localdate()) + datetime.timedelta(days=days)


@transaction.atomic
def incoming_route(*, membership, incoming, lead_unit=None, lead_member=None, cooperate_units=(),
                   cooperate_members=(), inform_units=(), inform_members=(), instructions="", due_date=None):
    """A leader routes a registered document: one lead (a unit or a person), co-operating and for-information
    ones, instructions and a due date (from the urgency unless given). Routing again replaces the last one."""
    incoming = _locked(incoming)
    workflow.check(membership, incoming, "route")
    if bool(lead_unit) == bool(lead_member):
        raise ValidationError(_("Chọn đúng một đơn vị hoặc một người chủ trì."))
    units = [u for u in [lead_unit, *cooperate_units, *inform_units] if u]
    members = [m for m in [lead_member, *cooperate_members, *inform_members] if m]
    if any(u.agency_id != incoming.agency_id for u in units) or any(
        m.agency_id != incoming.agency_id or not m.is_active for m in members
    ):
        raise ValidationError(_("Chỉ phân công cho đơn vị và cán bộ của cơ quan mình."))
    incoming.assignments.update(is_current=False)
    rows = [Assignment(incoming=incoming, role=Assignment.Role.LEAD, unit=lead_unit, member=lead_member)]
    for role, unit_list, member_list in ((Assignment.Role.COOPERATE, cooperate_units, cooperate_members),
                                         (Assignment.Role.INFORM, inform_units, inform_members)):
        rows += [Assignment(incoming=incoming, role=role, unit=u) for u in unit_list]
        rows += [Assignment(incoming=incoming, role=role, member=m) for m in member_list]
    Assignment.objects.bulk_create(rows)
    workflow.advance(membership, incoming, "route")
    incoming.instructions = instructions
    incoming.due_date = due_date or default_due_date(incoming.urgency)
    incoming.routed_at, incoming.routed_by = timezone.now(), membership.user
    incoming.save()
    lead = lead_unit.name if lead_unit else lead_member.user.full_name
    _event(incoming, "route", membership.user,
           f"Chủ trì: {lead}; hạn {incoming.due_date:%d/%m/%Y}. {instructions}".strip())
    return incoming


@transaction.atomic
def incoming_progress(*, membership, incoming, text):
    """The lead records progress: the document is in progress (05)."""
    if not text.strip():
        raise ValidationError(_("Hãy ghi nội dung tiến độ."))
    incoming = _locked(incoming)
    workflow.advance(membership, incoming, "progress")
    incoming.save(update_fields=["status"])
    _event(incoming, "progress", membership.user, text)
    return incoming


@transaction.atomic
def incoming_input(*, membership, incoming, text):
    """A co-operating unit or person adds their input."""
    if not text.strip():
        raise ValidationError(_("Hãy ghi nội dung góp ý."))
    incoming = _locked(incoming)
    workflow.check(membership, incoming, "input")
    _event(incoming, "input", membership.user, text)
    return incoming


@transaction.atomic
def incoming_complete(*, membership, incoming, result):
    """The lead completes the handling with its result: done (06)."""
    if not result.strip():
        raise ValidationError(_("Hãy ghi kết quả xử lý."))
    incoming = _locked(incoming)
    workflow.advance(membership, incoming, "complete")
    incoming.result = result
    incoming.completed_at, incoming.completed_by = timezone.now(), membership.user
    incoming.save(update_fields=["status", "result", "completed_at", "completed_by"])
    _event(incoming, "complete", membership.user, result)
    return incoming


def reply_recipient(incoming):
    """Who the reply is addressed to (“Kính gửi”): the issuing agency, else the sender's address."""
    if incoming.sender_agency_id:
        return {"kind": Recipient.Kind.AGENCY, "agency": incoming.sender_agency}
    if incoming.inbound_id and incoming.inbound.sender_email:
        return {"kind": Recipient.Kind.EMAIL, "email": incoming.inbound.sender_email,
                "name": incoming.sender_name or incoming.inbound.sender_email}
    return None


def reply_summary(incoming):
    """The summary proposed for a reply. It is document text, so Vietnamese whatever the UI language."""
    return f"V/v trả lời văn bản số {incoming.notation} của {incoming.sender_name}"


def reply_check(membership, incoming):
    workflow.check(membership, incoming, "reply")


def reply_recorded(membership, incoming, outgoing):
    _event(incoming, "reply", membership.user, f"Dự thảo trả lời #{outgoing.pk}")


def doc_type_from_hint(label):
    """The DocumentType whose name a mailbox hint gave (e.g. “Quyết định”), else công văn."""
    for value, name in DocumentType.choices:
        if fold(str(name)) == fold(label or ""):
            return value
    return DocumentType.CONG_VAN
