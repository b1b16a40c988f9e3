"""Documents as edXML envelopes and back: an issued outgoing document becomes an Envelope, an Envelope becomes an
incoming document of the agency it is addressed to. Signing and checking the XML is exchange.edxml; sending it
between installations is exchange.transport."""

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.x509.oid import NameOID
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import Role
from agencies.models import Agency
from core import files as core_files
from core.storage import TamperedFile, read_verified
from core.text import fold
from documents.models import DocumentType, Incoming, IncomingEvent, IncomingFile, Outgoing, Secrecy, Urgency
from documents.services.incoming import incoming_arrived
from pki.models import AgencyCertificate

from . import edxml
from .edxml import Attachment, Envelope, EnvelopeError, Organ, ResponseFor, Trace, document_id
from .models import ExchangeMessage

# OtherInfo/Priority: 0 thường, 1 khẩn, 2 thượng khẩn, 3 hỏa tốc (4, hỏa tốc hẹn giờ, is read as hỏa tốc).
PRIORITY = {Urgency.NONE: "0", Urgency.KHAN: "1", Urgency.THUONG_KHAN: "2", Urgency.HOA_TOC: "3"}
URGENCY = {**{value: key for key, value in PRIORITY.items()}, "4": Urgency.HOA_TOC}
# OtherInfo/SecurityLevel: 0 thường, 1 mật, 2 tối mật, 3 tuyệt mật. Secret documents never travel as envelopes.
SECURITY = {Secrecy.NONE: "0", Secrecy.MAT: "1", Secrecy.TOI_MAT: "2", Secrecy.TUYET_MAT: "3"}

MAIN_DESCRIPTION = "Văn bản chính"
APPENDIX_DESCRIPTION = "Phụ lục, tài liệu kèm theo"


def organ_of(agency):
    return Organ(code=agency.code, name=agency.name, address=agency.address, email=agency.official_email,
                 phone=agency.phone, website=agency.website,
                 in_charge=agency.parent.name if agency.parent_id else "")


def outgoing_document_id(outgoing):
    """The DocumentId of an issued outgoing document: `OrganId,YYYY/MM/DD,number/notation`."""
    return document_id(outgoing.agency.code, timezone.localdate(outgoing.issued_at), outgoing.notation)


def _recipient_agencies(outgoing):
    agencies = {}
    for delivery in outgoing.deliveries.select_related("agency").filter(agency__isnull=False).order_by("pk"):
        agencies.setdefault(delivery.agency_id, delivery.agency)
    return [agency for agency in agencies.values() if agency.pk != outgoing.agency_id]


def _attachments(outgoing):
    files = sorted(outgoing.files.all(), key=lambda f: (f.kind != f.Kind.MAIN, f.position, f.pk))
    attachments = []
    for position, file in enumerate(files, start=1):
        try:
            data = read_verified(file.signed, file.signed_sha256)
        except TamperedFile as error:
            raise EnvelopeError(error.message) from error
        attachments.append(Attachment(
            cid=f"{position:03d}", name=file.name, data=data,
            content_type=core_files.CONTENT_TYPES[core_files.sniff(data)],
            description=MAIN_DESCRIPTION if file.kind == file.Kind.MAIN else APPENDIX_DESCRIPTION,
        ))
    return attachments


def _response_for(outgoing):
    answered = outgoing.in_reply_to
    if answered is None or not answered.sender_agency_id:
        return []
    return [ResponseFor(organ_code=answered.sender_agency.code, code=answered.notation,
                        promulgation_date=answered.doc_date, document_id=answered.edxml_document_id)]


def _to_places(outgoing):
    return [recipient.printed_as or recipient.label for recipient in outgoing.recipients.all()]


def outgoing_envelope(outgoing, *, to_agency=None, business="0", revision=None) -> Envelope:
    """The envelope of an issued, non-secret outgoing document, its signed files byte for byte (none for a
    recall, business "1"). To: `to_agency`, or every agency it was delivered to. With a `revision`, Bussiness
    names the document recalled, updated or replaced (revision.outgoing) and the revision's reason."""
    outgoing = Outgoing.objects.select_related("agency__parent", "signer__user", "in_reply_to__sender_agency").get(
        pk=outgoing.pk)
    if outgoing.status != Outgoing.Status.ISSUED:
        raise EnvelopeError(_("Chỉ văn bản đã phát hành mới xuất được thành gói tin edXML."))
    if outgoing.is_secret:
        raise EnvelopeError(_("Văn bản mật không được gửi hay xuất thành gói tin edXML."))
    number, _slash, notation = outgoing.notation.partition("/")
    issued_on = timezone.localdate(outgoing.issued_at)
    to_agencies = [to_agency] if to_agency is not None else _recipient_agencies(outgoing)
    return Envelope(
        from_organ=organ_of(outgoing.agency),
        to_organs=[organ_of(agency) for agency in to_agencies],
        document_id=outgoing_document_id(outgoing),
        code_number=number, code_notation=notation,
        place=outgoing.agency.address, promulgation_date=issued_on,
        document_type=outgoing.doc_type, document_type_name=str(DocumentType(outgoing.doc_type).label),
        subject=outgoing.summary,
        signer_competence=outgoing.signer_authority,
        signer_position=outgoing.signer_position or outgoing.signer.position,
        signer_full_name=outgoing.signer.user.full_name,
        to_places=_to_places(outgoing), response_for=_response_for(outgoing),
        priority=PRIORITY.get(outgoing.urgency, "0"), security_level=SECURITY.get(outgoing.secrecy, "0"),
        trace=[Trace(organ_code=outgoing.agency.code, at=timezone.now())],
        business=business,
        business_reason=revision.reason if revision is not None else "",
        business_document_id=outgoing_document_id(revision.outgoing) if revision is not None else "",
        attachments=[] if business == "1" else _attachments(outgoing),
    )


# --- import ------------------------------------------------------------------------------------------

def _check_addressed(envelope, agency):
    if envelope.business == "1":
        raise EnvelopeError(_("Gói tin thu hồi văn bản không mang văn bản để vào danh sách văn bản đến."))
    if agency.code not in {organ.code for organ in envelope.to_organs}:
        raise EnvelopeError(_("Gói tin edXML này không gửi tới %(agency)s (mã định danh %(code)s).")
                            % {"agency": agency.name, "code": agency.code})
    if envelope.security_level not in ("", "0"):
        raise EnvelopeError(_("Văn bản mật không được nhận qua gói tin edXML; hãy đề nghị cơ quan gửi chuyển "
                              "bản giấy."))
    if not envelope.attachments:
        raise EnvelopeError(_("Gói tin edXML không có tệp văn bản."))
    if Incoming.objects.filter(agency=agency, edxml_document_id=envelope.document_id).exists():
        raise EnvelopeError(_("Văn bản %(id)s đã có trong danh sách văn bản đến của cơ quan.")
                            % {"id": envelope.document_id})


def _check_files(envelope):
    """Every file must be one the portal takes: within the size limit, the main file a readable PDF (active
    content is kept as evidence and flagged), the others opening as what they are."""
    try:
        with translation.override("vi"):
            for position, attachment in enumerate(envelope.attachments):
                if position == 0:
                    core_files.check_pdf(attachment.name, attachment.data, allow_active=True)
                    continue
                core_files.check_size(attachment.name, attachment.size)
                facts = core_files.inspect(attachment.data, attachment.name)
                if facts.problem:
                    raise ValidationError(facts.problem)
    except ValidationError as exc:
        raise EnvelopeError(" ".join(exc.messages)) from exc


def _doc_type(envelope):
    return envelope.document_type if envelope.document_type in DocumentType.values else DocumentType.CONG_VAN


def _signer_position(envelope):
    competence = envelope.signer_competence
    return f"{competence}. {envelope.signer_position}" if competence else envelope.signer_position


@transaction.atomic
def incoming_from_envelope(envelope, *, agency, installation=None, actor=None) -> Incoming:
    """A document envelope (business 0, or the new document of an update or replacement) as an arrived incoming
    document of `agency` (source peer), with its files; the sender hears 01 and the PDFs' signatures are
    checked (documents.services.incoming.incoming_arrived). Nothing is written when it is refused (EnvelopeError):
    not addressed to `agency`, secret, without files, a file the portal does not take, or a DocumentId the agency
    already has. `installation` (the peer it came from, None for a file a clerk imported) is the caller's to
    record; `actor` is who imported it, named on the arrival event."""
    _check_addressed(envelope, agency)
    _check_files(envelope)
    sender = envelope.from_organ
    try:
        with transaction.atomic(), core_files.removed_on_error() as written:
            incoming = Incoming.objects.create(
                agency=agency, source=Incoming.Source.PEER, edxml_document_id=envelope.document_id,
                sender_agency=Agency.objects.filter(code=sender.code).first(), sender_name=sender.name or sender.code,
                notation=envelope.notation[:60], doc_date=envelope.promulgation_date, doc_type=_doc_type(envelope),
                summary=envelope.subject, urgency=URGENCY.get(envelope.priority, Urgency.NONE),
                signer_name=envelope.signer_full_name, signer_position=_signer_position(envelope),
                due_date=envelope.due_date,
            )
            for position, attachment in enumerate(envelope.attachments):
                stored = IncomingFile.objects.create(
                    incoming=incoming, kind=IncomingFile.Kind.MAIN if position == 0 else IncomingFile.Kind.ATTACHMENT,
                    name=core_files.display_name(attachment.name),
                    file=ContentFile(attachment.data, name=core_files.display_name(attachment.name)),
                    size=attachment.size, sha256=attachment.sha256)
                written.append(stored.file)
            incoming_arrived(incoming)
    except IntegrityError:  # the same DocumentId arrived at the same moment by another way
        raise EnvelopeError(_("Văn bản %(id)s đã có trong danh sách văn bản đến của cơ quan.")
                            % {"id": envelope.document_id}) from None
    if actor is not None:
        IncomingEvent.objects.filter(incoming=incoming, action=IncomingEvent.Action.ARRIVE).update(actor=actor)
    return incoming


# --- a clerk's export and import of a file --------------------------------------------------------

def _keep(row, data):
    row.envelope.save(f"{row.message_id}.edxml", ContentFile(data), save=False)
    row.size = len(data)
    row.save(update_fields=["envelope", "size"])


def envelope_filename(outgoing):
    """The download name: the notation and the date, safe for every file system (“01-BNV-VP_2026-12-01.edxml”)."""
    notation = "".join(ch if ch.isalnum() else "-" for ch in fold(outgoing.notation)).strip("-") or str(outgoing.pk)
    return f"{notation}_{timezone.localdate(outgoing.issued_at):%Y-%m-%d}.edxml"


@transaction.atomic
def envelope_export(*, membership, outgoing) -> bytes:
    """The signed envelope of an issued, non-secret outgoing document for its agency's clerk to download, kept
    as an outgoing ExchangeMessage without an installation."""
    if not (membership and membership.has_role(Role.CLERK) and membership.agency_id == outgoing.agency_id):
        raise PermissionDenied(_("Chỉ văn thư của cơ quan ban hành được xuất gói tin edXML."))
    envelope = outgoing_envelope(outgoing)
    certificate = AgencyCertificate.objects.filter(agency=outgoing.agency_id, is_active=True).first()
    if certificate is None:
        raise EnvelopeError(_("Cơ quan chưa có chứng thư số đang dùng để ký gói tin edXML."))
    data = edxml.envelope_bytes(envelope, certificate=certificate)
    row = ExchangeMessage.objects.create(
        direction=ExchangeMessage.Direction.OUT, kind=ExchangeMessage.Kind.DOCUMENT, message_id=envelope.message_id,
        document_id=envelope.document_id, business=envelope.business, from_code=envelope.from_organ.code,
        to_code=envelope.to_organs[0].code if len(envelope.to_organs) == 1 else "",
        state=ExchangeMessage.State.DONE, done_at=timezone.now())
    _keep(row, data)
    return data


def _subject_names(certificate):
    names = certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    names += certificate.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)
    return {fold(str(name.value)) for name in names}


def sender_check(read):
    """The envelope must be signed by the agency it says it is from: by one of that agency's certificates when
    the directory knows them, else by a certificate naming it (its CN or O is the From OrganName)."""
    sender = read.message.from_organ
    certificate = x509.load_pem_x509_certificate(read.signer_pem.encode("ascii"))
    known = set(AgencyCertificate.objects.filter(agency__code=sender.code).values_list("fingerprint_sha256",
                                                                                        flat=True))
    if known:
        matches = certificate.fingerprint(hashes.SHA256()).hex() in known
    else:
        matches = bool(sender.name) and fold(sender.name) in _subject_names(certificate)
    if not matches:
        raise EnvelopeError(_("Gói tin edXML không được ký bằng chứng thư số của cơ quan gửi %(name)s (%(code)s).")
                            % {"name": sender.name, "code": sender.code})


@transaction.atomic
def envelope_import(*, membership, data) -> Incoming:
    """A clerk imports an `.edxml` file as an incoming document of their agency: the envelope is checked (its
    signature chains to the portal's trust roots and is the sending agency's; every file's SHA-256), then
    incoming_from_envelope. Raises EnvelopeError with the reason; nothing is written then."""
    if not (membership and membership.has_role(Role.CLERK)):
        raise PermissionDenied(_("Chỉ văn thư được nhập văn bản đến từ gói tin edXML."))
    read = edxml.envelope_read(data)
    if not isinstance(read.message, Envelope):
        raise EnvelopeError(_("Đây là gói tin trạng thái, không phải gói tin văn bản."))
    sender_check(read)
    envelope = read.message
    incoming = incoming_from_envelope(envelope, agency=membership.agency, actor=membership.user)
    # The same file imported by another agency it was addressed to keeps the first row (one per message id).
    known = ExchangeMessage.objects.filter(direction=ExchangeMessage.Direction.IN, installation=None,
                                           message_id=envelope.message_id)
    if not known.exists():
        row = ExchangeMessage.objects.create(
            direction=ExchangeMessage.Direction.IN, kind=ExchangeMessage.Kind.DOCUMENT,
            message_id=envelope.message_id, document_id=envelope.document_id, business=envelope.business,
            from_code=envelope.from_organ.code, to_code=membership.agency.code, incoming=incoming,
            state=ExchangeMessage.State.DONE, done_at=timezone.now())
        _keep(row, bytes(data))
    return incoming
