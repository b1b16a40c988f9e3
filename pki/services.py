"""Writing actions on certificates (agency and personal: PKCS#12 upload, demo issue, PIN, tokens) and on the
signature and seal images."""

import hashlib
import logging
import re
from io import BytesIO

from asn1crypto import pkcs12 as asn1_pkcs12
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import Image, ImageStat

from accounts.models import Role
from agencies.models import Agency
from core import files as core_files
from core.crypto import encrypt

from . import keystores
from .errors import SigningError
from .models import AgencyCertificate, KeyStore, PersonalCertificate, SealImage, SignatureImage

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


def _key_der(private_key):
    return private_key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def _certificate_fields(certificate, chain, uploaded_by):
    """The CertificateFields of a cryptography certificate and its chain, for either certificate model."""
    return {
        "subject_cn": _common_name(certificate.subject)[:255],
        "subject_dn": certificate.subject.rfc4514_string(),
        "issuer_dn": certificate.issuer.rfc4514_string(),
        "serial_number": format(certificate.serial_number, "X"),
        "not_before": certificate.not_valid_before_utc,
        "not_after": certificate.not_valid_after_utc,
        "fingerprint_sha256": hashlib.sha256(certificate.public_bytes(serialization.Encoding.DER)).hexdigest(),
        "certificate_pem": _pem(certificate),
        "chain_pem": "".join(_pem(c) for c in chain),
        "is_active": True,
        "uploaded_by": uploaded_by,
        "uploaded_at": timezone.now(),
    }


def certificate_build(*, agency, certificate, private_key, chain=(), uploaded_by=None):
    """An unsaved AgencyCertificate for a cryptography certificate and key (the key is encrypted here)."""
    return AgencyCertificate(
        agency=agency, private_key_encrypted=encrypt(_key_der(private_key)),
        **_certificate_fields(certificate, chain, uploaded_by),
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
    private_key, certificate, extra = _checked_pkcs12(pkcs12_bytes, password)
    return certificate_install(
        agency=admin.agency, certificate=certificate, private_key=private_key, chain=extra,
        uploaded_by=admin.user,
    )


def _checked_pkcs12(pkcs12_bytes, password):
    """(key, certificate, chain) of a PKCS#12 file fit to sign with now, else a ValidationError saying why."""
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
    _check_validity(certificate)
    return private_key, certificate, extra


def _check_validity(certificate):
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


def _local_date(moment):
    return timezone.localtime(moment).strftime("%d/%m/%Y")


# --- personal certificates (the signer's own signature) ------------------------------------------------

PIN_PATTERN = re.compile(r"\d{6,12}")


def _check_pin(pin, field="pin"):
    if not PIN_PATTERN.fullmatch(pin or ""):
        raise ValidationError(
            {field: _("Mã PIN ký gồm từ 6 đến 12 chữ số (chỉ chữ số 0–9).")}, code="bad_pin"
        )


def _personal_install(user, **fields):
    """Make a new PersonalCertificate the user's active one; the previous one stays, inactive."""
    get_user_model().objects.select_for_update().filter(pk=user.pk).first()
    PersonalCertificate.objects.filter(user=user, is_active=True).update(is_active=False)
    record = PersonalCertificate.objects.create(user=user, **fields)
    logger.info("personal certificate %s installed for user %s (%s)", record.fingerprint_sha256, user.pk, record.store)
    return record


def _personal_portal_fields(certificate, private_key, chain, pin, uploaded_by):
    fields = _certificate_fields(certificate, chain, uploaded_by)
    fields["private_key_encrypted"] = keystores.pin_seal(
        _key_der(private_key), pin=pin, fingerprint=fields["fingerprint_sha256"]
    )
    return {**fields, "store": KeyStore.PORTAL}


@transaction.atomic
def personal_certificate_upload(*, user, pkcs12_bytes, password, pin):
    """A person makes the PKCS#12 file their own signing certificate, its key sealed with a new signing PIN.

    Same refusals as certificate_upload (size, not PKCS#12, password, key, validity) plus a PIN that is not
    6–12 digits. The PIN is not stored. The person's previous certificate is deactivated."""
    _check_pin(pin)
    private_key, certificate, chain = _checked_pkcs12(pkcs12_bytes, password)
    return _personal_install(user, **_personal_portal_fields(certificate, private_key, chain, pin, user))


@transaction.atomic
def personal_certificate_issue_demo(*, user, pin, agency):
    """A demo-CA certificate for the person (CN = their name, O = the agency, title = their position there),
    held by the portal under `pin`. For `make run` (pki_demo) and tests; production people use a licensed CA."""
    from . import demo  # noqa: PLC0415 (pki.demo installs agency certificates through this module)

    _check_pin(pin)
    membership = user.memberships.filter(agency=agency).first()
    certificate, private_key, chain = demo.issue_personal_keypair(
        user.full_name, agency_name=agency.name, title=membership.position if membership else ""
    )
    return _personal_install(user, **_personal_portal_fields(certificate, private_key, chain, pin, None))


def personal_pin_change(*, certificate, old_pin, new_pin):
    """Seal the key of a portal-held personal certificate under a new PIN.

    A wrong old PIN counts like one typed at signing (WrongPin/PinLocked, committed even if this rolls back)."""
    if certificate.store != KeyStore.PORTAL:
        raise ValidationError(
            _("Mã PIN của thiết bị ký số được đổi bằng phần mềm đi kèm thiết bị, không đổi trên cổng."),
            code="not_portal",
        )
    _check_pin(new_pin, "new_pin")
    key_der = keystores.personal_key_unlock(certificate, old_pin)
    with transaction.atomic():
        certificate.private_key_encrypted = keystores.pin_seal(
            key_der, pin=new_pin, fingerprint=certificate.fingerprint_sha256
        )
        certificate.save(update_fields=["private_key_encrypted"])
    logger.info("signing PIN changed for personal certificate %s", certificate.pk)
    return certificate


def _token_taken_message(token_label, exclude_user=None):
    """Why a token may not be registered: a token's PIN is one for everyone, so one token, one holder."""
    if AgencyCertificate.objects.filter(store=KeyStore.PKCS11, pkcs11_token_label=token_label, is_active=True).exists():
        return _("Thiết bị ký số “%(label)s” đang giữ khóa con dấu của cơ quan; người ký phải dùng thiết bị riêng.")
    others = PersonalCertificate.objects.filter(store=KeyStore.PKCS11, pkcs11_token_label=token_label, is_active=True)
    if others.exclude(user=exclude_user).exists():
        return _("Thiết bị ký số “%(label)s” đã được đăng ký cho người khác; mỗi người dùng một thiết bị riêng.")
    return None


def _read_token(token_label, key_label, pin):
    try:
        certificate, chain = keystores.token_certificate(token_label=token_label, key_label=key_label, pin=pin)
    except SigningError as exc:
        raise ValidationError(str(exc), code="token") from None
    from .demo import demo_ca_certificate  # noqa: PLC0415 (pki.demo imports this module)

    _check_validity(certificate)
    demo_ca = demo_ca_certificate()
    if not chain and demo_ca is not None and certificate.issuer == demo_ca.subject:
        chain = [demo_ca]
    return certificate, chain


def _token_fields(certificate, chain, token_label, key_label, uploaded_by):
    return {
        **_certificate_fields(certificate, chain, uploaded_by),
        "store": KeyStore.PKCS11, "pkcs11_token_label": token_label, "pkcs11_key_label": key_label,
    }


@transaction.atomic
def personal_token_register(*, user, token_label, key_label, pin):
    """Make the key `key_label` on a PKCS#11 token the person's signing key; the certificate is read from the
    token (opened with the person's PIN, which is not kept). Refuses a token that holds an agency's seal or
    another person's key, a missing key or certificate, an expired certificate."""
    problem = _token_taken_message(token_label, exclude_user=user)
    if problem:
        raise ValidationError(problem % {"label": token_label}, code="token_taken")
    certificate, chain = _read_token(token_label, key_label, pin)
    return _personal_install(user, **_token_fields(certificate, chain, token_label, key_label, user))


@transaction.atomic
def agency_token_register(*, admin, token_label, key_label):
    """An agency admin makes the key `key_label` on a PKCS#11 token (opened with settings.PKCS11_PINS[label])
    the agency's seal key; the certificate is read from the token. The previous certificate is deactivated."""
    _ensure_admin(admin)
    pin = settings.PKCS11_PINS.get(token_label)
    if not pin:
        raise ValidationError(
            _("Máy chủ chưa được cấu hình mã PIN của thiết bị ký số “%(label)s” (PKCS11_PINS). "
              "Đề nghị quản trị hệ thống cấu hình rồi thử lại.") % {"label": token_label},
            code="no_pin",
        )
    if PersonalCertificate.objects.filter(store=KeyStore.PKCS11, pkcs11_token_label=token_label, is_active=True).exists():
        raise ValidationError(
            _("Thiết bị ký số “%(label)s” đang giữ khóa của một người ký; con dấu của cơ quan phải ở thiết bị riêng.")
            % {"label": token_label},
            code="token_taken",
        )
    certificate, chain = _read_token(token_label, key_label, pin)
    Agency.objects.select_for_update().filter(pk=admin.agency.pk).first()
    AgencyCertificate.objects.filter(agency=admin.agency, is_active=True).update(is_active=False)
    record = AgencyCertificate.objects.create(
        agency=admin.agency, **_token_fields(certificate, chain, token_label, key_label, admin.user)
    )
    logger.info("agency %s signs with token %s key %s", admin.agency.code, token_label, key_label)
    return record


# --- signature and seal images -------------------------------------------------------------------------

MAX_IMAGE_BYTES = 1024 * 1024
MAX_IMAGE_PIXELS = 2000
MIN_IMAGE_PIXELS = 40
SEAL_DIAMETER_MM = (20, 60)


def _opened_png(png_bytes):
    """A Pillow image of a transparent PNG of sane size, else a ValidationError saying what is wrong."""
    if len(png_bytes) > MAX_IMAGE_BYTES:
        raise ValidationError(_("Ảnh quá lớn (tối đa 1 MB)."), code="too_large")
    if core_files.sniff(png_bytes) != core_files.Kind.PNG:
        raise ValidationError(
            _("Ảnh phải là tệp PNG nền trong suốt (tệp này không phải PNG, dù tên tệp là gì)."), code="not_png"
        )
    try:
        image = Image.open(BytesIO(png_bytes))
        width, height = image.size
        if max(width, height) > MAX_IMAGE_PIXELS or min(width, height) < MIN_IMAGE_PIXELS:
            raise ValidationError(
                _("Ảnh phải có mỗi chiều từ %(min)d đến %(max)d điểm ảnh (ảnh này %(w)d × %(h)d).")
                % {"min": MIN_IMAGE_PIXELS, "max": MAX_IMAGE_PIXELS, "w": width, "h": height},
                code="bad_size",
            )
        image.load()
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise ValidationError(_("Tệp PNG bị hỏng, không đọc được."), code="broken") from None
    if not (image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info):
        raise ValidationError(
            _("Ảnh không có nền trong suốt (kênh alpha). Hãy xuất ảnh PNG với nền trong suốt."), code="no_alpha"
        )
    image = image.convert("RGBA")
    if image.getchannel("A").getextrema()[0] == 255:
        raise ValidationError(
            _("Ảnh có kênh alpha nhưng nền không trong suốt. Hãy xóa nền trắng rồi xuất lại ảnh PNG."),
            code="opaque",
        )
    return image


def ink_colour(image):
    """(r, g, b) mean of the visible pixels (alpha ≥ 128) of an RGBA image; None when nothing is visible."""
    small = image.copy()
    small.thumbnail((200, 200))
    visible = small.getchannel("A").point(lambda alpha: 255 if alpha >= 128 else 0)
    if visible.getbbox() is None:
        return None
    return tuple(ImageStat.Stat(small.convert("RGB"), mask=visible).mean)


def _is_blue(rgb):
    r, g, b = rgb
    return b > 1.3 * r and b > 1.1 * g


def _is_red(rgb):
    r, g, b = rgb
    return r > 1.5 * g and r > 1.5 * b


def _inked_png(png_bytes, right_colour, *, empty, off_colour):
    """(image, warnings) of a transparent PNG with something drawn on it: refused when it is not one
    (_opened_png) or fully transparent (`empty`); `off_colour` warned when the ink fails `right_colour`."""
    image = _opened_png(png_bytes)
    colour = ink_colour(image)
    if colour is None:
        raise ValidationError(empty, code="empty")
    return image, [] if right_colour(colour) else [off_colour]


def _replace_image(record, png_bytes):
    old = record.image.name if record.pk and record.image else None
    record.image.save("image.png", ContentFile(png_bytes), save=False)
    record.uploaded_at = timezone.now()
    record.save()
    if old:
        storage = record.image.storage
        transaction.on_commit(lambda: storage.delete(old))
    return record


@transaction.atomic
def signature_image_set(*, user, png_bytes):
    """Store the person's signature image; returns (SignatureImage, warnings). Refuses a file that is not a
    transparent PNG of sane size; warns (does not refuse) when the ink is not blue (Decree 30 Annex I)."""
    _image, warnings = _inked_png(
        png_bytes, _is_blue, empty=_("Ảnh trong suốt hoàn toàn, không thấy nét chữ ký."),
        off_colour=_("Nét chữ ký trong ảnh không phải màu xanh; Nghị định 30 quy định chữ ký màu xanh."),
    )
    record = SignatureImage.objects.select_for_update().filter(user=user).first() or SignatureImage(user=user)
    return _replace_image(record, png_bytes), warnings


@transaction.atomic
def seal_image_set(*, admin, png_bytes, diameter_mm):
    """Store the agency's seal image (red, printed at `diameter_mm`); returns (SealImage, warnings). Only the
    agency's admin; same checks as signature_image_set, plus a diameter of 20–60 mm; warns when not red."""
    _ensure_admin(admin)
    low, high = SEAL_DIAMETER_MM
    if not (isinstance(diameter_mm, int) and low <= diameter_mm <= high):
        raise ValidationError(
            {"diameter_mm": _("Đường kính con dấu từ %(low)d đến %(high)d mm.") % {"low": low, "high": high}},
            code="bad_diameter",
        )
    image, warnings = _inked_png(
        png_bytes, _is_red, empty=_("Ảnh trong suốt hoàn toàn, không thấy hình con dấu."),
        off_colour=_("Hình con dấu trong ảnh không phải màu đỏ; Nghị định 30 quy định con dấu màu đỏ."),
    )
    width, height = image.size
    if abs(width - height) > 0.1 * max(width, height):
        warnings.append(_("Ảnh con dấu không vuông; con dấu tròn sẽ bị méo khi in đúng kích thước."))
    record = seal_image_install(agency=admin.agency, png_bytes=png_bytes, diameter_mm=diameter_mm, uploaded_by=admin.user)
    return record, warnings


@transaction.atomic
def seal_image_install(*, agency, png_bytes, diameter_mm, uploaded_by=None):
    """Store the agency's seal image as given (seal_image_set checks it for people; the demo calls this)."""
    record = SealImage.objects.select_for_update().filter(agency=agency).first() or SealImage(agency=agency)
    record.diameter_mm = diameter_mm
    record.uploaded_by = uploaded_by
    return _replace_image(record, png_bytes)
