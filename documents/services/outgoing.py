"""Writing actions on outgoing documents: drafting, recipients, approval, issuing."""

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from core import files as core_files
from core.codes import lookup_code_new
from core.mail import mail_may_name
from core.storage import read_verified, save_once
from core.text import fold
from ocr.services import text_request
from pki.errors import SigningError
from pki.keystores import agency_signer, personal_signer
from pki.layout import SEAL_DIAMETER_MM
from pki.models import KeyStore, RemoteSigningRequest, SealImage, SignatureImage
from pki.remote import services as remote_services
from pki.selectors import certificate_for_signing, personal_certificate_for
from pki.signing import (
    SignerBlock,
    StampInfo,
    prepare_for_approval,
    seal_main,
    seal_prefetch,
    sign_as_signer,
    stamp_attachment,
)

from .. import extensions, noinhan, workflow
from ..appearance import seal_text_png
from ..mail_delivery import verify_url
from ..models import Delivery, Outgoing, OutgoingEvent, OutgoingFile, Recipient, Register, UnresolvedRecipientLine
from ..models.common import notation_for
from ..models.outgoing import SignerAuthority
from ..numbering import number_take, register_for
from ..tasks import outgoing_deliver
from . import incoming as incoming_services

DRAFT_FIELDS = ("doc_type", "summary", "secrecy", "urgency", "drafting_unit", "signer", "signer_authority",
                "signer_position", "archive_copies", "also_on_paper")


def _record(outgoing, membership, action, from_status, comment=""):
    OutgoingEvent.objects.create(
        outgoing=outgoing, action=action, actor=membership.user, from_status=from_status,
        to_status=outgoing.status, comment=comment,
    )


def _record_line(line, membership, move, recipient=None, reason=""):
    """A pasted line's move in the draft's history: who, the line, the recipient it became or left, why."""
    label = ""
    if recipient is not None:
        label = recipient.label
        if recipient.email and recipient.email != label:
            label = f"{label} <{recipient.email}>"
    OutgoingEvent.objects.create(
        outgoing=line.outgoing, action=move.event, actor=membership.user, from_status=line.outgoing.status,
        to_status=line.outgoing.status, comment=reason, line=line.text,
        recipient_kind=recipient.kind if recipient is not None else "", recipient_label=label,
    )


def _check_draft_fields(agency, data, current=None):
    unit, signer = data.get("drafting_unit"), data.get("signer")
    errors = {}
    if unit is not None and unit.agency_id != agency.pk:
        errors["drafting_unit"] = _("Đơn vị soạn thảo phải thuộc cơ quan ban hành.")
    if signer is not None and not (signer.agency_id == agency.pk and signer.is_leader and signer.is_active):
        errors["signer"] = _("Người ký phải là lãnh đạo đang công tác của cơ quan.")
    errors.update(_signer_block_errors(data, current))
    if errors:
        raise ValidationError(errors)


def _signer_block_errors(data, current):
    """Decree 30 Annex I item 7: a prefix names the title signed for; a deputy signs with a prefix (KT. …)."""
    def value(name, default=""):
        return data[name] if name in data else getattr(current, name, default)

    authority, position, signer = value("signer_authority"), value("signer_position"), value("signer", None)
    if authority and not (position or "").strip():
        return {"signer_position": _("Ghi chức danh được ký thay sau “%(prefix)s.”, ví dụ “CHỦ TỊCH”.")
                % {"prefix": authority}}
    if signer is not None and not authority and fold(signer.position).startswith("pho "):
        return {"signer_authority": _("Cấp phó (%(position)s) ký thay người đứng đầu: chọn thẩm quyền ký, "
                                      "thường là “KT.”, và ghi chức danh được ký thay.")
                % {"position": signer.position}}
    return {}


def _editable(membership, outgoing):
    """The document as it is now in the database, locked; refused unless it may be edited."""
    current = Outgoing.objects.select_for_update().get(pk=outgoing.pk)
    if not workflow.can_edit(membership, current):
        raise PermissionDenied(_("Văn bản ở trạng thái này không sửa được, hoặc bạn không có quyền sửa."))
    return current


def _check_signable(name, data):
    """A file the agency will sign: a sound PDF without active content (script, launch, embedded files...)."""
    core_files.check_pdf(name, data)


def _store_files(outgoing, main_file, attachments):
    # Every file is checked before any is written, so a refused upload leaves nothing on disk.
    uploads = ([main_file] if main_file is not None else []) + list(attachments or [])
    for upload in uploads:
        _check_signable(upload.name, core_files.read_upload(upload))
    with core_files.removed_on_error() as written:
        if main_file is not None:
            for old in outgoing.files.filter(kind=OutgoingFile.Kind.MAIN):
                _delete_after_commit(old)
                old.delete()
            stored = OutgoingFile.objects.create(outgoing=outgoing, kind=OutgoingFile.Kind.MAIN,
                                                 name=core_files.display_name(main_file.name), draft=main_file,
                                                 size=main_file.size)
            written.append(stored.draft)
        start = outgoing.files.filter(kind=OutgoingFile.Kind.ATTACHMENT).count()
        for position, upload in enumerate(attachments or [], start=start):
            stored = OutgoingFile.objects.create(outgoing=outgoing, kind=OutgoingFile.Kind.ATTACHMENT,
                                                 position=position, name=core_files.display_name(upload.name),
                                                 draft=upload, size=upload.size)
            written.append(stored.draft)


def _delete_after_commit(file):
    """A replaced file leaves the disk only once its row is gone for good."""
    for stored in (file.draft, file.approved, file.signed):
        if stored:
            storage, name = stored.storage, stored.name
            transaction.on_commit(lambda storage=storage, name=name: storage.delete(name))


def outgoing_create_check(membership, *, in_reply_to=None):
    """Raise unless this person may start a draft: a specialist or clerk, or, for a reply, whoever may reply to
    `in_reply_to` (ValidationError while it cannot be answered, PermissionDenied otherwise). The form page asks
    this before showing the form."""
    if in_reply_to is not None:
        incoming_services.reply_check(membership, in_reply_to)
    elif not membership.has_role(*workflow.DRAFTERS):
        raise PermissionDenied(_("Chỉ chuyên viên hoặc văn thư được soạn văn bản."))


@transaction.atomic
def outgoing_create(*, membership, main_file, attachments=(), in_reply_to=None, **data):
    """A specialist or clerk starts a draft in their agency; the main file must be a sound PDF.

    A reply to an incoming document (which the lead of its handling may also write) is linked to it
    and addressed (“Kính gửi”) to its sender.
    """
    outgoing_create_check(membership, in_reply_to=in_reply_to)
    if main_file is None:
        raise ValidationError({"main_file": _("Cần tệp văn bản chính (PDF).")})
    _check_draft_fields(membership.agency, data)
    outgoing = Outgoing.objects.create(
        agency=membership.agency, created_by=membership.user, in_reply_to=in_reply_to,
        **{k: data[k] for k in DRAFT_FIELDS if k in data},
    )
    _store_files(outgoing, main_file, attachments)
    _record(outgoing, membership, "create", "")
    if in_reply_to is not None:
        target = incoming_services.reply_recipient(in_reply_to)
        if target:
            Recipient.objects.create(outgoing=outgoing, role=Recipient.Role.KINH_GUI, **target)
        incoming_services.reply_recorded(membership, in_reply_to, outgoing)
    return outgoing


@transaction.atomic
def outgoing_create_addressed(*, membership, recipients=(), noi_nhan_text="", **create):
    """outgoing_create, with the recipients picked and the “Nơi nhận” block pasted on the same screen."""
    outgoing = outgoing_create(membership=membership, **create)
    for recipient in recipients:
        recipient_add(membership=membership, outgoing=outgoing, **recipient)
    if noi_nhan_text.strip():
        recipients_paste(membership=membership, outgoing=outgoing, text=noi_nhan_text)
    return outgoing


@transaction.atomic
def outgoing_update(*, membership, outgoing, main_file=None, attachments=(), **data):
    """Edit a draft or a returned draft (the only states that allow editing)."""
    outgoing = _editable(membership, outgoing)
    _check_draft_fields(outgoing.agency, data, current=outgoing)
    copies_before = outgoing.archive_copies
    for field in DRAFT_FIELDS:
        if field in data:
            setattr(outgoing, field, data[field])
    if outgoing.archive_copies != copies_before:
        outgoing.archive_text = noinhan.archive_with_copies(outgoing.archive_text, outgoing.archive_copies)
    outgoing.save()
    _store_files(outgoing, main_file, attachments)
    _record(outgoing, membership, "edit", outgoing.status)
    return outgoing


@transaction.atomic
def outgoing_signer_place(*, membership, outgoing, place):
    """Where the signer's signature goes: {"page", "x", "y"} in PDF points (docs/signatures.md), or None for
    the default place. Only while the draft may be edited: the signer signs the file as it is then."""
    outgoing = _editable(membership, outgoing)
    places = dict(outgoing.signature_places or {})
    if place is None:
        places.pop("signer", None)
        note = _("Vị trí chữ ký: mặc định")
    else:
        places["signer"] = {"page": int(place["page"]), "x": float(place["x"]), "y": float(place["y"])}
        note = _("Vị trí chữ ký: trang %(page)s") % {"page": int(place["page"]) + 1}
    outgoing.signature_places = places
    outgoing.save(update_fields=["signature_places", "updated_at"])
    _record(outgoing, membership, "edit", outgoing.status, note)
    return outgoing


def _validate_target(outgoing, kind, agency=None, unit=None, group=None, email="", name=""):
    if kind == Recipient.Kind.UNIT and (unit is None or unit.agency_id != outgoing.agency_id):
        raise ValidationError(_("Chỉ chọn được đơn vị thuộc cơ quan mình."))
    if kind == Recipient.Kind.GROUP and group is not None and group.owner_id not in (None, outgoing.agency_id):
        raise ValidationError(_("Nhóm nơi nhận không thuộc cơ quan."))
    if kind in (Recipient.Kind.EMAIL, Recipient.Kind.CITIZEN) and not email:
        raise ValidationError(_("Cần địa chỉ thư điện tử của nơi nhận."))
    if kind in (Recipient.Kind.EMAIL, Recipient.Kind.CITIZEN, Recipient.Kind.PAPER) and not name:
        raise ValidationError(_("Cần tên của nơi nhận."))


@transaction.atomic
def recipient_add(*, membership, outgoing, role=Recipient.Role.NOI_NHAN, kind, agency=None, unit=None, group=None,
                  name="", email="", dossier="", printed_as=""):
    outgoing = _editable(membership, outgoing)
    _validate_target(outgoing, kind, agency, unit, group, email, name)
    same = {"name": name} if kind == Recipient.Kind.PAPER else {}
    duplicate = outgoing.recipients.filter(kind=kind, agency=agency, unit=unit, group=group,
                                           email=email.lower(), **same).first()
    if duplicate:
        if duplicate.role != role and role == Recipient.Role.KINH_GUI:
            duplicate.role = role
            duplicate.save(update_fields=["role"])
        return duplicate
    position = outgoing.recipients.count()
    return Recipient.objects.create(
        outgoing=outgoing, role=role, kind=kind, agency=agency, unit=unit, group=group, name=name,
        email=email.lower(), dossier=dossier, position=position, printed_as=printed_as,
    )


@transaction.atomic
def recipient_remove(*, membership, recipient):
    """Remove a recipient of an editable draft; a pasted line mapped to it is open again, never lost."""
    _editable(membership, recipient.outgoing)
    for line in recipient.source_lines.select_for_update():
        move = workflow.line_move(line, "reopen")
        line.recipient, line.settled_by, line.settled_at = None, None, None
        line.save(update_fields=["state", "recipient", "settled_by", "settled_at"])
        _record_line(line, membership, move, recipient=recipient)
    recipient.delete()


@transaction.atomic
def recipients_paste(*, membership, outgoing, text):
    """Add every line of a pasted “Nơi nhận” block that matches; return the parsed lines.

    A line that matches nothing stays with the draft as an open UnresolvedRecipientLine (once, however
    often it is pasted) until it is mapped or dismissed with a reason.
    """
    outgoing = _editable(membership, outgoing)
    lines = noinhan.parse_noi_nhan(text, outgoing.agency)
    known = set(outgoing.unresolved_lines.values_list("text", flat=True))
    position = outgoing.unresolved_lines.count()
    for line in lines:
        if line.kind == "recipient":
            # Printed as written (“Sở Y tế (để b/c)”); an address line prints its name.
            printed_as = "" if line.match.kind == Recipient.Kind.EMAIL else line.text
            recipient_add(membership=membership, outgoing=outgoing, printed_as=printed_as,
                          **line.match.as_recipient_fields())
        elif line.kind == "unmatched" and line.text[:500] not in known:
            known.add(line.text[:500])  # a runaway line is kept by its first 500 characters
            UnresolvedRecipientLine.objects.create(outgoing=outgoing, text=line.text[:500], position=position,
                                                   created_by=membership.user)
            position += 1
        elif line.kind == "nhu_tren":
            outgoing.nhu_tren = True
            outgoing.save(update_fields=["nhu_tren"])
        elif line.kind == "archive":
            outgoing.archive_text = line.archive
            outgoing.archive_copies = line.copies or outgoing.archive_copies
            outgoing.save(update_fields=["archive_text", "archive_copies"])
    return lines


def _open_line(membership, line):
    """The line, locked, on a draft this person may edit."""
    _editable(membership, line.outgoing)
    return UnresolvedRecipientLine.objects.select_for_update().get(pk=line.pk)


@transaction.atomic
def recipient_line_map(*, membership, line, kind, agency=None, unit=None, group=None, name="", email="", dossier=""):
    """Open pasted line → mapped: add the recipient it stands for (an agency, unit, group, citizen or
    business, external address or paper-only recipient); a directory mapping is remembered for the agency."""
    line = _open_line(membership, line)
    move = workflow.line_move(line, "map")
    recipient = recipient_add(membership=membership, outgoing=line.outgoing, kind=kind, agency=agency, unit=unit,
                              group=group, name=name, email=email, dossier=dossier, printed_as=line.text)
    if kind in (Recipient.Kind.AGENCY, Recipient.Kind.UNIT, Recipient.Kind.GROUP):
        noinhan.alias_remember(line.outgoing.agency, line.text, noinhan.Match(kind, agency, unit, group))
    line.recipient, line.settled_by, line.settled_at = recipient, membership.user, timezone.now()
    line.save(update_fields=["state", "recipient", "settled_by", "settled_at"])
    _record_line(line, membership, move, recipient=recipient)
    return recipient


@transaction.atomic
def recipient_line_dismiss(*, membership, line, reason):
    """Open pasted line → dismissed: the drafter or clerk says why it needs no electronic copy."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Hãy ghi lý do bỏ qua dòng này.")})
    line = _open_line(membership, line)
    move = workflow.line_move(line, "dismiss")
    line.dismiss_reason, line.settled_by, line.settled_at = reason, membership.user, timezone.now()
    line.save(update_fields=["state", "dismiss_reason", "settled_by", "settled_at"])
    _record_line(line, membership, move, reason=reason)
    return line


def _transition(membership, outgoing, name, comment=""):
    outgoing = Outgoing.objects.select_for_update().get(pk=outgoing.pk)
    workflow.check(membership, outgoing, name)
    before = outgoing.status
    outgoing.status = workflow.TRANSITIONS[name].target
    return outgoing, before


@transaction.atomic
def outgoing_submit(*, membership, outgoing, comment=""):
    """Draft or returned → submitted to the named signer. Needs a main file and a recipient."""
    outgoing, before = _transition(membership, outgoing, "submit")
    if not outgoing.files.filter(kind=OutgoingFile.Kind.MAIN).exists():
        raise ValidationError(_("Chưa có tệp văn bản chính."))
    if not outgoing.recipients.exists():
        raise ValidationError(_("Văn bản chưa có nơi nhận nào."))
    outgoing.save(update_fields=["status", "updated_at"])
    _record(outgoing, membership, "submit", before, comment)
    return outgoing


@transaction.atomic
def outgoing_withdraw(*, membership, outgoing, comment=""):
    outgoing, before = _transition(membership, outgoing, "withdraw")
    _cancel_remote(outgoing)
    outgoing.save(update_fields=["status", "updated_at"])
    _record(outgoing, membership, "withdraw", before, comment)
    return outgoing


def outgoing_approve(*, membership, outgoing, comment="", pin=None):
    """Submitted → approved: the named signer signs the main file with their own certificate (Decree 30 Art. 5).

    A certificate kept by the portal or on a token signs at once, unlocked by `pin`; one at a remote service
    starts a request the signer confirms on their phone, and the draft stays submitted until it completes
    (outgoing_remote_finished). Every refusal (no certificate, wrong PIN, locked, revoked, expired, the
    timestamp or revocation service down) is a ValidationError and leaves the draft as it was, still submitted.
    """
    outgoing = Outgoing.objects.get(pk=outgoing.pk)
    workflow.check(membership, outgoing, "approve")
    _check_no_pending_remote(outgoing)
    certificate = _own_certificate(membership)
    remote = certificate.store == KeyStore.REMOTE
    if not (pin or remote):
        raise ValidationError(_("Hãy nhập mã PIN ký số của bạn để ký duyệt văn bản."), code="pin_needed")
    main = outgoing.files.get(kind=OutgoingFile.Kind.MAIN)
    block, places = signer_block(outgoing), outgoing.signature_places or {}
    try:
        prepared = _prepared_for_approval(outgoing, main)
        if remote:
            return _approve_remote(outgoing, certificate, prepared, block, places, comment)
        signer = personal_signer(certificate, pin)
        signed_at = timezone.now()
        approved_pdf = sign_as_signer(prepared, signer=signer, block=block, places=places, signed_at=signed_at)
    except SigningError as exc:
        raise ValidationError(str(exc), code="signing") from exc
    return _approve_store(membership, outgoing, certificate, approved_pdf, signed_at, comment)


REMOTE_PURPOSE = "outgoing-approve"
SEAL_THREADS = 4


def _check_no_pending_remote(outgoing):
    if RemoteSigningRequest.objects.filter(purpose=REMOTE_PURPOSE, object_id=outgoing.pk,
                                           status=RemoteSigningRequest.Status.PENDING).exists():
        raise ValidationError(_("Văn bản đang chờ người ký xác nhận trên điện thoại. Hãy xác nhận, hoặc hủy yêu "
                                "cầu đó trước khi ký lại."), code="remote_pending")


def _approve_remote(outgoing, certificate, prepared, block, places, comment):
    """Ask the signer's remote signing service; the draft stays submitted until the phone answers."""
    # The comment goes with the approval when the phone confirms (pki keeps it in state["context"]).
    remote_services.remote_start(
        certificate=certificate, purpose=REMOTE_PURPOSE, object_id=outgoing.pk, prepared_pdf=prepared,
        block=block, places=places, signed_at=timezone.now(), description=outgoing.summary[:200],
        context={"comment": comment})
    return outgoing


def outgoing_remote_finished(remote):
    """pki.remote's handler for REMOTE_PURPOSE: a confirmed signature approves the draft, as its signer.

    Refused, expired, cancelled, failed: nothing to do, the draft is still submitted and may be signed again.
    A draft withdrawn or returned meanwhile is not approved (ValidationError: pki records the request failed).
    """
    if remote.status != RemoteSigningRequest.Status.COMPLETED:
        return
    outgoing = Outgoing.objects.select_related("signer").get(pk=remote.object_id)
    if remote.certificate.user_id != outgoing.signer.user_id:
        raise ValidationError(_("Chứng thư số này không phải của người ký văn bản."), code="not_signer")
    signed_at = datetime.fromisoformat(remote.state["signed_at"])
    _approve_store(outgoing.signer, outgoing, remote.certificate, remote_services.remote_result_bytes(remote),
                   signed_at, remote.state["context"].get("comment", ""))


def outgoing_remote_poll(outgoing):
    """The latest remote signing request of the draft, asked once more of its service while it is pending
    (a confirmed one completes the approval through outgoing_remote_finished); None if there was none."""
    latest = RemoteSigningRequest.objects.filter(purpose=REMOTE_PURPOSE, object_id=outgoing.pk).order_by(
        "-created_at", "-pk").first()
    if latest is not None and latest.status == RemoteSigningRequest.Status.PENDING:
        remote_services.remote_poll(latest)
        latest.refresh_from_db()
    return latest


@transaction.atomic
def outgoing_remote_cancel(*, membership, outgoing):
    """The signer stops waiting for their phone; the draft stays submitted and can be signed again."""
    workflow.check(membership, Outgoing.objects.get(pk=outgoing.pk), "approve")
    pending = RemoteSigningRequest.objects.filter(purpose=REMOTE_PURPOSE, object_id=outgoing.pk,
                                                  status=RemoteSigningRequest.Status.PENDING).first()
    if pending is None:
        raise ValidationError(_("Không có yêu cầu ký nào đang chờ xác nhận."), code="no_remote")
    remote_services.remote_cancel(request=pending, user=membership.user)


def _cancel_remote(outgoing):
    """A draft that leaves “submitted” (withdrawn, returned) is not waiting for a signature any more."""
    for pending in RemoteSigningRequest.objects.filter(purpose=REMOTE_PURPOSE, object_id=outgoing.pk,
                                                       status=RemoteSigningRequest.Status.PENDING):
        transaction.on_commit(
            lambda pending=pending: remote_services.remote_cancel(request=pending, user=pending.certificate.user))


def _own_certificate(membership):
    """The signer's own active personal certificate, valid now; never anyone else's (the form offers no choice)."""
    try:
        return personal_certificate_for(membership.user)
    except SigningError as exc:
        raise ValidationError(str(exc), code="no_certificate") from exc


def _prepared_for_approval(outgoing, main):
    """Revision 1 of the main file: number and date fields, the seal's empty field, the QR code (not secret)."""
    with main.draft.open("rb") as handle:
        data = handle.read()
    _check_signable(main.name, data)
    url = "" if outgoing.is_secret else _kept_verify_url(outgoing)
    seal = SealImage.objects.filter(agency=outgoing.agency_id).first()
    extra = {"seal_diameter_mm": seal.diameter_mm} if seal is not None else {}
    return prepare_for_approval(data, places=outgoing.signature_places or {}, verify_url=url, **extra)


def _kept_verify_url(outgoing):
    """The public verification address the QR code of revision 1 names; its code is saved at once (it shows
    nothing until the document is issued), so a signature finished later names the same one."""
    if not outgoing.verify_code:
        url = verify_url(outgoing)
        Outgoing.objects.filter(pk=outgoing.pk).update(verify_code=outgoing.verify_code)
        return url
    return verify_url(outgoing)


def signer_block(outgoing, *, printed=True):
    """What the signer's signature shows: Decree 30 Annex I item 7 (“KT. CHỦ TỊCH / PHÓ CHỦ TỊCH”); titles in
    capitals as printed, or as typed (printed=False, for pages that show them in capitals by style)."""
    def case(text):
        return (text or "").upper() if printed else (text or "")

    user, own = outgoing.signer.user, case(outgoing.signer.position)
    image = SignatureImage.objects.filter(user=user).first() if printed else None
    common = {"name": user.full_name, "location": outgoing.agency.address,
              "image_png": _read(image.image) if image is not None else None}
    if outgoing.signer_authority:
        # “Q. CHỦ TỊCH” stands alone; the other prefixes print the signer's own position below.
        position = "" if outgoing.signer_authority == SignerAuthority.Q else own
        return SignerBlock(authority=outgoing.signer_authority, authority_of=case(outgoing.signer_position),
                           position=position, **common)
    return SignerBlock(position=case(outgoing.signer_position) or own, **common)


def _read(field):
    with field.open("rb") as handle:
        return handle.read()


@transaction.atomic
def _approve_store(membership, outgoing, certificate, approved_pdf, signed_at, comment):
    outgoing, before = _transition(membership, outgoing, "approve")
    main = outgoing.files.get(kind=OutgoingFile.Kind.MAIN)
    with core_files.removed_on_error() as written:
        main.approved_sha256 = core_files.sha256(approved_pdf)
        save_once(main.approved, f"duyet-{main.approved_sha256[:12]}-{main.name}", ContentFile(approved_pdf))
        written.append(main.approved)
        main.save(update_fields=["approved", "approved_sha256"])
    outgoing.signer_certificate, outgoing.signer_signed_at = certificate, signed_at
    outgoing.save()
    _record(outgoing, membership, "approve", before, comment)
    return outgoing
@transaction.atomic
def outgoing_return(*, membership, outgoing, comment):
    """Submitted → returned to the drafter with the signer's comment."""
    if not comment.strip():
        raise ValidationError(_("Hãy ghi ý kiến khi trả lại dự thảo."))
    outgoing, before = _transition(membership, outgoing, "return")
    _cancel_remote(outgoing)
    outgoing.save(update_fields=["status", "updated_at"])
    _record(outgoing, membership, "return", before, comment)
    return outgoing


class _DeliveryPlanner:
    """Collects one Delivery per destination of `outgoing`, dropping repeats (for deliveries_plan)."""

    def __init__(self, outgoing):
        self.outgoing, self.planned, self.seen = outgoing, [], set()

    def add(self, key, **fields):
        if key not in self.seen:
            self.seen.add(key)
            self.planned.append(Delivery(outgoing=self.outgoing, **fields))

    def add_agency(self, agency, unit=None):
        if agency.pk == self.outgoing.agency_id and unit is None:
            return
        if agency.installation_id is not None and unit is None:
            if not mail_may_name(self.outgoing):  # a secret document leaves the installation only on paper
                self.add(("paper_peer", agency.pk), channel=Delivery.Channel.PAPER, agency=agency, name=agency.name,
                         status=Delivery.Status.NOT_ELECTRONIC,
                         note=_("Văn bản mật: không gửi liên thông điện tử, chỉ gửi bản giấy theo quy định."))
            else:
                self.add(("peer", agency.pk), channel=Delivery.Channel.PEER, agency=agency, name=agency.name)
        elif agency.uses_portal:
            self.add(("portal", agency.pk, unit.pk if unit else None), channel=Delivery.Channel.PORTAL,
                     agency=agency, unit=unit, name=unit.name if unit else agency.name)
        else:
            self.add_email(agency.official_email, agency.name, agency=agency)

    def add_email(self, email, name, agency=None, citizen=False, dossier=""):
        email = email.lower()
        if not mail_may_name(self.outgoing):
            self.add(("paper", email), channel=Delivery.Channel.PAPER, agency=agency, name=name, email=email,
                     status=Delivery.Status.NOT_ELECTRONIC, is_citizen=citizen, dossier=dossier,
                     note=_("Văn bản mật: không gửi qua thư điện tử, chỉ gửi bản giấy theo quy định."))
        else:
            self.add(("email", email), channel=Delivery.Channel.EMAIL, agency=agency, name=name, email=email,
                     is_citizen=citizen, dossier=dossier, lookup_code=lookup_code_new() if citizen else None)

    def add_recipient(self, recipient):
        if recipient.kind == Recipient.Kind.AGENCY:
            self.add_agency(recipient.agency)
        elif recipient.kind == Recipient.Kind.UNIT:
            self.add_agency(self.outgoing.agency, recipient.unit)
        elif recipient.kind == Recipient.Kind.GROUP:
            for agency in recipient.group.members.filter(is_active=True).order_by("name"):
                self.add_agency(agency)
        elif recipient.kind == Recipient.Kind.PAPER:
            self.add(("paper_only", recipient.name), channel=Delivery.Channel.PAPER, name=recipient.name,
                     status=Delivery.Status.NOT_ELECTRONIC, dossier=recipient.dossier,
                     note=_("Nơi nhận chỉ nhận bản giấy: văn thư gửi bản giấy theo đường bưu chính."))
        else:
            self.add_email(recipient.email, recipient.name, citizen=recipient.kind == Recipient.Kind.CITIZEN,
                           dossier=recipient.dossier)


def deliveries_plan(outgoing):
    """Expand recipients (groups into their agencies) into one Delivery per destination, no duplicates.

    Agencies on the portal get it in the portal; the others, external addresses and citizens by
    e-mail. A secret document never goes by e-mail: those destinations are marked paper-only.
    A citizen's e-mail delivery gets the lookup code for /lookup/ (core.codes).
    One destination, one copy (noinhan.Destinations): an address line to an agency or unit that another
    line names (itself, or in a group), or to the issuing agency itself, adds nothing.
    """
    destinations = noinhan.Destinations(outgoing)
    named = destinations.named_elsewhere() | {destinations.own}
    planner = _DeliveryPlanner(outgoing)
    for recipient in destinations.recipients:
        if recipient.kind == Recipient.Kind.EMAIL and destinations.address_key(recipient.email) in named:
            continue
        planner.add_recipient(recipient)
    return planner.planned


@dataclass(frozen=True)
class MissingSignature:
    """A signature the issued document would lack (Decree 30 Art. 5): whose, and why."""

    whose: str
    why: str

    def __str__(self):
        return f"{self.whose}: {self.why}"


def issue_blockers(outgoing):
    """What stops `outgoing` from being issued with both signatures: [] when the clerk may go ahead."""
    missing = []
    main = outgoing.files.filter(kind=OutgoingFile.Kind.MAIN).first()
    if main is None or not main.approved or outgoing.signer_certificate_id is None:
        missing.append(MissingSignature(
            _("Thiếu chữ ký số của người có thẩm quyền"),
            _("văn bản chưa được %(name)s ký duyệt bằng chứng thư số của mình.")
            % {"name": outgoing.signer.user.full_name}))
    try:
        certificate_for_signing(outgoing.agency)
    except SigningError as exc:
        missing.append(MissingSignature(_("Thiếu chữ ký số của cơ quan"), str(exc)))
    return missing


def outgoing_issue(*, membership, outgoing):
    """Approved → issued: number and date written into the signer's signed file, the agency's seal, deliveries.

    Refuses (ValidationError, saying which signature is missing and why) unless the main file carries the
    signer's signature and the agency can seal it. The key is loaded before the register is locked; the
    number, the seal and the attachments' signatures go in one transaction: if anything fails the number
    goes back to the register and the document stays approved. Deliveries start after commit.
    """
    current = Outgoing.objects.get(pk=outgoing.pk)
    workflow.check(membership, current, "issue")
    missing = issue_blockers(current)
    if missing:
        raise ValidationError([str(problem) for problem in missing], code="signature_missing")
    try:
        certificate = certificate_for_signing(current.agency)
        seal_signer = agency_signer(certificate)
        # Revocation answers for the seal fetched before the register is locked: under it, only timestamps.
        prefetched = seal_prefetch(seal_signer)
    except SigningError as exc:
        raise ValidationError(str(exc), code="signing") from exc
    return _issue(membership, current, seal_signer, prefetched, parallel=certificate.store == KeyStore.PORTAL)


@transaction.atomic
def _issue(membership, outgoing, seal_signer, prefetched, *, parallel):
    outgoing, before = _transition(membership, outgoing, "issue")
    if not outgoing.recipients.exists():
        raise ValidationError(_("Văn bản chưa có nơi nhận nào."))
    files = list(outgoing.files.all())
    contents = {file.pk: _issue_source(file) for file in files}
    seal = SealImage.objects.filter(agency=outgoing.agency_id).first()
    seal_png = _read(seal.image) if seal is not None else seal_text_png(outgoing.agency.name)
    kind = Register.Kind.OUTGOING_SECRET if outgoing.is_secret else Register.Kind.OUTGOING
    outgoing.register = register_for(outgoing.agency, kind)
    # The delivery notes are part of the record: Vietnamese whatever the clerk's UI language. Planned before
    # the register is locked: they do not depend on the number.
    with translation.override("vi"):
        deliveries = deliveries_plan(outgoing)
    # The issue time comes with the number, under the register's lock: number order is issue order.
    taken = number_take(outgoing.register)
    now, outgoing.year, outgoing.number = taken.at, taken.year, taken.value
    outgoing.notation = notation_for(outgoing.doc_type, outgoing.agency.short_name,
                                     outgoing.drafting_unit.abbreviation, outgoing.number)
    outgoing.issued_at, outgoing.issued_by = now, membership.user
    with translation.override("vi"):
        sealed = {
            "signer": seal_signer, "agency_name": outgoing.agency.name, "number_notation": outgoing.notation,
            "issued_at": now, "seal_png": seal_png,
            "seal_diameter_mm": seal.diameter_mm if seal else SEAL_DIAMETER_MM,
            "places": outgoing.signature_places or {}, "prefetched": prefetched,
        }
        stamp = StampInfo(agency_name=outgoing.agency.name, number_notation=outgoing.notation, signed_at=now)
        try:
            _seal_files(outgoing, files, contents, sealed, stamp, parallel=parallel)
        except SigningError as exc:
            raise ValidationError(str(exc), code="signing") from exc
    outgoing.save()
    Delivery.objects.bulk_create(deliveries)
    _record(outgoing, membership, "issue", before)
    extensions.issued(outgoing)  # e.g. a meeting's invitees (meetings app), before any message is built
    for file in files:  # the issued files' text, read after commit (ocr); the signed file is only read
        text_request(file, "signed", sha256=file.signed_sha256)
    # robust: the document is issued either way; if the broker is down the deliveries stay pending
    # and deliveries_recover (beat) sends them.
    transaction.on_commit(lambda: outgoing_deliver.delay(outgoing.pk), robust=True)
    return outgoing


def _issue_source(file):
    """What gets sealed: the main file as the signer signed it, an attachment as uploaded (checked again:
    a file that reached this point with active content is never signed)."""
    if file.kind == OutgoingFile.Kind.MAIN:
        data = read_verified(file.approved, file.approved_sha256)
    else:
        data = _read(file.draft)
    _check_signable(file.name, data)
    return data


def _seal_files(outgoing, files, contents, sealed, stamp, *, parallel):
    """Seal the main file and stamp the attachments, side by side when the key allows it (a key the portal
    holds; a token's session signs one at a time): their timestamp and revocation round trips overlap, and
    the register stays locked for the slowest file instead of the sum of them."""
    def seal(file):
        if file.kind == OutgoingFile.Kind.MAIN:
            return seal_main(contents[file.pk], **sealed)
        return stamp_attachment(contents[file.pk], signer=sealed["signer"], stamp=stamp,
                                prefetched=sealed["prefetched"])

    if parallel and len(files) > 1:
        with ThreadPoolExecutor(max_workers=min(len(files), SEAL_THREADS)) as pool:
            results = list(pool.map(seal, files))
    else:
        results = [seal(file) for file in files]
    with core_files.removed_on_error() as written:
        for file, signed in zip(files, results, strict=True):
            file.signed_sha256 = core_files.sha256(signed)
            save_once(file.signed, f"{outgoing.notation.replace('/', '_')}-{file.signed_sha256[:12]}-{file.name}",
                      ContentFile(signed))
            written.append(file.signed)
            file.save(update_fields=["signed", "signed_sha256"])
            if file.kind == OutgoingFile.Kind.MAIN:
                outgoing.signed_sha256 = file.signed_sha256
