"""Is this PDF a genuine, unaltered document issued through the portal? One verdict for /verify/.

The file's SHA-256 is compared with the record of every issued file; its signatures are checked by
pki.validation; a copy that is not byte-identical is traced back to our record through its signature
(the agency certificate's fingerprint and the signing time, which is the moment of issue) or through the
verification code of the page it was uploaded from. Secret documents are never a record here: their
files get the same answer as any file the portal never issued.
"""

import logging
from dataclasses import dataclass
from datetime import timedelta
from io import BytesIO

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.fields import enumerate_sig_fields
from pyhanko.sign.validation import EmbeddedPdfSignature

from documents.models import OutgoingFile
from pki.validation import validate_pdf

from .selectors import public_outgoing

logger = logging.getLogger(__name__)

GENUINE, MODIFIED, UNTRUSTED, NOT_ISSUED = "genuine", "modified", "untrusted", "not_issued"
BROKEN_SIGNATURE = ("error", "tampered", "invalid", "modified")


@dataclass
class Verdict:
    kind: str
    report: object  # pki.validation.ValidationReport
    outgoing: object = None  # the portal's record, never a secret document
    file: object = None  # the record's file that matched byte for byte

    @property
    def byte_match(self):
        return self.file is not None

    @property
    def recorded_sha256(self):
        if self.file is not None:
            return self.file.signed_sha256
        return self.outgoing.signed_sha256 if self.outgoing is not None else ""

    @property
    def moot(self):
        """The uploaded file is not the one that was signed: what its signatures prove holds only for the bytes
        they cover, so no check may read as passed."""
        return self.kind == MODIFIED

    @property
    def title(self):
        return {
            GENUINE: _("Văn bản thật, còn nguyên vẹn"),
            MODIFIED: _("Tệp đã bị sửa đổi"),
            UNTRUSTED: _("Chữ ký số không được tin cậy"),
            NOT_ISSUED: _("Không có bản ghi công khai trên cổng"),
        }[self.kind]

    @property
    def message(self):
        if self.kind == GENUINE:
            return _(
                "Tệp trùng khớp từng byte với bản do %(agency)s phát hành qua cổng: nội dung không bị thay đổi."
            ) % {"agency": self.outgoing.agency.name}
        if self.kind == MODIFIED and self.outgoing is not None:
            return _(
                "Đây là bản đã bị thay đổi của văn bản số %(notation)s do %(agency)s phát hành: tệp không còn "
                "khớp với bản gốc lưu tại cổng. Đừng dựa vào nội dung tệp này; hãy tải bản gốc từ cơ quan ban hành."
            ) % {"notation": self.outgoing.notation, "agency": self.outgoing.agency.name}
        if self.kind == MODIFIED:
            return _(
                "Tệp đã bị sửa sau khi ký: nội dung không còn khớp với chữ ký số. Đừng dựa vào nội dung tệp này."
            )
        if self.kind == UNTRUSTED:
            return _(
                "Chữ ký số trong tệp không được tin cậy (chứng thư số không do tổ chức cung cấp dịch vụ chứng thực "
                "tin cậy cấp, hoặc đã bị thu hồi trước khi ký), và cổng không phát hành văn bản này. Đừng coi đây là "
                "văn bản của cơ quan nhà nước."
            )
        if not self.report.signed:
            return _("Tệp không có chữ ký số và không được phát hành qua cổng.")
        return _(
            "Tệp có chữ ký số hợp lệ nhưng cổng không có bản ghi công khai của văn bản này: văn bản không được "
            "phát hành qua cổng hoặc không được công khai."
        )


def _signatures(data):
    """(certificate SHA-256, signing time) of each signature whose data can still be read."""
    found = []
    try:
        reader = PdfFileReader(BytesIO(data), strict=False)
        fields = list(enumerate_sig_fields(reader, filled_status=True))
    except Exception as exc:  # noqa: BLE001 (a damaged file fails in the reader in many ways)
        logger.info("signatures not readable: %r", exc)
        return found
    for name, _value, field_ref in fields:
        try:
            embedded = EmbeddedPdfSignature(reader, field_ref, name)
            found.append((embedded.signer_cert.sha256.hex(), embedded.self_reported_timestamp))
        except Exception as exc:  # noqa: BLE001 (a damaged CMS blob fails in asn1crypto in many ways)
            logger.info("signature %s not readable: %r", name, exc)
    return found


def _record_from_signatures(data):
    """The public document one of the file's signatures was made for, when exactly one matches."""
    for fingerprint, signed_at in _signatures(data):
        if signed_at is None:
            continue
        # The stamp's signing time is the moment of issue, written to the second.
        candidates = list(public_outgoing().filter(
            agency__certificates__fingerprint_sha256=fingerprint,
            issued_at__gte=signed_at - timedelta(seconds=1), issued_at__lt=signed_at + timedelta(seconds=2),
        ).distinct().select_related("agency", "signer__user")[:2])
        if len(candidates) == 1:
            return candidates[0]
    return None


def _record_from_code(verify_code):
    if not verify_code:
        return None
    return public_outgoing().select_related("agency", "signer__user").filter(verify_code=verify_code).first()


def verify_pdf(data, *, verify_code=""):
    """The verdict on an uploaded PDF; ValidationError when the file cannot be read as a PDF at all."""
    report = validate_pdf(data)
    match = (OutgoingFile.objects.filter(signed_sha256=report.sha256, outgoing__in=public_outgoing())
             .select_related("outgoing__agency", "outgoing__signer__user").first())
    if match is not None:
        return Verdict(GENUINE, report, match.outgoing, match)
    record = _record_from_signatures(data) or _record_from_code(verify_code)
    if report.error and record is None:
        raise ValidationError(report.error, code="unreadable")
    if record is not None or report.error or any(s.status in BROKEN_SIGNATURE for s in report.signatures):
        return Verdict(MODIFIED, report, record)
    if report.signed and any(s.status in ("untrusted", "revoked") for s in report.signatures):
        return Verdict(UNTRUSTED, report)
    return Verdict(NOT_ISSUED, report)
