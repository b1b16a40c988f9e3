"""Where signing keys live, and the pyHanko Signer that uses them (docs/signatures.md, "Where keys live").

- store=portal, agency: the cached signer of pki.signing (key encrypted with core.crypto).
- store=portal, person: the PKCS#8 key sealed with AES-GCM under a key derived from the person's signing PIN
  (scrypt), then encrypted with core.crypto. The PIN is never stored; a wrong PIN is counted.
- store=pkcs11: pyHanko's PKCS11Signer over python-pkcs11 and settings.PKCS11_MODULE; the key never leaves the
  token. An agency's token is opened with settings.PKCS11_PINS[label] and kept logged in; a person's token is
  opened with the PIN they type, for one signature, then logged out.

Wrong PINs (portal or token) count in `PersonalCertificate.failed_pin_attempts` on a database connection of their
own (committed at once, so a caller's rollback does not undo the count; only a certificate row not yet committed
is counted in the caller's transaction); SIGNING_PIN_MAX_ATTEMPTS of them lock signing with that certificate for
SIGNING_PIN_LOCK_MINUTES. A right PIN resets the count (in the caller's transaction). Callers should still unlock
the key before opening their own transaction, as documents.services.outgoing does.
"""

import datetime
import os
import threading

import pkcs11
from asn1crypto import keys as asn1_keys
from asn1crypto import pem
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt
from cryptography.hazmat.primitives.serialization import load_der_private_key
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, OperationalError, connection, connections
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from pkcs11 import exceptions as p11_errors
from pyhanko.sign.pkcs11 import PKCS11Signer
from pyhanko_certvalidator.registry import SimpleCertificateStore

from core.crypto import decrypt, encrypt

from . import signing  # the module, not names: pki.signing → trust → demo → services → keystores
from .errors import (
    CertificateExpired,
    CertificateMissing,
    KeyStoreUnavailable,
    PersonalCertificateExpired,
    PersonalCertificateMissing,
    PinLocked,
    SigningError,
    WrongPin,
)
from .models import KeyStore, PersonalCertificate

# --- the PIN-sealed key (store=portal, person) --------------------------------------------------------

_SEAL_VERSION = b"\x01"
# scrypt with n=2**14, r=8: ~16 MiB and a few tens of milliseconds per PIN tried, once per signature.
_SCRYPT = {"length": 32, "n": 2**14, "r": 8, "p": 1}


def _pin_key(pin, salt):
    return Scrypt(salt=salt, **_SCRYPT).derive(pin.encode("utf-8"))


def pin_seal(key_der: bytes, *, pin: str, fingerprint: str) -> str:
    """The PKCS#8 DER key sealed with the PIN (bound to the certificate's fingerprint), then core.crypto."""
    salt, nonce = os.urandom(16), os.urandom(12)
    sealed = AESGCM(_pin_key(pin, salt)).encrypt(nonce, key_der, fingerprint.encode("ascii"))
    return encrypt(_SEAL_VERSION + salt + nonce + sealed)


def pin_unseal(token: str, *, pin: str, fingerprint: str) -> bytes | None:
    """The PKCS#8 DER key, or None when the PIN is not the one it was sealed with."""
    blob = decrypt(token)
    if blob[:1] != _SEAL_VERSION:
        raise SigningError(_("Khóa bí mật của chứng thư số được lưu ở dạng không đọc được; hãy tải lên lại."))
    salt, nonce, sealed = blob[1:17], blob[17:29], blob[29:]
    try:
        return AESGCM(_pin_key(pin, salt)).decrypt(nonce, sealed, fingerprint.encode("ascii"))
    except InvalidTag:
        return None


# --- counting wrong PINs ------------------------------------------------------------------------------

def _update_returning(sql, params):
    """Run an UPDATE … RETURNING on a connection of its own (autocommit), falling back to the current one when
    the row is not visible there (created in the caller's open transaction) or is locked by that transaction."""
    independent = connections.create_connection(DEFAULT_DB_ALIAS)
    try:
        with independent.cursor() as cursor:
            cursor.execute("SET lock_timeout = '2s'")
            cursor.execute(sql, params)
            row = cursor.fetchone()
    except OperationalError:
        row = None
    finally:
        independent.close()
    if row is None:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            row = cursor.fetchone()
    return row


def _wrong_pin(certificate):
    """Count one wrong attempt (the MAX-th locks signing); the error to raise: WrongPin (attempts left) or
    PinLocked."""
    table = PersonalCertificate._meta.db_table
    maximum = settings.SIGNING_PIN_MAX_ATTEMPTS
    locked_until = timezone.now() + datetime.timedelta(minutes=settings.SIGNING_PIN_LOCK_MINUTES)
    row = _update_returning(
        f"UPDATE {table} SET "  # noqa: S608 (the table name is the model's)
        "pin_locked_until = CASE WHEN failed_pin_attempts + 1 >= %s THEN %s ELSE pin_locked_until END, "
        "failed_pin_attempts = CASE WHEN failed_pin_attempts + 1 >= %s THEN 0 ELSE failed_pin_attempts + 1 END "
        "WHERE id = %s RETURNING failed_pin_attempts, pin_locked_until",
        [maximum, locked_until, maximum, certificate.pk],
    )
    if row is None:  # the certificate is gone: nothing to count
        return WrongPin()
    attempts, until = row
    certificate.failed_pin_attempts, certificate.pin_locked_until = attempts, until
    if until is not None and until > timezone.now():
        return _locked(until)
    left = maximum - attempts
    return WrongPin(ngettext(
        "Mã PIN ký không đúng. Bạn còn %(left)d lần thử trước khi chức năng ký bị khóa tạm thời.",
        "Mã PIN ký không đúng. Bạn còn %(left)d lần thử trước khi chức năng ký bị khóa tạm thời.",
        left,
    ) % {"left": left})


def _locked(until):
    return PinLocked(
        _("Đã nhập sai mã PIN ký %(count)d lần liên tiếp; chức năng ký bằng chứng thư số này bị khóa đến "
          "%(time)s. Hãy thử lại sau thời điểm đó.")
        % {"count": settings.SIGNING_PIN_MAX_ATTEMPTS,
           "time": timezone.localtime(until).strftime("%H:%M ngày %d/%m/%Y")}
    )


def _ensure_not_locked(certificate):
    until = PersonalCertificate.objects.filter(pk=certificate.pk).values_list("pin_locked_until", flat=True).first()
    if until is not None and until > timezone.now():
        raise _locked(until)


def _pin_accepted(certificate):
    if certificate.failed_pin_attempts or certificate.pin_locked_until:
        PersonalCertificate.objects.filter(pk=certificate.pk).update(failed_pin_attempts=0, pin_locked_until=None)
        certificate.failed_pin_attempts, certificate.pin_locked_until = 0, None


# --- PKCS#11 tokens -----------------------------------------------------------------------------------

_tokens_lock = threading.RLock()
_sessions = {}          # token label -> open, logged-in python-pkcs11 Session
_agency_signers = {}    # (token label, key label, fingerprint) -> PKCS11Signer on _sessions[label]


def _library():
    try:
        return pkcs11.lib(settings.PKCS11_MODULE)
    except (p11_errors.PKCS11Error, OSError) as exc:
        raise KeyStoreUnavailable(
            _("Không nạp được thư viện PKCS#11 (%(module)s) để dùng thiết bị ký số.") % {"module": settings.PKCS11_MODULE}
        ) from exc


def token_library_reset():
    """Close every kept session and re-initialise the PKCS#11 module, so tokens added since are seen."""
    with _tokens_lock:
        for session in _sessions.values():
            _close_quietly(session)
        _sessions.clear()
        _agency_signers.clear()
        _library().reinitialize()


def _close_quietly(session):
    try:
        session.close()
    except p11_errors.PKCS11Error:
        pass  # already closed, or the token is gone: nothing is left to release


def _find_token(label):
    try:
        return _library().get_token(token_label=label)
    except p11_errors.NoSuchToken:
        token_library_reset()  # a token plugged in (or created) after the module was loaded
    try:
        return _library().get_token(token_label=label)
    except p11_errors.NoSuchToken:
        raise KeyStoreUnavailable(
            _("Không tìm thấy thiết bị ký số có nhãn “%(label)s”. Hãy kiểm tra thiết bị đã được cắm vào máy chủ "
              "và nhãn đã khai đúng.") % {"label": label}
        ) from None
    except p11_errors.PKCS11Error as exc:
        raise KeyStoreUnavailable() from exc


class _TokenPinRefused(Exception):
    """The token refused the PIN (the caller decides what that means: counted for a person)."""


def _login(label, pin):
    """A new session on the token, logged in with `pin`; any session kept for it is closed (logged out) first,
    so the PIN is really checked by the token."""
    with _tokens_lock:
        previous = _sessions.pop(label, None)
        if previous is not None:
            _close_quietly(previous)
            for key in [key for key in _agency_signers if key[0] == label]:
                del _agency_signers[key]
        token = _find_token(label)
        try:
            session = token.open(user_pin=pin)
        except (p11_errors.PinIncorrect, p11_errors.PinLenRange, p11_errors.ArgumentsBad):
            raise _TokenPinRefused() from None
        except p11_errors.PinLocked:
            raise PinLocked(_(
                "Thiết bị ký số “%(label)s” đã tự khóa vì nhập sai mã PIN nhiều lần. "
                "Hãy liên hệ quản trị để mở khóa thiết bị."
            ) % {"label": label}) from None
        except p11_errors.PKCS11Error as exc:
            raise KeyStoreUnavailable() from exc
        _sessions[label] = session
        return session


def _logout(label, session):
    with _tokens_lock:
        if _sessions.get(label) is session:
            del _sessions[label]
        _close_quietly(session)


def _pem_certificates(text):
    if not text.strip():
        return []
    return [asn1_x509.Certificate.load(der) for _, _, der in pem.unarmor(text.encode("ascii"), multiple=True)]


def _signing_cert_and_chain(certificate):
    return _pem_certificates(certificate.certificate_pem)[0], _pem_certificates(certificate.chain_pem)


class OneSignatureTokenSigner(PKCS11Signer):
    """A PKCS11Signer whose token session (opened with the person's PIN) is logged out after one signature."""

    def __init__(self, *, token_label, **kwargs):
        super().__init__(**kwargs)
        self.token_label = token_label

    async def async_sign_raw(self, data, digest_algorithm, dry_run=False):
        if dry_run:
            return await super().async_sign_raw(data, digest_algorithm, dry_run=True)
        try:
            return await super().async_sign_raw(data, digest_algorithm)
        except p11_errors.PKCS11Error as exc:
            raise KeyStoreUnavailable() from exc
        finally:
            self.close()

    def close(self):
        """Log the token out (also when the signer was never used)."""
        _logout(self.token_label, self.pkcs11_session)


def _token_signer(session, certificate, cls=PKCS11Signer, **extra):
    signing_cert, chain = _signing_cert_and_chain(certificate)
    signer = cls(
        pkcs11_session=session, signing_cert=signing_cert, ca_chain=chain, key_label=certificate.pkcs11_key_label,
        **extra,
    )
    try:
        signer._load_objects()  # the key handle now, so that a missing key is told before anything is signed
    except p11_errors.PKCS11Error as exc:
        raise KeyStoreUnavailable(
            _("Trên thiết bị ký số “%(token)s” không có khóa bí mật nhãn “%(key)s”.")
            % {"token": certificate.pkcs11_token_label, "key": certificate.pkcs11_key_label}
        ) from exc
    return signer


# --- public -------------------------------------------------------------------------------------------

def _remote_refused():
    return SigningError(_(
        "Chứng thư số này do dịch vụ ký số từ xa giữ: văn bản được ký bằng cách xác nhận trên điện thoại, "
        "không bằng mã PIN trên cổng."
    ))


def agency_signer(certificate):
    """The pyHanko Signer of an agency's certificate: the cached portal key or a kept PKCS#11 session."""
    if certificate is None or not certificate.is_active:
        raise CertificateMissing()
    if not certificate.is_valid_at():
        raise CertificateExpired()
    if certificate.store == KeyStore.PORTAL:
        return signing.kept_signer(certificate).signer
    if certificate.store != KeyStore.PKCS11:
        raise _remote_refused()
    label = certificate.pkcs11_token_label
    cache_key = (label, certificate.pkcs11_key_label, certificate.fingerprint_sha256)
    with _tokens_lock:
        signer = _agency_signers.get(cache_key)
        if signer is not None and _sessions.get(label) is signer.pkcs11_session:
            return signer
        pin = settings.PKCS11_PINS.get(label)
        if not pin:
            raise KeyStoreUnavailable(
                _("Chưa cấu hình mã PIN của thiết bị ký số “%(label)s” (PKCS11_PINS) trên máy chủ.") % {"label": label}
            )
        session = _sessions.get(label)
        if session is None:
            try:
                session = _login(label, pin)
            except _TokenPinRefused:
                raise WrongPin(_(
                    "Thiết bị ký số “%(label)s” của cơ quan không chấp nhận mã PIN được cấu hình (PKCS11_PINS)."
                ) % {"label": label}) from None
        signer = _token_signer(session, certificate)
        _agency_signers[cache_key] = signer
        return signer


def _personal_checks(certificate):
    if certificate is None or not certificate.is_active:
        raise PersonalCertificateMissing()
    if not certificate.is_valid_at():
        raise PersonalCertificateExpired()
    if certificate.store == KeyStore.REMOTE:
        raise _remote_refused()
    _ensure_not_locked(certificate)


def personal_key_unlock(certificate, pin):
    """The PKCS#8 DER key of a portal-held personal certificate; a wrong PIN is counted (WrongPin, PinLocked)."""
    _ensure_not_locked(certificate)
    key_der = pin_unseal(certificate.private_key_encrypted, pin=pin or "", fingerprint=certificate.fingerprint_sha256)
    if key_der is None:
        raise _wrong_pin(certificate)
    _pin_accepted(certificate)
    return key_der


def personal_signer(certificate, pin):
    """The pyHanko Signer of a person's own certificate, unlocked by the PIN they typed.

    Raises WrongPin (with the attempts left; the count is committed at once, whatever the caller's transaction
    does), PinLocked, PersonalCertificateMissing/Expired, KeyStoreUnavailable. A token signer signs once.
    """
    _personal_checks(certificate)
    pin = pin or ""
    if certificate.store == KeyStore.PORTAL:
        return _portal_signer(certificate, personal_key_unlock(certificate, pin))
    try:
        session = _login(certificate.pkcs11_token_label, pin)
    except _TokenPinRefused:
        raise _wrong_pin(certificate) from None
    _pin_accepted(certificate)
    try:
        return _token_signer(
            session, certificate, cls=OneSignatureTokenSigner, token_label=certificate.pkcs11_token_label
        )
    except SigningError:
        _logout(certificate.pkcs11_token_label, session)
        raise


def _portal_signer(certificate, key_der):
    signing_cert, chain = _signing_cert_and_chain(certificate)
    registry = SimpleCertificateStore()
    registry.register_multiple(chain)
    # The key was checked when it was uploaded and AES-GCM proves it unchanged: no second RSA self-check.
    private_key = load_der_private_key(key_der, password=None, unsafe_skip_rsa_key_validation=True)
    return signing.KeptKeySigner(
        private_key=private_key, signing_cert=signing_cert, signing_key=asn1_keys.PrivateKeyInfo.load(key_der),
        cert_registry=registry,
    )


def token_certificate(*, token_label, key_label, pin):
    """(cryptography certificate, [chain]) read from a token whose private key `key_label` it certifies.

    Opens the token with `pin` (raises WrongPin when refused) and logs out again."""
    try:
        session = _login(token_label, pin)
    except _TokenPinRefused:
        raise WrongPin(_("Thiết bị ký số không chấp nhận mã PIN này.")) from None
    try:
        certificates = [
            x509.load_der_x509_certificate(obj[pkcs11.Attribute.VALUE])
            for obj in session.get_objects({pkcs11.Attribute.CLASS: pkcs11.ObjectClass.CERTIFICATE})
        ]
        keys = list(session.get_objects(
            {pkcs11.Attribute.CLASS: pkcs11.ObjectClass.PRIVATE_KEY, pkcs11.Attribute.LABEL: key_label}
        ))
        return _matching_certificate(token_label, key_label, keys, certificates)
    finally:
        _logout(token_label, session)


def _matching_certificate(token_label, key_label, keys, certificates):
    if len(keys) != 1:
        raise KeyStoreUnavailable(
            _("Trên thiết bị ký số “%(token)s” không có (đúng một) khóa bí mật nhãn “%(key)s”.")
            % {"token": token_label, "key": key_label}
        )
    modulus = int.from_bytes(keys[0][pkcs11.Attribute.MODULUS], "big")
    mine = [
        c for c in certificates
        if isinstance(c.public_key(), rsa.RSAPublicKey) and c.public_key().public_numbers().n == modulus
    ]
    if not mine:
        raise KeyStoreUnavailable(
            _("Trên thiết bị ký số “%(token)s” không có chứng thư số của khóa “%(key)s”.")
            % {"token": token_label, "key": key_label}
        )
    certificate = mine[0]
    chain = [c for c in certificates if c is not certificate and c.subject == certificate.issuer]
    return certificate, chain

