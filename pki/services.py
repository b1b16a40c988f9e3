"""Writing actions on agency certificates: upload of a PKCS#12 file and installation of a key pair."""

import hashlib
import logging

from asn1crypto import pkcs12 as asn1_pkcs12
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role
from agencies.models import Agency
from core.crypto import encrypt

from .models import AgencyCertificate

logger = logging.getLogger(__name__)

# A PKCS#12 file holds one key and a few certificates: a few kilobytes. Anything far larger is not one.
MAX_PKCS12_BYTES = 256 * 1024


def _ensure_admin(admin):
    if not (admin and admin.has_role(Role.ADMIN)):
        raise PermissionDenied(_("Chỉ quản trị của cơ quan mới được thay đổi chứng thư số."))


def _pem(cert):
    return cert.public_bytes(serialization.Encoding.PEM).decode("ascii")


def _common_name(name):
    values = name.get_attributes_for_oid(x509.NameOID.COMMON_NAME)
    return str(values[0].value) if values else name.rfc4514_string()


def _same_public_key(private_key, cert):
    spki = serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    return private_key.public_key().public_bytes(*spki) == cert.public_key().public_bytes(*spki)


def _open_pkcs12(data, password):
    """(key, certificate, extra certificates) from PKCS#12 bytes, or a ValidationError saying what is wrong."""
    try:
        asn1_pkcs12.Pfx.load(data).native  # noqa: B018 (parses the whole structure, raising on garbage)
    except (ValueError, TypeError, KeyError, OverflowError):
        raise ValidationError(
            _("Tệp không phải là chứng thư số dạng PKCS#12 (.p12, .pfx)."), code="not_pkcs12"
        ) from None
    candidates = [password.encode("utf-8")] if password else [b"", None]
    for candidate in candidates:
        try:
            return pkcs12.load_key_and_certificates(data, candidate)
        except ValueError:
            continue
    raise ValidationError(_("Mật khẩu của tệp chứng thư số không đúng."), code="wrong_password")


def certificate_build(*, agency, certificate, private_key, chain=(), uploaded_by=None):
    """An unsaved AgencyCertificate for a cryptography certificate and key (the key is encrypted here)."""
    key_der = private_key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return AgencyCertificate(
        agency=agency,
        subject_cn=_common_name(certificate.subject)[:255],
        subject_dn=certificate.subject.rfc4514_string(),
        issuer_dn=certificate.issuer.rfc4514_string(),
        serial_number=format(certificate.serial_number, "X"),
        not_before=certificate.not_valid_before_utc,
        not_after=certificate.not_valid_after_utc,
        fingerprint_sha256=hashlib.sha256(certificate.public_bytes(serialization.Encoding.DER)).hexdigest(),
        certificate_pem=_pem(certificate),
        chain_pem="".join(_pem(c) for c in chain),
        private_key_encrypted=encrypt(key_der),
        is_active=True,
        uploaded_by=uploaded_by,
        uploaded_at=timezone.now(),
    )


@transaction.atomic
def certificate_install(*, agency, certificate, private_key, chain=(), uploaded_by=None):
    """Make this key pair the agency's active signing certificate; the previous one stays, inactive.

    No validity checks here: certificate_upload does them for people; the demo CA and tests call this directly.
    """
    Agency.objects.select_for_update().filter(pk=agency.pk).first()
    AgencyCertificate.objects.filter(agency=agency, is_active=True).update(is_active=False)
    record = certificate_build(
        agency=agency, certificate=certificate, private_key=private_key, chain=chain, uploaded_by=uploaded_by
    )
    record.save()
    logger.info("certificate %s installed for agency %s", record.fingerprint_sha256, agency.code)
    return record


@transaction.atomic
def certificate_upload(*, admin, pkcs12_bytes, password):
    """An agency admin replaces their own agency's signing certificate with a PKCS#12 file.

    Expects a Membership with the agency-admin role; refuses (ValidationError) a file that is too large,
    not PKCS#12, locked with another password, without a private key, whose key does not match the
    certificate, or whose certificate is expired or not yet valid. On success the previous
    certificate is deactivated.
    """
    _ensure_admin(admin)
    if len(pkcs12_bytes) > MAX_PKCS12_BYTES:
        raise ValidationError(
            _("Tệp quá lớn (tối đa %(kb)s KB); tệp chứng thư số thường chỉ vài KB.") % {"kb": MAX_PKCS12_BYTES // 1024},
            code="too_large",
        )
    private_key, certificate, extra = _open_pkcs12(pkcs12_bytes, password)
    extra = list(extra or ())
    if private_key is None:
        raise ValidationError(
            _("Tệp không chứa khóa bí mật. Hãy xuất lại chứng thư số kèm khóa bí mật (tệp .p12 hoặc .pfx)."),
            code="no_private_key",
        )
    if not isinstance(private_key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
        raise ValidationError(_("Chỉ hỗ trợ khóa RSA hoặc ECDSA."), code="unsupported_key")
    if certificate is None:
        # A key whose certificate OpenSSL could not pair with it lands among the "other" certificates.
        if not extra:
            raise ValidationError(_("Tệp không chứa chứng thư số của cơ quan."), code="no_certificate")
        certificate = next((c for c in extra if _same_public_key(private_key, c)), None)
        if certificate is not None:
            extra.remove(certificate)
    if certificate is None or not _same_public_key(private_key, certificate):
        raise ValidationError(_("Khóa bí mật không khớp với chứng thư số trong tệp."), code="key_mismatch")
    now = timezone.now()
    if certificate.not_valid_after_utc <= now:
        raise ValidationError(
            _("Chứng thư số đã hết hạn từ ngày %(date)s.") % {"date": _local_date(certificate.not_valid_after_utc)},
            code="expired",
        )
    if certificate.not_valid_before_utc > now:
        raise ValidationError(
            _("Chứng thư số chưa có hiệu lực (hiệu lực từ ngày %(date)s).")
            % {"date": _local_date(certificate.not_valid_before_utc)},
            code="not_yet_valid",
        )
    return certificate_install(
        agency=admin.agency, certificate=certificate, private_key=private_key, chain=extra,
        uploaded_by=admin.user,
    )


def _local_date(moment):
    return timezone.localtime(moment).strftime("%d/%m/%Y")
