"""edXML envelopes (QCVN 102:2016/BTTTT, amended 2022): build them signed, read them checked.

An envelope is one XML document: `edXML:edXMLEnvelope` with `edXMLHeader` (a MessageHeader for a document, a
Status for a status message; then TraceHeaderList and Bussiness) and `edXMLBody` (the manifest of attachments and
the attachments in base64, by cid), signed with an enveloped XML-DSig signature (reference URI "", the whole
envelope) by the sending agency's active certificate. Where the public description leaves a choice open, the
choice is written next to the code and in docs/exchange.md ("edXML envelopes"):

- the message id (a uuid, no standard element) is `exp:MessageId`, first child of `edXMLHeader`, in the portal's
  own namespace EXT_NS;
- dates are ISO 8601 (YYYY-MM-DD), times ISO 8601 with their UTC offset;
- the manifest carries each attachment's size and SHA-256 (hex), which the reader checks;
- the first attachment of a document envelope is its main file, the others its appendices.

Parsing never resolves entities, never loads a DTD, never touches the network: an envelope with a DOCTYPE is
refused before it is parsed.
"""

import asyncio
import base64
import binascii
import datetime
import hashlib
import uuid
from dataclasses import dataclass, field

from asn1crypto import pem as asn1_pem
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from lxml import etree
from pkcs11 import exceptions as p11_errors
from pyhanko_certvalidator import CertificateValidator, ValidationContext
from pyhanko_certvalidator.errors import PathBuildingError, PathValidationError, RevokedError, ValidationError
from pyhanko_certvalidator.fetchers.aiohttp_fetchers import AIOHttpFetcherBackend
from signxml import InvalidInput, SignatureMethod, XMLSigner, XMLVerifier
from signxml.exceptions import InvalidCertificate, InvalidDigest, InvalidSignature, SignXMLException

from pki import aio, keystores, trust
from pki.errors import KeyStoreUnavailable, SigningError
from pki.http_session import CachedTlsSession

NS = "http://www.mic.gov.vn/TBT/QCVN_102_2016"
EXT_NS = "urn:vn-gov:cong-trao-doi-van-ban:edxml-ext:1"
DS_NS = "http://www.w3.org/2000/09/xmldsig#"
_NSMAP = {"edXML": NS, "exp": EXT_NS}

BUSINESS_TYPES = ("0", "1", "2", "3")
STATUS_CODES = ("01", "02", "03", "04", "05", "06", "13", "15", "16")


class EnvelopeError(Exception):
    """An envelope that cannot be built or is refused; the message (Vietnamese) says why."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message

    def __str__(self):
        return str(self.message)


# --- what an envelope says -------------------------------------------------------------------------

@dataclass
class Organ:
    """An organisation in From/To/ResponseFor: OrganId is its 13-character code (mã định danh)."""

    code: str
    name: str = ""
    in_charge: str = ""
    address: str = ""
    email: str = ""
    phone: str = ""
    fax: str = ""
    website: str = ""


@dataclass
class Attachment:
    cid: str
    name: str
    content_type: str
    data: bytes
    description: str = ""

    @property
    def size(self):
        return len(self.data)

    @property
    def sha256(self):
        return hashlib.sha256(self.data).hexdigest()


@dataclass
class ResponseFor:
    """The document this one answers."""

    organ_code: str
    code: str = ""
    promulgation_date: datetime.date | None = None
    document_id: str = ""


@dataclass
class Trace:
    """One hop of TraceHeaderList: the organisation that handled the envelope and when."""

    organ_code: str
    at: datetime.datetime


@dataclass
class Envelope:
    """A document envelope (business 0 new, 1 recall, 2 update, 3 replace)."""

    from_organ: Organ
    to_organs: list
    document_id: str
    code_number: str = ""
    code_notation: str = ""
    place: str = ""
    promulgation_date: datetime.date | None = None
    document_type: str = ""
    document_type_name: str = ""
    subject: str = ""
    signer_competence: str = ""
    signer_position: str = ""
    signer_full_name: str = ""
    due_date: datetime.date | None = None
    to_places: list = field(default_factory=list)
    response_for: list = field(default_factory=list)
    priority: str = "0"
    security_level: str = "0"
    steering_type: str = ""
    trace: list = field(default_factory=list)
    business: str = "0"
    business_reason: str = ""
    business_document_id: str = ""
    attachments: list = field(default_factory=list)
    message_id: str = field(default_factory=lambda: str(uuid.uuid4()))

    @property
    def notation(self):
        return "/".join(part for part in (self.code_number, self.code_notation) if part)


@dataclass
class StatusMessage:
    """A status the recipient sends back: 01–06 (02 with a reason), 13, 15, 16."""

    document_id: str
    from_code: str
    to_code: str
    code: str
    reason: str = ""
    staff_name: str = ""
    at: datetime.datetime = field(default_factory=timezone.now)
    from_name: str = ""
    to_name: str = ""
    department: str = ""
    message_id: str = field(default_factory=lambda: str(uuid.uuid4()))


@dataclass
class Read:
    message: object
    signer_pem: str


def document_id(organ_code, promulgation_date, notation):
    """DocumentId: `OrganId,YYYY/MM/DD,number/notation` (the notation as printed, number included)."""
    return f"{organ_code},{promulgation_date:%Y/%m/%d},{notation}"


def max_envelope_bytes():
    return settings.EXCHANGE_MAX_ENVELOPE_BYTES


# --- writing -----------------------------------------------------------------------------------------

def _q(name):
    return f"{{{NS}}}{name}"


def _add(parent, name, text=None):
    element = etree.SubElement(parent, _q(name))
    if text is not None:
        element.text = str(text)
    return element


def _date_text(value):
    return value.isoformat() if value else ""


def _time_text(value):
    return timezone.localtime(value).isoformat() if value else ""


def _organ(parent, tag, organ):
    element = _add(parent, tag)
    _add(element, "OrganId", organ.code)
    _add(element, "OrganizationInCharge", organ.in_charge)
    _add(element, "OrganName", organ.name)
    _add(element, "OrganAdd", organ.address)
    _add(element, "Email", organ.email)
    _add(element, "Telephone", organ.phone)
    _add(element, "Fax", organ.fax)
    _add(element, "Website", organ.website)
    return element


def _message_header(header, env):
    message = _add(header, "MessageHeader")
    _organ(message, "From", env.from_organ)
    for organ in env.to_organs:
        _organ(message, "To", organ)
    _add(message, "DocumentId", env.document_id)
    code = _add(message, "Code")
    _add(code, "CodeNumber", env.code_number)
    _add(code, "CodeNotation", env.code_notation)
    promulgation = _add(message, "PromulgationInfo")
    _add(promulgation, "Place", env.place)
    _add(promulgation, "PromulgationDate", _date_text(env.promulgation_date))
    doc_type = _add(message, "DocumentType")
    _add(doc_type, "Type", env.document_type)
    _add(doc_type, "TypeName", env.document_type_name)
    _add(message, "Subject", env.subject)
    signer = _add(message, "SignerInfo")
    _add(signer, "Competence", env.signer_competence)
    _add(signer, "Position", env.signer_position)
    _add(signer, "FullName", env.signer_full_name)
    _add(message, "DueDate", _date_text(env.due_date))
    places = _add(message, "ToPlaces")
    for place in env.to_places:
        _add(places, "Place", place)
    for answered in env.response_for:
        response = _add(message, "ResponseFor")
        _add(response, "OrganId", answered.organ_code)
        _add(response, "Code", answered.code)
        _add(response, "PromulgationDate", _date_text(answered.promulgation_date))
        _add(response, "DocumentId", answered.document_id)
    other = _add(message, "OtherInfo")
    _add(other, "Priority", env.priority)
    _add(other, "SecurityLevel", env.security_level)
    _add(message, "SteeringType", env.steering_type)


def _trace_and_business(header, traces, env=None):
    trace_list = _add(header, "TraceHeaderList")
    for trace in traces:
        hop = _add(trace_list, "TraceHeader")
        _add(hop, "OrganId", trace.organ_code)
        _add(hop, "Timestamp", _time_text(trace.at))
    if env is not None:
        business = _add(header, "Bussiness")
        _add(business, "BussinessDocType", env.business)
        _add(business, "BussinessDocReason", env.business_reason)
        _add(business, "DocumentId", env.business_document_id)


def _body(root, attachments):
    body = _add(root, "edXMLBody")
    manifest = _add(body, "edXMLManifest")
    for attachment in attachments:
        reference = _add(manifest, "Reference")
        _add(reference, "ContentId", attachment.cid)
        _add(reference, "ContentType", attachment.content_type)
        _add(reference, "AttachmentName", attachment.name)
        _add(reference, "Description", attachment.description)
        _add(reference, "Size", attachment.size)
        _add(reference, "Sha256", attachment.sha256)
    encoded = _add(body, "AttachmentEncodedList")
    for attachment in attachments:
        item = _add(encoded, "Attachment")
        _add(item, "ContentId", attachment.cid)
        _add(item, "ContentTransferEncoded", "base64")
        _add(item, "Value", base64.b64encode(attachment.data).decode("ascii"))


def _status_header(header, status):
    element = _add(header, "Status")
    response = _add(element, "ResponseFor")
    _add(response, "OrganId", status.to_code)
    _add(response, "DocumentId", status.document_id)
    _organ(element, "From", Organ(code=status.from_code, name=status.from_name))
    _organ(element, "To", Organ(code=status.to_code, name=status.to_name))
    _add(element, "StatusCode", status.code)
    _add(element, "Description", status.reason)
    _add(element, "Timestamp", _time_text(status.at))
    staff = _add(element, "StaffInfo")
    _add(staff, "Department", status.department)
    _add(staff, "Staff", status.staff_name)


def envelope_element(message):
    """The unsigned envelope of `message` (an lxml element); envelope_bytes signs it."""
    root = etree.Element(_q("edXMLEnvelope"), nsmap=_NSMAP)
    header = _add(root, "edXMLHeader")
    etree.SubElement(header, f"{{{EXT_NS}}}MessageId").text = message.message_id
    if isinstance(message, StatusMessage):
        if message.code not in STATUS_CODES:
            raise EnvelopeError(_("Mã trạng thái edXML “%(code)s” không hợp lệ.") % {"code": message.code})
        _status_header(header, message)
        _trace_and_business(header, [Trace(message.from_code, message.at)])
        _body(root, [])
        return root
    if message.business not in BUSINESS_TYPES:
        raise EnvelopeError(_("Loại nghiệp vụ edXML “%(code)s” không hợp lệ.") % {"code": message.business})
    _message_header(header, message)
    _trace_and_business(header, message.trace, message)
    _body(root, message.attachments)
    return root


class _TokenKey:
    """A private key as signxml calls it, signing through a pyHanko Signer (a key kept by the portal or on a
    PKCS#11 token: the key itself never leaves where it lives)."""

    def __init__(self, signer, public_key):
        self.signer, self._public = signer, public_key
        self.key_size = public_key.key_size

    def public_key(self):
        return self._public

    def sign(self, data, padding=None, algorithm=None, signature_algorithm=None):
        async def sign():
            return await self.signer.async_sign_raw(data, "sha256")

        try:
            return aio.call(asyncio.run, sign())
        except p11_errors.PKCS11Error as exc:  # the token went away or refused: said as for PDFs
            raise KeyStoreUnavailable() from exc


def _huge_safe_parser():
    """No entities, no DTD, no network; text nodes past libxml2's 10 MB (a file's base64) allowed."""
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False,
                           huge_tree=True)


class _Signer(XMLSigner):
    """signxml's signer re-parses the envelope: with our parser, so that large files fit."""

    @property
    def parser(self):
        return _huge_safe_parser()


class _Verifier(XMLVerifier):
    @property
    def parser(self):
        return _huge_safe_parser()


def _pem_list(text):
    if not text or not text.strip():
        return []
    return [x509.load_pem_x509_certificate(pem_bytes) for pem_bytes in _pem_blocks(text)]


def _pem_blocks(text):
    data = text.encode("ascii") if isinstance(text, str) else text
    return [asn1_pem.armor("CERTIFICATE", der) for _kind, _headers, der in asn1_pem.unarmor(data, multiple=True)]


def envelope_bytes(message, *, certificate) -> bytes:
    """The envelope of `message` (Envelope or StatusMessage), signed with `certificate` (an active
    pki.AgencyCertificate of the sending agency, its key in the portal or on a token)."""
    try:
        signer = keystores.agency_signer(certificate)
    except SigningError as exc:
        raise EnvelopeError(str(exc)) from exc
    cert = x509.load_pem_x509_certificate(certificate.certificate_pem.encode("ascii"))
    public = cert.public_key()
    if isinstance(public, rsa.RSAPublicKey):
        method = SignatureMethod.RSA_SHA256
    elif isinstance(public, ec.EllipticCurvePublicKey):
        method = SignatureMethod.ECDSA_SHA256
    else:
        raise EnvelopeError(_("Chứng thư số của cơ quan dùng loại khóa không ký được gói tin edXML."))
    root = envelope_element(message)
    etree.SubElement(root, f"{{{DS_NS}}}Signature", Id="placeholder", nsmap={"ds": DS_NS})
    chain = [cert, *_pem_list(certificate.chain_pem)]
    try:
        signed = _Signer(signature_algorithm=method, digest_algorithm="sha256").sign(
            root, key=_TokenKey(signer, public), cert=chain)
    except (SignXMLException, InvalidInput) as exc:
        raise EnvelopeError(_("Không ký được gói tin edXML.")) from exc
    except SigningError as exc:
        raise EnvelopeError(str(exc)) from exc
    return etree.tostring(signed, xml_declaration=True, encoding="UTF-8")


# --- reading -----------------------------------------------------------------------------------------

def _malformed(detail=""):
    text = _("Gói tin edXML không đúng định dạng")
    return EnvelopeError(f"{text}: {detail}." if detail else f"{text}.")




def _parse(data):
    if len(data) > max_envelope_bytes():
        raise EnvelopeError(_("Gói tin edXML nặng %(size)s MB, vượt giới hạn %(limit)s MB.") % {
            "size": round(len(data) / (1024 * 1024), 1), "limit": max_envelope_bytes() // (1024 * 1024)})
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        raise EnvelopeError(_("Gói tin edXML có khai báo DTD hoặc thực thể (DOCTYPE, ENTITY): bị từ chối."))
    try:
        root = etree.fromstring(data, parser=_huge_safe_parser())
    except etree.XMLSyntaxError as exc:
        raise _malformed(_("không đọc được XML")) from exc
    if root.getroottree().docinfo.doctype:
        raise EnvelopeError(_("Gói tin edXML có khai báo DTD hoặc thực thể (DOCTYPE, ENTITY): bị từ chối."))
    if root.tag != _q("edXMLEnvelope"):
        raise EnvelopeError(_("Gói tin không phải edXML theo QCVN 102:2016 (phần tử gốc hoặc không gian tên "
                              "“%(ns)s” không đúng).") % {"ns": NS})
    return root


def _signature_certificates(root):
    signatures = root.findall(f"{{{DS_NS}}}Signature")
    if not signatures:
        raise EnvelopeError(_("Gói tin edXML không có chữ ký số của cơ quan gửi."))
    if len(signatures) > 1 or root.findall(f".//{{{DS_NS}}}Signature") != signatures:
        raise _malformed(_("có nhiều hơn một chữ ký số"))
    texts = signatures[0].findall(f"{{{DS_NS}}}KeyInfo/{{{DS_NS}}}X509Data/{{{DS_NS}}}X509Certificate")
    certificates = []
    for text in texts:
        try:
            der = base64.b64decode("".join((text.text or "").split()), validate=True)
            certificates.append(x509.load_der_x509_certificate(der))
        except (ValueError, binascii.Error) as exc:
            raise _malformed(_("chứng thư số trong chữ ký không đọc được")) from exc
    if not certificates:
        raise EnvelopeError(_("Chữ ký số của gói tin edXML không kèm chứng thư số của cơ quan gửi."))
    return certificates


def _verify_signature(root, signer_cert):
    pem_text = signer_cert.public_bytes(serialization.Encoding.PEM).decode("ascii")
    try:
        result = _Verifier().verify(root, x509_cert=pem_text, expect_references=1)
    except (InvalidSignature, InvalidDigest, InvalidCertificate, InvalidInput) as exc:
        raise EnvelopeError(_("Chữ ký số của gói tin edXML không hợp lệ: nội dung đã bị sửa đổi sau khi ký hoặc "
                              "chữ ký không khớp chứng thư số.")) from exc
    except SignXMLException as exc:
        raise EnvelopeError(_("Không kiểm tra được chữ ký số của gói tin edXML.")) from exc
    signed = result.signed_xml
    if signed is None or signed.tag != _q("edXMLEnvelope"):
        raise EnvelopeError(_("Chữ ký số của gói tin edXML không phủ toàn bộ gói tin."))
    return signed


def _asn1(cert):
    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


def _check_validity(signer_cert):
    now = timezone.now()
    if not (signer_cert.not_valid_before_utc <= now <= signer_cert.not_valid_after_utc):
        raise EnvelopeError(_("Chứng thư số đã ký gói tin edXML đã hết hạn hoặc chưa có hiệu lực."))


def _check_trust(signer_cert, others, trusted_pem):
    now = timezone.now()
    if trusted_pem is None:
        roots = trust.trust_roots()
    else:
        roots = [_asn1(cert) for text in trusted_pem for cert in _pem_list(text)]
        if any(root.sha256 == _asn1(signer_cert).sha256 for root in roots):
            return
    if not roots:
        raise EnvelopeError(_("Chưa cấu hình chứng thư số tin cậy để kiểm tra gói tin edXML."))
    try:
        aio.call(asyncio.run, _validate_path(signer_cert, others, roots, now))
    except RevokedError as exc:
        raise EnvelopeError(_("Chứng thư số đã ký gói tin edXML đã bị thu hồi.")) from exc
    except (PathBuildingError, PathValidationError, ValidationError) as exc:
        raise EnvelopeError(_("Chứng thư số đã ký gói tin edXML không thuộc cơ quan, hệ thống hay tổ chức chứng "
                              "thực được tin cậy.")) from exc


async def _validate_path(signer_cert, others, roots, moment):
    """The path from the signer to a trusted root. Revocation (OCSP, CRL named by the certificates) is asked
    when settings.EXCHANGE_CHECK_REVOCATION is on (default): a revoked certificate is refused; an answer that
    cannot be had (responder down) does not stop the envelope (soft-fail), as the PDFs inside are checked too."""
    fetching = settings.EXCHANGE_CHECK_REVOCATION
    backend = None
    if fetching:
        backend = AIOHttpFetcherBackend(session=CachedTlsSession(), per_request_timeout=settings.PKI_HTTP_TIMEOUT)
    try:
        context = ValidationContext(trust_roots=roots, allow_fetching=fetching, revocation_mode="soft-fail",
                                    moment=moment, fetchers=backend.get_fetchers() if backend else None)
        validator = CertificateValidator(_asn1(signer_cert), intermediate_certs=[_asn1(c) for c in others],
                                         validation_context=context)
        await validator.async_validate_path()
    finally:
        if backend is not None:
            await backend.close()


def _text(element, path, default=""):
    found = element.find(path, _NSMAP)
    if found is None or found.text is None:
        return default
    return found.text.strip()


def _required(element, path):
    value = _text(element, path)
    if not value:
        raise _malformed(_("thiếu %(field)s") % {"field": path.replace("edXML:", "")})
    return value


def _date(element, path):
    value = _text(element, path)
    if not value:
        return None
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise _malformed(_("ngày “%(value)s” không đúng dạng YYYY-MM-DD") % {"value": value[:40]}) from None


def _time(element, path):
    value = _text(element, path)
    if not value:
        return None
    try:
        moment = datetime.datetime.fromisoformat(value)
    except ValueError:
        raise _malformed(_("thời điểm “%(value)s” không đúng dạng ISO 8601") % {"value": value[:40]}) from None
    return moment if timezone.is_aware(moment) else timezone.make_aware(moment)


def _read_organ(element):
    return Organ(code=_text(element, "edXML:OrganId"), name=_text(element, "edXML:OrganName"),
                 in_charge=_text(element, "edXML:OrganizationInCharge"), address=_text(element, "edXML:OrganAdd"),
                 email=_text(element, "edXML:Email"), phone=_text(element, "edXML:Telephone"),
                 fax=_text(element, "edXML:Fax"), website=_text(element, "edXML:Website"))


def _read_attachments(root):
    manifest = root.findall("edXML:edXMLBody/edXML:edXMLManifest/edXML:Reference", _NSMAP)
    encoded = {}
    for item in root.findall("edXML:edXMLBody/edXML:AttachmentEncodedList/edXML:Attachment", _NSMAP):
        encoded[_text(item, "edXML:ContentId")] = item
    attachments = []
    for reference in manifest:
        cid, name = _required(reference, "edXML:ContentId"), _text(reference, "edXML:AttachmentName")
        item = encoded.pop(cid, None)
        if item is None:
            raise EnvelopeError(_("Gói tin edXML thiếu tệp đính kèm “%(name)s” (cid %(cid)s) có trong danh mục.")
                                % {"name": name, "cid": cid})
        try:
            data = base64.b64decode("".join(_text(item, "edXML:Value").split()), validate=True)
        except (ValueError, binascii.Error):
            raise _malformed(_("tệp “%(name)s” không phải base64") % {"name": name}) from None
        size, digest = _text(reference, "edXML:Size"), _text(reference, "edXML:Sha256").lower()
        if (size and size != str(len(data))) or digest != hashlib.sha256(data).hexdigest():
            raise EnvelopeError(_("Tệp “%(name)s” trong gói tin edXML không khớp mã băm SHA-256 hoặc kích thước "
                                  "ghi trong danh mục.") % {"name": name})
        attachments.append(Attachment(cid=cid, name=name, content_type=_text(reference, "edXML:ContentType"),
                                      data=data, description=_text(reference, "edXML:Description")))
    if encoded:
        raise _malformed(_("có tệp đính kèm không có trong danh mục"))
    return attachments


def _read_status(root, message_id):
    status = root.find("edXML:edXMLHeader/edXML:Status", _NSMAP)
    code = _required(status, "edXML:StatusCode")
    if code not in STATUS_CODES:
        raise _malformed(_("mã trạng thái “%(code)s” không hợp lệ") % {"code": code[:10]})
    return StatusMessage(
        message_id=message_id, document_id=_required(status, "edXML:ResponseFor/edXML:DocumentId"),
        from_code=_required(status, "edXML:From/edXML:OrganId"), from_name=_text(status, "edXML:From/edXML:OrganName"),
        to_code=_required(status, "edXML:To/edXML:OrganId"), to_name=_text(status, "edXML:To/edXML:OrganName"),
        code=code, reason=_text(status, "edXML:Description"), at=_time(status, "edXML:Timestamp") or timezone.now(),
        department=_text(status, "edXML:StaffInfo/edXML:Department"),
        staff_name=_text(status, "edXML:StaffInfo/edXML:Staff"),
    )


def _read_document(root, message_id):
    header = root.find("edXML:edXMLHeader", _NSMAP)
    message = header.find("edXML:MessageHeader", _NSMAP)
    sender = message.find("edXML:From", _NSMAP)
    if sender is None:
        raise _malformed(_("thiếu From"))
    business = _text(header, "edXML:Bussiness/edXML:BussinessDocType", "0")
    if business not in BUSINESS_TYPES:
        raise _malformed(_("loại nghiệp vụ “%(code)s” không hợp lệ") % {"code": business[:10]})
    envelope = Envelope(
        message_id=message_id, from_organ=_read_organ(sender),
        to_organs=[_read_organ(to) for to in message.findall("edXML:To", _NSMAP)],
        document_id=_required(message, "edXML:DocumentId"),
        code_number=_text(message, "edXML:Code/edXML:CodeNumber"),
        code_notation=_text(message, "edXML:Code/edXML:CodeNotation"),
        place=_text(message, "edXML:PromulgationInfo/edXML:Place"),
        promulgation_date=_date(message, "edXML:PromulgationInfo/edXML:PromulgationDate"),
        document_type=_text(message, "edXML:DocumentType/edXML:Type"),
        document_type_name=_text(message, "edXML:DocumentType/edXML:TypeName"),
        subject=_text(message, "edXML:Subject"),
        signer_competence=_text(message, "edXML:SignerInfo/edXML:Competence"),
        signer_position=_text(message, "edXML:SignerInfo/edXML:Position"),
        signer_full_name=_text(message, "edXML:SignerInfo/edXML:FullName"),
        due_date=_date(message, "edXML:DueDate"),
        to_places=[(p.text or "").strip() for p in message.findall("edXML:ToPlaces/edXML:Place", _NSMAP)],
        response_for=[
            ResponseFor(organ_code=_text(r, "edXML:OrganId"), code=_text(r, "edXML:Code"),
                        promulgation_date=_date(r, "edXML:PromulgationDate"), document_id=_text(r, "edXML:DocumentId"))
            for r in message.findall("edXML:ResponseFor", _NSMAP)
        ],
        priority=_text(message, "edXML:OtherInfo/edXML:Priority", "0"),
        security_level=_text(message, "edXML:OtherInfo/edXML:SecurityLevel", "0"),
        steering_type=_text(message, "edXML:SteeringType"),
        trace=[Trace(organ_code=_text(t, "edXML:OrganId"), at=_time(t, "edXML:Timestamp"))
               for t in header.findall("edXML:TraceHeaderList/edXML:TraceHeader", _NSMAP)],
        business=business,
        business_reason=_text(header, "edXML:Bussiness/edXML:BussinessDocReason"),
        business_document_id=_text(header, "edXML:Bussiness/edXML:DocumentId"),
        attachments=_read_attachments(root),
    )
    if not envelope.from_organ.code:
        raise _malformed(_("thiếu mã định danh cơ quan gửi (From/OrganId)"))
    return envelope


def _message(root):
    message_id = _text(root, "edXML:edXMLHeader/exp:MessageId")
    if not message_id:
        raise _malformed(_("thiếu mã gói tin (MessageId)"))
    if root.find("edXML:edXMLHeader/edXML:Status", _NSMAP) is not None:
        return _read_status(root, message_id)
    if root.find("edXML:edXMLHeader/edXML:MessageHeader", _NSMAP) is not None:
        return _read_document(root, message_id)
    raise _malformed(_("thiếu MessageHeader hoặc Status"))


def envelope_read(data: bytes, *, trusted_pem: list | None = None) -> Read:
    """The message of a signed envelope, checked: well formed, within the size limit, no DTD or entities, the
    edXML namespace, one enveloped signature over the whole envelope that verifies, by a certificate valid now and
    trusted (`trusted_pem=None`: the portal's trust roots, as for PDFs; a list of PEM texts: the signer must be one
    of those certificates or issued by one of them), every attachment in the manifest present with its SHA-256.
    Raises EnvelopeError with the reason."""
    data = bytes(data or b"")
    root = _parse(data)
    certificates = _signature_certificates(root)
    signer_cert = certificates[0]
    _check_validity(signer_cert)
    signed = _verify_signature(root, signer_cert)
    _check_trust(signer_cert, certificates[1:], trusted_pem)
    return Read(message=_message(signed),
                signer_pem=signer_cert.public_bytes(serialization.Encoding.PEM).decode("ascii"))
