"""A demo certification authority, so that a fresh portal can sign and check documents out of the box.

The demo CA ("Demo CA – Cổng trao đổi văn bản") lives under settings.VAR_DIR/pki/: its certificate in clear,
its private key encrypted with core.crypto in a file only the owner may read. Certificates it issues are
for demonstrations and tests; production agencies upload certificates from a licensed CA.
"""

import datetime
import os
import threading
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

from agencies.models import Agency
from core.crypto import InvalidToken, decrypt, encrypt

from .models import AgencyCertificate
from .services import certificate_install

DEMO_CA_NAME = "Demo CA – Cổng trao đổi văn bản"
CERTIFICATE_YEARS = 3
_lock = threading.Lock()
_loaded = {}  # directory -> CertificateAuthority


@dataclass(frozen=True)
class CertificateAuthority:
    certificate: x509.Certificate
    private_key: rsa.RSAPrivateKey

    @property
    def chain(self):
        return [self.certificate]


def name_attribute_value(text, limit=64):
    """`text` cut to the X.520 upper bound (64), which cryptography counts in UTF-8 bytes, at a word break."""
    if len(text.encode("utf-8")) <= limit:
        return text
    cut = text.encode("utf-8")[:limit].decode("utf-8", errors="ignore")
    return (cut.rsplit(" ", 1)[0] if " " in cut else cut).strip()


def _subject(common_name):
    value = name_attribute_value(common_name)
    return x509.Name([
        x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, value),
        x509.NameAttribute(NameOID.COMMON_NAME, value),
    ])


def _ca_dir():
    return Path(settings.VAR_DIR) / "pki"


def new_ca(common_name, *, key_size=2048, years=10):
    """A self-signed root CA kept in memory only (tests use one as an 'unknown' CA)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=key_size)
    name = _subject(common_name)
    now = timezone.now()
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=365 * years))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False, content_commitment=False, key_encipherment=False,
                data_encipherment=False, key_agreement=False, key_cert_sign=True, crl_sign=True,
                encipher_only=False, decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return CertificateAuthority(certificate, key)


def _write(path, data, mode):
    """Write atomically (a concurrent reader sees the old file or the new one) with the given file mode."""
    tmp = path.with_suffix(path.suffix + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    os.chmod(tmp, mode)
    os.replace(tmp, path)


def _read_stored_ca(directory):
    cert_path, key_path = directory / "demo-ca.pem", directory / "demo-ca.key.enc"
    if not (cert_path.exists() and key_path.exists()):
        return None
    certificate = x509.load_pem_x509_certificate(cert_path.read_bytes())
    try:
        key_der = decrypt(key_path.read_text())
    except InvalidToken:
        raise ImproperlyConfigured(
            f"{key_path} was encrypted with another SECRET_KEY/FIELD_ENCRYPTION_KEY; "
            f"restore that key or delete {directory} to make a new demo CA."
        ) from None
    return CertificateAuthority(certificate, serialization.load_der_private_key(key_der, password=None))


def demo_ca():
    """The demo CA under VAR_DIR/pki/, created on first use (idempotent)."""
    directory = _ca_dir()
    with _lock:
        ca = _loaded.get(directory) or _read_stored_ca(directory)
        if ca is None:
            directory.mkdir(parents=True, exist_ok=True)
            ca = new_ca(DEMO_CA_NAME)
            key_der = ca.private_key.private_bytes(
                serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
            _write(directory / "demo-ca.key.enc", encrypt(key_der).encode("ascii"), 0o600)
            _write(directory / "demo-ca.pem", ca.certificate.public_bytes(serialization.Encoding.PEM), 0o644)
        _loaded[directory] = ca
        return ca


def demo_ca_certificate():
    """The demo CA's certificate for the trust store, or None while no demo CA has been created."""
    directory = _ca_dir()
    ca = _loaded.get(directory)
    if ca is not None:
        return ca.certificate
    cert_path = directory / "demo-ca.pem"
    return x509.load_pem_x509_certificate(cert_path.read_bytes()) if cert_path.exists() else None


def issue_keypair(common_name, *, ca=None, not_before=None, not_after=None, key_size=2048):
    """(certificate, private key, chain) for a signing certificate: CN = O = common_name, C = VN.

    Valid for three years from now by default; pass a past not_after for an expired one.
    """
    ca = ca or demo_ca()
    key = rsa.generate_private_key(public_exponent=65537, key_size=key_size)
    now = timezone.now()
    if not_after is None:
        not_before = not_before or now - datetime.timedelta(minutes=5)
        not_after = not_before + datetime.timedelta(days=365 * CERTIFICATE_YEARS)
    elif not_before is None:
        not_before = min(now - datetime.timedelta(minutes=5), not_after - datetime.timedelta(days=365 * CERTIFICATE_YEARS))
    certificate = (
        x509.CertificateBuilder()
        .subject_name(_subject(common_name))
        .issuer_name(ca.certificate.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True, content_commitment=True, key_encipherment=False,
                data_encipherment=False, key_agreement=False, key_cert_sign=False, crl_sign=False,
                encipher_only=False, decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca.private_key.public_key()), critical=False
        )
        .sign(ca.private_key, hashes.SHA256())
    )
    return certificate, key, ca.chain


def issue_certificate(agency, *, not_after=None, not_before=None, ca=None):
    """Issue a certificate for the agency (demo CA unless `ca` is given) and install it as its active one."""
    certificate, key, chain = issue_keypair(agency.name, ca=ca, not_before=not_before, not_after=not_after)
    return certificate_install(agency=agency, certificate=certificate, private_key=key, chain=chain)


def ensure_agency_certificates():
    """Issue a demo certificate to every active portal agency without a valid active one; returns them."""
    now = timezone.now()
    covered = AgencyCertificate.objects.filter(is_active=True, not_before__lte=now, not_after__gt=now)
    agencies = Agency.objects.filter(is_active=True, uses_portal=True).exclude(
        pk__in=covered.values("agency_id")
    )
    return [issue_certificate(agency) for agency in agencies.order_by("pk")]
