"""Checking the signatures of a PDF, each on its own, in words a reader understands; Decree 30 Art. 5 on top.

Trust store: pki.trust.trust_roots(). Nothing is fetched from the network: the portal may run offline, a page
view must not wait on a foreign CA's OCSP responder, and fetching would tell that CA who reads what. What the
file carries is used instead: its document security store (DSS, PAdES B-LT) and the certificates and
revocation data inside the signatures.

Each signature is checked twice:
- now, with the diff analysis: is the signed content intact, does the signature match the certificate, what
  changed after it (nothing, only permitted changes, or changes the signature does not permit);
- at the moment of signing, when an RFC 3161 timestamp proves that moment (otherwise now: a signing time the
  signer claims proves nothing), with the embedded revocation data taken as valid for that moment
  (`retroactive_revinfo`, as PAdES-LT validation does): a certificate revoked after the timestamp leaves the
  signature "valid at signing time"; one revoked before it makes the signature invalid. Soft-fail tells whether
  the chain is trusted; hard-fail whether the file carries revocation data for it (good, or unknown).

Who signed: the certificate's SHA-256 fingerprint is looked up among the portal's personal and agency
certificates; a certificate the portal does not hold is classified by its subject: CN equal to O is an agency
(an organisation's certificate names it twice), a title, given name or surname, or a CN different from O, is a
person. Document timestamps (ETSI.RFC3161) are reported as such.

validate_pdf never raises on bad input: the report carries an error instead.
"""

import hashlib
import logging
from dataclasses import dataclass, field
from datetime import datetime
from io import BytesIO

from asn1crypto import crl as asn1_crl
from asn1crypto import ocsp as asn1_ocsp
from django.core.cache import cache
from django.utils import timezone
from django.utils.translation import gettext as _
from pyhanko.pdf_utils.decode_limits import DecodePurpose
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.fields import enumerate_sig_fields
from pyhanko.sign.validation import (
    DocumentSecurityStore,
    EmbeddedPdfSignature,
    validate_pdf_signature,
    validate_pdf_timestamp,
)
from pyhanko.sign.validation.errors import NoDSSFoundError
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

from . import aio
from .models import AgencyCertificate, PersonalCertificate
from .trust import trust_roots

logger = logging.getLogger(__name__)

PERSON, AGENCY, TIMESTAMP = "person", "agency", "timestamp"
GOOD, REVOKED, UNKNOWN = "good", "revoked", "unknown"
NO_CHANGES, PERMITTED, NOT_PERMITTED = "none", "permitted", "not_permitted"
# A report is kept for a while by the file's SHA-256; what it says of "now" (expiry) may age, so not for long.
CACHE_SECONDS = 600


@dataclass
class Row:
    """One check of a signature: what is checked, the answer in words, and its state (pass, fail, warn; moot
    when the file was changed after signing: the answer holds only for the part that was signed)."""

    label: str
    text: str
    state: str

    @property
    def state_label(self):
        return {"pass": _("Đạt"), "fail": _("Không đạt"), "warn": _("Cần lưu ý"),
                "moot": _("Chỉ đúng với phần tệp trước khi bị sửa")}[self.state]

    @property
    def icon(self):
        return {"pass": "bi-check-circle-fill text-success", "fail": "bi-x-circle-fill text-danger",
                "warn": "bi-exclamation-triangle-fill text-warning", "moot": "bi-dash-circle text-secondary"}[self.state]


def _when(moment):
    """A signing time as the portal writes it: ISO 8601 with Vietnam's offset, and dd/mm/yyyy for reading."""
    local = timezone.localtime(moment, timezone.get_default_timezone())
    return f"{local:%H:%M:%S} {local:%d/%m/%Y} ({local.isoformat(timespec='seconds')})"


@dataclass
class SignatureReport:
    field_name: str = ""
    kind: str = ""  # PERSON, AGENCY or TIMESTAMP (a document timestamp)
    signer_name: str = ""  # the certificate's common name
    signer_title: str = ""
    signer_organisation: str = ""
    signer_subject: str = ""
    issuer: str = ""
    fingerprint: str = ""
    claimed_at: datetime | None = None  # the time the signer wrote, proven by nothing
    timestamped_at: datetime | None = None  # the time of a valid, trusted RFC 3161 token
    timestamp_authority: str = ""
    intact: bool = False
    valid: bool = False
    trusted: bool = False  # the chain, at the moment of signing when timestamped, else now
    trust_problem: str = ""
    revocation: str = UNKNOWN  # at the moment of signing: GOOD, REVOKED or UNKNOWN (no revocation data)
    revoked_at: datetime | None = None  # when the file shows the certificate revoked (before or after signing)
    long_term: str = ""  # "", "B-LT" (timestamp and revocation data), "B-LTA" (and a document timestamp after)
    changes: str = NO_CHANGES
    changes_level: str = ""  # pyHanko's ModificationLevel name for permitted changes
    covers_whole_file: bool = False
    error: str = ""

    @property
    def signed_at(self):
        return self.timestamped_at or self.claimed_at

    @property
    def modified_after_signing(self):
        """True when the file was changed after this signature beyond what it permits."""
        return self.changes == NOT_PERMITTED

    @property
    def revoked_before_signing(self):
        return self.revocation == REVOKED

    @property
    def status(self):
        """One word: error, tampered, invalid, modified, revoked, untrusted or valid."""
        if self.error:
            return "error"
        if not self.intact:
            return "tampered"
        if not self.valid:
            return "invalid"
        if self.modified_after_signing:
            return "modified"
        if self.revoked_before_signing:
            return "revoked"
        if not self.trusted:
            return "untrusted"
        return "valid"

    @property
    def ok(self):
        return self.status == "valid"

    @property
    def status_label(self):
        return {
            "error": _("Không kiểm tra được"), "tampered": _("Không hợp lệ: nội dung đã bị sửa sau khi ký"),
            "invalid": _("Không hợp lệ: chữ ký không khớp với chứng thư số"),
            "modified": _("Không hợp lệ: tệp bị sửa đổi sau khi ký"),
            "revoked": _("Không hợp lệ: chứng thư số đã bị thu hồi"),
            "untrusted": _("Không tin cậy"),
            # Without a timestamp the check is made now: the claimed signing time proves nothing.
            "valid": _("Hợp lệ tại thời điểm ký") if self.timestamped_at else _("Hợp lệ tại thời điểm kiểm tra"),
        }[self.status]

    @property
    def tone(self):
        """The colour the status is shown in, beside its words: success, warning (not trusted, not checked)
        or danger."""
        if self.ok:
            return "success"
        return "warning" if self.status in ("untrusted", "error") else "danger"

    @property
    def kind_label(self):
        return {PERSON: _("Chữ ký số của cá nhân"), AGENCY: _("Chữ ký số của cơ quan, tổ chức"),
                TIMESTAMP: _("Dấu thời gian của tài liệu")}.get(self.kind, _("Chữ ký số"))

    @property
    def who(self):
        if self.kind == PERSON:
            details = ", ".join(part for part in (self.signer_title, self.signer_organisation) if part)
            name = self.signer_name or _("không rõ tên")
            if details:
                return _("Cá nhân: %(name)s (%(details)s)") % {"name": name, "details": details}
            return _("Cá nhân: %(name)s") % {"name": name}
        if self.kind == TIMESTAMP:
            return _("Tổ chức cấp dấu thời gian: %(name)s") % {"name": self.signer_name}
        return _("Cơ quan, tổ chức: %(name)s") % {"name": self.signer_name or self.signer_organisation}

    @property
    def when(self):
        if self.kind == TIMESTAMP and self.timestamped_at:
            return _("Dấu thời gian lúc %(when)s") % {"when": _when(self.timestamped_at)}
        if self.timestamped_at:
            return _("Có dấu thời gian của %(tsa)s lúc %(when)s") % {
                "tsa": self.timestamp_authority, "when": _when(self.timestamped_at)}
        if self.claimed_at:
            return _("%(when)s: thời gian do người ký tự khai, không có dấu thời gian chứng minh") % {
                "when": _when(self.claimed_at)}
        return _("Không có thời gian ký")

    @property
    def revocation_text(self):
        if self.revocation == REVOKED and self.timestamped_at:
            return _("Đã bị thu hồi lúc %(when)s, trước thời điểm ký") % {"when": _when(self.revoked_at)}
        if self.revocation == REVOKED:
            return _("Đã bị thu hồi lúc %(when)s; không có dấu thời gian chứng minh chữ ký có trước đó") % {
                "when": _when(self.revoked_at)}
        if self.revocation == GOOD and self.revoked_at:
            return _("Chưa bị thu hồi khi ký; bị thu hồi sau đó, lúc %(when)s: chữ ký vẫn hợp lệ tại thời điểm ký") \
                % {"when": _when(self.revoked_at)}
        if self.revocation == GOOD:
            return _("Chưa bị thu hồi (theo dữ liệu OCSP/CRL kèm trong tệp)")
        return _("Không rõ: tệp không kèm dữ liệu thu hồi (OCSP/CRL) của chứng thư số")

    @property
    def long_term_text(self):
        if self.long_term == "B-LTA":
            return _("Có (PAdES B-LTA): dấu thời gian, dữ liệu thu hồi và dấu thời gian tài liệu sau chữ ký")
        if self.long_term == "B-LT":
            return _("Có (PAdES B-LT): dấu thời gian và dữ liệu thu hồi kèm trong tệp")
        return _("Không có: thiếu dấu thời gian hoặc dữ liệu thu hồi; chữ ký khó chứng minh khi chứng thư hết hạn")

    @property
    def changes_text(self):
        if self.changes == NOT_PERMITTED:
            return _("Có thay đổi mà chữ ký không cho phép")
        if self.changes == PERMITTED and self.changes_level == ModificationLevel.LTA_UPDATES.name:
            return _("Chỉ bổ sung dữ liệu kiểm tra (dữ liệu thu hồi, dấu thời gian tài liệu)")
        if self.changes == PERMITTED:
            return _("Chỉ các thay đổi được phép: điền biểu mẫu, ký thêm, bổ sung dữ liệu kiểm tra")
        return _("Không có: chữ ký bao trùm toàn bộ tệp")

    def rows(self, moot=False):
        """The report's lines in the order a reader asks them. `moot`: the file is not the one that was
        signed, so no check may read as passed."""
        if self.error:
            return [Row(_("Kết quả"), self.error, "fail")]
        moot = moot or self.modified_after_signing or not self.intact

        def state(passed, weak=False):
            if not passed:
                return "fail"
            if moot:
                return "moot"
            return "warn" if weak else "pass"

        rows = [Row(_("Thời điểm ký"), self.when, state(True, weak=not self.timestamped_at)),
                Row(_("Nội dung đã ký còn nguyên vẹn"), _("Có") if self.intact else _("Không"), state(self.intact)),
                Row(_("Chữ ký khớp với chứng thư số"), _("Có") if self.valid else _("Không"), state(self.valid)),
                Row(_("Chứng thư số do tổ chức tin cậy cấp"),
                    _("Có") if self.trusted else _("Không: %(problem)s") % {"problem": self.trust_problem},
                    state(self.trusted))]
        if self.kind != TIMESTAMP:
            rows.append(Row(_("Thu hồi tại thời điểm ký"), self.revocation_text,
                            state(self.revocation != REVOKED, weak=self.revocation == UNKNOWN)))
            rows.append(Row(_("Dữ liệu kiểm tra dài hạn"), self.long_term_text, state(True, weak=not self.long_term)))
        rows.append(Row(_("Thay đổi sau khi ký"), self.changes_text, state(self.changes != NOT_PERMITTED)))
        return rows

    @property
    def detail(self):
        """Why the signature has its status, in one sentence."""
        if self.status == "tampered":
            return _("Tệp đã bị sửa sau khi ký: nội dung không còn khớp với chữ ký số.")
        if self.status == "invalid":
            return _("Chữ ký số không hợp lệ: giá trị chữ ký không khớp với chứng thư số.")
        if self.status == "modified":
            return _("Chữ ký số đúng với phần đã ký, nhưng tệp đã bị bổ sung, sửa đổi nội dung sau khi ký.")
        if self.status == "revoked":
            return self.revocation_text + "."
        if self.status == "untrusted":
            return _("Chữ ký số khớp với nội dung nhưng không tin cậy: %(problem)s.") % {"problem": self.trust_problem}
        if self.changes == PERMITTED:
            return _("Sau khi ký, tệp chỉ được ký thêm, điền biểu mẫu hoặc bổ sung dữ liệu kiểm tra.")
        return _("Tệp không bị sửa sau khi ký.")

    @property
    def summary(self):
        """One or two sentences on this signature, for the places that keep text only (screening, incidents)."""
        if self.error:
            return self.error
        return _("%(kind)s – %(who)s: %(status)s. %(detail)s") % {
            "kind": self.kind_label, "who": self.who, "status": self.status_label, "detail": self.detail}


@dataclass
class ValidationReport:
    sha256: str
    signatures: list = field(default_factory=list)  # signatures and document timestamps, in signing order
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
    def last_signer(self):
        """The last signature that is not a document timestamp (None when there is none)."""
        return next((s for s in reversed(self.signatures) if s.kind != TIMESTAMP), None)

    def _valid(self, kind):
        return any(s.kind == kind and s.ok for s in self.signatures)

    @property
    def meets_article_5(self):
        """Decree 30 Art. 5: a valid signature of the competent person and one of the agency."""
        return self._valid(PERSON) and self._valid(AGENCY)

    @property
    def article_5_problems(self):
        problems = []
        for kind, missing, invalid in (
            (PERSON, _("Thiếu chữ ký số của người có thẩm quyền."),
             _("Chữ ký số của người có thẩm quyền không hợp lệ.")),
            (AGENCY, _("Thiếu chữ ký số của cơ quan, tổ chức."), _("Chữ ký số của cơ quan, tổ chức không hợp lệ.")),
        ):
            if not self._valid(kind):
                problems.append(invalid if any(s.kind == kind for s in self.signatures) else missing)
        return problems

    @property
    def article_5_text(self):
        if self.meets_article_5:
            return _("Đáp ứng Điều 5 Nghị định 30/2020/NĐ-CP: có chữ ký số hợp lệ của người có thẩm quyền và "
                     "của cơ quan, tổ chức.")
        return _("Chưa đáp ứng Điều 5 Nghị định 30/2020/NĐ-CP: %(reasons)s") % {
            "reasons": " ".join(self.article_5_problems)}

    @property
    def summary(self):
        if self.error:
            return self.error
        if not self.signed:
            return _("Tệp không có chữ ký số.")
        if self.all_valid_and_trusted:
            return _("Mọi chữ ký số trong tệp đều hợp lệ, tin cậy và tệp không bị sửa sau khi ký.")
        return _("Có chữ ký số không hợp lệ hoặc không tin cậy; xem chi tiết từng chữ ký.")


def name_in_words(name):
    """A certificate's subject or issuer as a reader says it: "Demo CA, Tổ chức: Cổng…, Quốc gia: VN" rather
    than asn1crypto's "Common Name: …, Organization: …"."""
    native = name.native
    labels = {"title": _("Chức danh"), "organizational_unit_name": _("Đơn vị"), "organization_name": _("Tổ chức"),
              "locality_name": _("Địa phương"), "state_or_province_name": _("Tỉnh, thành phố"),
              "country_name": _("Quốc gia"), "email_address": _("Thư điện tử")}
    parts = [_text(native.get("common_name"))] + [f"{label}: {_text(native[key])}" for key, label in labels.items()
                                                  if native.get(key)]
    return ", ".join(p for p in parts if p) or name.human_friendly


def _text(value):
    return ", ".join(str(v) for v in value) if isinstance(value, list) else str(value or "")


def _trust_problem(indication):
    name = getattr(indication, "name", "")
    if name in ("EXPIRED", "OUT_OF_BOUNDS_NO_POE", "OUT_OF_BOUNDS_NOT_REVOKED", "NOT_YET_VALID"):
        return _("chứng thư số không còn hiệu lực tại thời điểm kiểm tra")
    if name in ("REVOKED", "REVOKED_NO_POE", "REVOKED_CA_NO_POE"):
        return _("chứng thư số đã bị thu hồi")
    return _("chứng thư số không do tổ chức cung cấp dịch vụ chứng thực tin cậy cấp")


def kind_from_subject(subject):
    """PERSON or AGENCY for a certificate the portal does not hold (the rule in the module docstring)."""
    native = subject.native
    if any(native.get(key) for key in ("title", "given_name", "surname")):
        return PERSON
    common_name, organisation = _text(native.get("common_name")), _text(native.get("organization_name"))
    return AGENCY if common_name and common_name == organisation else PERSON


def _describe_signer(report, cert):
    native = cert.subject.native
    report.signer_name = _text(native.get("common_name")) or cert.subject.human_friendly
    report.signer_title = _text(native.get("title"))
    report.signer_organisation = _text(native.get("organization_name"))
    report.signer_subject = name_in_words(cert.subject)
    report.issuer = name_in_words(cert.issuer)
    report.fingerprint = cert.sha256.hex()


def _changes(report, status):
    report.covers_whole_file = status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    if report.covers_whole_file:
        report.changes = NO_CHANGES
        return
    level = status.modification_level
    allowed = status.docmdp_ok is not False and level is not None and level <= ModificationLevel.FORM_FILLING
    report.changes = PERMITTED if allowed else NOT_PERMITTED
    report.changes_level = level.name if allowed else ""


class _Evidence:
    """What the file carries to check certificates with: its DSS (certificates, OCSP responses, CRLs), read once
    per document; `current` is the context for "now", shared by the document's signatures (it caches paths)."""

    def __init__(self, reader, roots):
        self.roots, self.certs, self.ocsps, self.crls = roots, [], [], []
        try:
            dss = DocumentSecurityStore.read_dss(reader)
            self.certs = list(dss.load_certs())
            self.ocsps = [asn1_ocsp.OCSPResponse.load(ref.get_object().read_data(DecodePurpose.OCSP_RESPONSE))
                          for ref in dss.ocsps]
            self.crls = [asn1_crl.CertificateList.load(ref.get_object().read_data(DecodePurpose.CRL))
                         for ref in dss.crls]
        except NoDSSFoundError:
            pass
        except Exception as exc:  # noqa: BLE001 (a damaged DSS is no evidence, not a reason to give up on the file)
            logger.info("document security store not readable: %r", exc)
            self.certs, self.ocsps, self.crls = [], [], []
        self.current = self.context()

    def context(self, *, moment=None, hard=False):
        return ValidationContext(
            trust_roots=self.roots, other_certs=self.certs, ocsps=self.ocsps, crls=self.crls, allow_fetching=False,
            moment=moment, revocation_mode="hard-fail" if hard else "soft-fail", retroactive_revinfo=moment is not None,
        )


def _validate(embedded, evidence, **context):
    return aio.call(validate_pdf_signature, embedded, signer_validation_context=evidence.context(**context),
                    ts_validation_context=evidence.current, skip_diff=True)


def _timestamp(report, status):
    token = status.timestamp_validity
    if token is not None and token.intact and token.valid and token.trusted:
        report.timestamped_at = token.timestamp
        report.timestamp_authority = _text(token.signing_cert.subject.native.get("common_name"))


def _indication(status):
    return getattr(status.trust_problem_indic, "name", "")


def _statuses_at_signing_time(embedded, evidence, now_status, moment):
    """(hard-fail, soft-fail) statuses at the signing moment, with as few passes as possible (each failing
    pass also logs a line). Hard-fail first: for a B-LT signature it answers everything; soft-fail is asked
    only when hard-fail failed for want of revocation data (missing: a general chain failure; stale: try later)."""
    if _indication(now_status) == "NO_CERTIFICATE_CHAIN_FOUND" or (moment is None and not now_status.trusted):
        return now_status, now_status  # no trusted chain at any moment, or nothing more to learn about "now"
    hard = _validate(embedded, evidence, moment=moment, hard=True)
    if hard.trusted or hard.revoked or _indication(hard) not in ("CERTIFICATE_CHAIN_GENERAL_FAILURE", "TRY_LATER"):
        return hard, hard
    return hard, now_status if moment is None else _validate(embedded, evidence, moment=moment)


def _at_signing_time(report, embedded, evidence, now_status):
    """Trust and revocation at the timestamp's moment (or now, when not timestamped)."""
    if now_status.revoked:
        report.revoked_at = now_status.revocation_details.revocation_date
    hard, soft = _statuses_at_signing_time(embedded, evidence, now_status, report.timestamped_at)
    if soft.revoked:
        report.revocation, report.revoked_at = REVOKED, soft.revocation_details.revocation_date
        return
    report.trusted = soft.trusted
    report.revocation = GOOD if hard.trusted else UNKNOWN
    if not soft.trusted:
        report.trust_problem = _trust_problem(soft.trust_problem_indic)


def _check_signature(embedded, evidence):
    report = SignatureReport(field_name=embedded.field_name or "", claimed_at=embedded.self_reported_timestamp)
    _describe_signer(report, embedded.signer_cert)
    status = aio.call(validate_pdf_signature, embedded, signer_validation_context=evidence.current,
                      ts_validation_context=evidence.current)
    report.intact, report.valid = bool(status.intact), bool(status.valid)
    _changes(report, status)
    _timestamp(report, status)
    if report.intact and report.valid:
        _at_signing_time(report, embedded, evidence, status)
    if report.timestamped_at and report.revocation == GOOD:
        report.long_term = "B-LT"
    return report


def _check_document_timestamp(embedded, evidence):
    report = SignatureReport(field_name=embedded.field_name or "", kind=TIMESTAMP)
    _describe_signer(report, embedded.signer_cert)
    status = aio.call(validate_pdf_timestamp, embedded, validation_context=evidence.current)
    report.intact, report.valid, report.trusted = bool(status.intact), bool(status.valid), bool(status.trusted)
    if not report.trusted:
        report.trust_problem = _trust_problem(status.trust_problem_indic)
    report.timestamped_at = report.claimed_at = status.timestamp
    _changes(report, status)
    return report


def _check(embedded, evidence):
    try:
        if embedded.sig_object.get("/Type") == "/DocTimeStamp":
            return _check_document_timestamp(embedded, evidence)
        return _check_signature(embedded, evidence)
    except Exception as exc:  # noqa: BLE001 (pyHanko raises many kinds of errors on malformed signatures)
        logger.info("signature %s could not be checked: %r", embedded.field_name, exc)
        return _broken(embedded.field_name or "")


def _broken(field_name):
    return SignatureReport(field_name=field_name, error=_(
        "Không kiểm tra được chữ ký số này: dữ liệu chữ ký bị hỏng hoặc không được hỗ trợ."))


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


def _classify(checked):
    """Person or agency for each signature: the portal's own certificates first, then the subject."""
    fingerprints = {s.fingerprint for s, _embedded in checked if s.fingerprint and s.kind != TIMESTAMP}
    people = set(PersonalCertificate.objects.filter(fingerprint_sha256__in=fingerprints)
                 .values_list("fingerprint_sha256", flat=True))
    agencies = set(AgencyCertificate.objects.filter(fingerprint_sha256__in=fingerprints)
                   .values_list("fingerprint_sha256", flat=True))
    for signature, embedded in checked:
        if signature.kind == TIMESTAMP or signature.error:
            continue
        if signature.fingerprint in people:
            signature.kind = PERSON
        elif signature.fingerprint in agencies:
            signature.kind = AGENCY
        else:
            signature.kind = kind_from_subject(embedded.signer_cert.subject)


def _long_term_archive(checked):
    """B-LTA: a B-LT signature followed, in a later revision, by a valid document timestamp."""
    stamps = [embedded.signed_revision for report, embedded in checked if report.kind == TIMESTAMP and report.ok]
    for report, embedded in checked:
        if report.long_term and any(revision > embedded.signed_revision for revision in stamps):
            report.long_term = "B-LTA"


def validate_pdf(pdf_bytes) -> ValidationReport:
    """Check every signature and document timestamp of a PDF; garbage gives a report with an error."""
    data = bytes(pdf_bytes or b"")
    report = ValidationReport(sha256=hashlib.sha256(data).hexdigest())
    try:
        reader = PdfFileReader(BytesIO(data), strict=False)
        if reader.encrypted:
            report.error = _("Tệp PDF đã được đặt mật khẩu nên không kiểm tra được chữ ký số.")
            return report
        signatures, broken = _embedded_signatures(reader)
        evidence = _Evidence(reader, trust_roots())
    except Exception as exc:  # noqa: BLE001 (never raise on garbage: the reader fails in many ways)
        logger.info("not a readable PDF: %r", exc)
        report.error = _("Tệp không phải là PDF đọc được nên không kiểm tra được chữ ký số.")
        return report
    checked = [(_check(embedded, evidence), embedded) for embedded in signatures]
    _long_term_archive(checked)
    _classify(checked)
    report.signatures = [signature for signature, _embedded in checked] + [_broken(name) for name in broken]
    return report


def _trust_key():
    return hashlib.sha256(b"".join(root.dump() for root in trust_roots())).hexdigest()[:16]


def validate_stored(fieldfile, sha256=""):
    """validate_pdf of a stored file, kept in the cache for a while by the file's SHA-256 and the trust store
    (pages show it on every view). None when the file cannot be read."""
    trust = _trust_key()  # reads the trust store once per call
    key = f"pki:report:1:{sha256}:{trust}" if sha256 else ""
    found = cache.get(key) if key else None
    if isinstance(found, ValidationReport):
        return found
    try:
        with fieldfile.open("rb") as handle:
            data = handle.read()
    except (OSError, ValueError) as exc:
        logger.warning("cannot read %s to check its signatures: %s", getattr(fieldfile, "name", ""), exc)
        return None
    report = validate_pdf(data)
    cache.set(f"pki:report:1:{report.sha256}:{trust}", report, CACHE_SECONDS)
    return report
