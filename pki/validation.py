"""Checking the signatures of a PDF: is it intact, by whom, trusted, changed after signing?

Trust store: the PEM files named by settings.PKI_TRUST_ROOTS, plus the demo CA when settings.PKI_TRUST_DEMO_CA
is true. Revocation is checked soft-fail and nothing is fetched from the network (the portal runs offline).
validate_pdf never raises on bad input: the report carries an error instead.
"""

import hashlib
import logging
from dataclasses import dataclass, field
from datetime import datetime
from io import BytesIO

from django.utils.translation import gettext as _
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.fields import enumerate_sig_fields
from pyhanko.sign.validation import EmbeddedPdfSignature, validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

from . import aio
from .trust import trust_roots

logger = logging.getLogger(__name__)


@dataclass
class SignatureReport:
    signer_name: str = ""
    signer_subject: str = ""
    issuer: str = ""
    signed_at: datetime | None = None
    intact: bool = False
    valid: bool = False
    trusted: bool = False
    covers_whole_file: bool = False
    # True when the file was changed after this signature beyond adding later signatures or filling forms.
    modified_after_signing: bool = False
    summary: str = ""
    error: str = ""
    field_name: str = ""

    @property
    def status(self):
        """One word for the outcome: error, tampered, invalid, modified, untrusted or valid."""
        if self.error:
            return "error"
        if not self.intact:
            return "tampered"
        if not self.valid:
            return "invalid"
        if self.modified_after_signing:
            return "modified"
        if not self.trusted:
            return "untrusted"
        return "valid"

    @property
    def ok(self):
        return self.status == "valid"


@dataclass
class ValidationReport:
    sha256: str
    signatures: list = field(default_factory=list)
    error: str = ""

    @property
    def signed(self):
        return bool(self.signatures)

    @property
    def all_valid_and_trusted(self):
        return self.signed and not self.error and all(s.ok for s in self.signatures)

    @property
    def status(self):
        """error, unsigned, valid, or the status of the first signature that is not valid."""
        if self.error:
            return "error"
        if not self.signed:
            return "unsigned"
        return next((s.status for s in self.signatures if not s.ok), "valid")

    @property
    def summary(self):
        if self.error:
            return self.error
        if not self.signed:
            return _("Tệp không có chữ ký số.")
        if self.all_valid_and_trusted:
            return _("Mọi chữ ký số trong tệp đều hợp lệ, tin cậy và tệp không bị sửa sau khi ký.")
        return _("Có chữ ký số không hợp lệ hoặc không tin cậy; xem chi tiết từng chữ ký.")


def _trust_problem(indication):
    name = getattr(indication, "name", "")
    if name in ("EXPIRED", "OUT_OF_BOUNDS_NO_POE", "OUT_OF_BOUNDS_NOT_REVOKED", "NOT_YET_VALID"):
        return _("chứng thư số không còn hiệu lực tại thời điểm kiểm tra")
    if name in ("REVOKED", "REVOKED_NO_POE", "REVOKED_CA_NO_POE"):
        return _("chứng thư số đã bị thu hồi")
    return _("chứng thư số không do tổ chức cung cấp dịch vụ chứng thực tin cậy cấp")


def _summary(report, trust_problem):
    status = report.status
    if status == "tampered":
        return _("Tệp đã bị sửa sau khi ký: nội dung không còn khớp với chữ ký số.")
    if status == "invalid":
        return _("Chữ ký số không hợp lệ: giá trị chữ ký không khớp với chứng thư số.")
    if status == "modified":
        return _("Chữ ký số đúng với phần đã ký, nhưng tệp đã bị bổ sung, sửa đổi nội dung sau khi ký.")
    if status == "untrusted":
        return _("Chữ ký số khớp với nội dung nhưng không tin cậy: %(problem)s.") % {"problem": trust_problem}
    if not report.covers_whole_file:
        return _(
            "Chữ ký số hợp lệ của %(signer)s; chứng thư số tin cậy; sau khi ký, tệp chỉ được ký thêm hoặc điền biểu mẫu."
        ) % {"signer": report.signer_name}
    return _("Chữ ký số hợp lệ của %(signer)s; chứng thư số tin cậy; tệp không bị sửa sau khi ký.") % {
        "signer": report.signer_name
    }


def name_in_words(name):
    """A certificate's subject or issuer as a reader says it: "Demo CA, Tổ chức: Cổng…, Quốc gia: VN" rather
    than asn1crypto's "Common Name: …, Organization: …"."""
    native = name.native
    labels = {"organizational_unit_name": _("Đơn vị"), "organization_name": _("Tổ chức"),
              "locality_name": _("Địa phương"), "state_or_province_name": _("Tỉnh, thành phố"),
              "country_name": _("Quốc gia"), "email_address": _("Thư điện tử")}
    def text(value):
        return ", ".join(value) if isinstance(value, list) else str(value or "")

    parts = [text(native.get("common_name"))] + [f"{label}: {text(native[key])}" for key, label in labels.items()
                                                 if native.get(key)]
    return ", ".join(p for p in parts if p) or name.human_friendly


def _check(embedded, context):
    report = SignatureReport(field_name=embedded.field_name or "")
    try:
        cert = embedded.signer_cert
        report.signer_name = cert.subject.native.get("common_name", "") or cert.subject.human_friendly
        report.signer_subject = name_in_words(cert.subject)
        report.issuer = name_in_words(cert.issuer)
        status = aio.call(validate_pdf_signature, embedded, signer_validation_context=context)
    except Exception as exc:  # noqa: BLE001 (pyHanko raises many kinds of errors on malformed signatures)
        logger.info("signature %s could not be checked: %r", report.field_name, exc)
        return _broken(report.field_name)
    report.signed_at = status.signer_reported_dt or embedded.self_reported_timestamp
    report.intact, report.valid, report.trusted = bool(status.intact), bool(status.valid), bool(status.trusted)
    report.covers_whole_file = status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    later_changes_allowed = status.docmdp_ok is not False and (
        status.modification_level is not None and status.modification_level <= ModificationLevel.FORM_FILLING
    )
    report.modified_after_signing = not report.covers_whole_file and not later_changes_allowed
    report.summary = _summary(report, _trust_problem(status.trust_problem_indic))
    return report


def _broken(field_name):
    message = _("Không kiểm tra được chữ ký số này: dữ liệu chữ ký bị hỏng hoặc không được hỗ trợ.")
    return SignatureReport(field_name=field_name, error=message, summary=message)


def _embedded_signatures(reader):
    """(signatures in signing order, names of signature fields whose signature cannot even be parsed)."""
    found, broken = [], []
    for name, _value, field_ref in enumerate_sig_fields(reader, filled_status=True):
        try:
            found.append(EmbeddedPdfSignature(reader, field_ref, name))
        except Exception as exc:  # noqa: BLE001 (a damaged CMS blob fails in asn1crypto in many ways)
            logger.info("signature field %s cannot be parsed: %r", name, exc)
            broken.append(name)
    return sorted(found, key=lambda s: s.signed_revision), broken


def validate_pdf(pdf_bytes) -> ValidationReport:
    """Check every signature of a PDF against the trust store; garbage gives a report with an error."""
    data = bytes(pdf_bytes or b"")
    report = ValidationReport(sha256=hashlib.sha256(data).hexdigest())
    try:
        reader = PdfFileReader(BytesIO(data), strict=False)
        if reader.encrypted:
            report.error = _("Tệp PDF đã được đặt mật khẩu nên không kiểm tra được chữ ký số.")
            return report
        signatures, broken = _embedded_signatures(reader)
    except Exception as exc:  # noqa: BLE001 (never raise on garbage: the reader fails in many ways)
        logger.info("not a readable PDF: %r", exc)
        report.error = _("Tệp không phải là PDF đọc được nên không kiểm tra được chữ ký số.")
        return report
    roots = trust_roots()
    for embedded in signatures:
        context = ValidationContext(trust_roots=roots, allow_fetching=False, revocation_mode="soft-fail")
        report.signatures.append(_check(embedded, context))
    report.signatures.extend(_broken(name) for name in broken)
    return report
