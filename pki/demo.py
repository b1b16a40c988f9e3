"""A demo certification authority, so that a fresh portal can sign and check documents out of the box.

The demo CA ("Demo CA – Cổng trao đổi văn bản") lives under settings.VAR_DIR/pki/: its certificate in clear,
its private key encrypted with core.crypto in a file only the owner may read; its timestamp authority's
certificate and key beside it. Certificates it issues name the demo services (pki.demo_services) in their
AIA and CRL distribution point extensions, read from settings.PKI_DEMO_SERVICE_URL when they are issued.
Certificates it issues are for demonstrations and tests; production agencies and people use a licensed CA.
"""

import datetime
import os
import threading
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import AuthorityInformationAccessOID, ExtendedKeyUsageOID, NameOID
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

from agencies.models import Agency
from core.crypto import InvalidToken, decrypt, encrypt

from .models import AgencyCertificate, KeyStore, Revocation
from .services import certificate_install

DEMO_CA_NAME = "Demo CA – Cổng trao đổi văn bản"
DEMO_TSA_NAME = "Demo TSA – Cổng trao đổi văn bản"
DEMO_OCSP_NAME = "Demo OCSP – Cổng trao đổi văn bản"
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
            _store_keypair(directory, "demo-ca", ca.certificate, ca.private_key)
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


def service_urls():
    """The demo services' URLs as certificates name them: {"ocsp", "ca_issuers", "crl", "tsa"}."""
    base = settings.PKI_DEMO_SERVICE_URL.rstrip("/")
    return {
        "ocsp": f"{base}/ocsp", "ca_issuers": f"{base}/demo-ca.crt", "crl": f"{base}/crl/demo-ca.crl",
        "tsa": f"{base}/tsa",
    }


def _key_usage(**allowed):
    flags = dict.fromkeys([
        "digital_signature", "content_commitment", "key_encipherment", "data_encipherment", "key_agreement",
        "key_cert_sign", "crl_sign", "encipher_only", "decipher_only",
    ], False)
    return x509.KeyUsage(**{**flags, **allowed})


def _validity(not_before, not_after):
    now = timezone.now()
    if not_after is None:
        not_before = not_before or now - datetime.timedelta(minutes=5)
        return not_before, not_before + datetime.timedelta(days=365 * CERTIFICATE_YEARS)
    if not_before is None:
        not_before = min(now - datetime.timedelta(minutes=5), not_after - datetime.timedelta(days=365 * CERTIFICATE_YEARS))
    return not_before, not_after


def _issue(subject, *, ca, not_before, not_after, extended_usage=None, ocsp_no_check=False, key_size=2048,
           email=None):
    """(certificate, key) for an end entity signed by `ca` (with `email` as its rfc822Name, for S/MIME); the demo
    CA's certificates name its services (except its OCSP responder's, which is never checked)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=key_size)
    not_before, not_after = _validity(not_before, not_after)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(ca.certificate.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_key_usage(digital_signature=True, content_commitment=True), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca.private_key.public_key()), critical=False
        )
    )
    if extended_usage:
        builder = builder.add_extension(x509.ExtendedKeyUsage(extended_usage), critical=True)
    if email:
        builder = builder.add_extension(x509.SubjectAlternativeName([x509.RFC822Name(email)]), critical=False)
    if ocsp_no_check:
        builder = builder.add_extension(x509.OCSPNoCheck(), critical=False)
    elif ca.certificate == demo_ca_certificate():
        urls = service_urls()
        builder = builder.add_extension(x509.AuthorityInformationAccess([
            x509.AccessDescription(AuthorityInformationAccessOID.OCSP, x509.UniformResourceIdentifier(urls["ocsp"])),
            x509.AccessDescription(
                AuthorityInformationAccessOID.CA_ISSUERS, x509.UniformResourceIdentifier(urls["ca_issuers"])
            ),
        ]), critical=False).add_extension(x509.CRLDistributionPoints([
            x509.DistributionPoint([x509.UniformResourceIdentifier(urls["crl"])], None, None, None),
        ]), critical=False)
    return builder.sign(ca.private_key, hashes.SHA256()), key


def issue_keypair(common_name, *, ca=None, not_before=None, not_after=None, key_size=2048):
    """(certificate, private key, chain) for an agency's signing certificate: CN = O = common_name, C = VN.

    Valid for three years from now by default; pass a past not_after for an expired one.
    """
    ca = ca or demo_ca()
    certificate, key = _issue(
        _subject(common_name), ca=ca, not_before=not_before, not_after=not_after, key_size=key_size
    )
    return certificate, key, ca.chain


def issue_personal_keypair(full_name, *, agency_name, title="", ca=None, not_before=None, not_after=None):
    """(certificate, private key, chain) for a person's signing certificate: CN = the person, O = their agency,
    title = their position, C = VN; key usage digitalSignature and nonRepudiation."""
    ca = ca or demo_ca()
    attributes = [
        x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, name_attribute_value(agency_name)),
    ]
    if title:
        attributes.append(x509.NameAttribute(NameOID.TITLE, name_attribute_value(title)))
    attributes.append(x509.NameAttribute(NameOID.COMMON_NAME, name_attribute_value(full_name)))
    certificate, key = _issue(x509.Name(attributes), ca=ca, not_before=not_before, not_after=not_after)
    return certificate, key, ca.chain


def _store_keypair(directory, stem, certificate, key):
    key_der = key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    _write(directory / f"{stem}.key.enc", encrypt(key_der).encode("ascii"), 0o600)
    _write(directory / f"{stem}.pem", certificate.public_bytes(serialization.Encoding.PEM), 0o644)


def _read_stored_keypair(directory, stem, ca):
    cert_path, key_path = directory / f"{stem}.pem", directory / f"{stem}.key.enc"
    if not (cert_path.exists() and key_path.exists()):
        return None
    certificate = x509.load_pem_x509_certificate(cert_path.read_bytes())
    if certificate.issuer != ca.certificate.subject or certificate.not_valid_after_utc <= timezone.now():
        return None
    try:
        key = serialization.load_der_private_key(decrypt(key_path.read_text()), password=None)
    except InvalidToken:
        return None  # demo_ca() reports a changed encryption key; a service's key pair is simply made anew
    return certificate, key


def _service_keypair(stem, common_name, usage):
    """(certificate, key) of one of the demo CA's own services, stored beside it, created on first use."""
    ca = demo_ca()
    directory = _ca_dir()
    with _lock:
        keypair = _loaded.get((directory, stem))
        if keypair is None or keypair[0].issuer != ca.certificate.subject:
            keypair = _read_stored_keypair(directory, stem, ca)
        if keypair is None:
            keypair = _issue(
                _subject(common_name), ca=ca, not_before=None, not_after=None, extended_usage=[usage],
                ocsp_no_check=usage == ExtendedKeyUsageOID.OCSP_SIGNING,
            )
            _store_keypair(directory, stem, *keypair)
        _loaded[(directory, stem)] = keypair
        return keypair


def demo_tsa():
    """(certificate, private key) of the demo timestamp authority, issued by the demo CA (EKU timeStamping,
    critical) and kept beside it under VAR_DIR/pki/ (key encrypted), created on first use."""
    return _service_keypair("demo-tsa", DEMO_TSA_NAME, ExtendedKeyUsageOID.TIME_STAMPING)


def demo_ocsp_responder():
    """(certificate, private key) of the demo CA's delegated OCSP responder (EKU OCSPSigning, id-pkix-ocsp-nocheck).

    A delegated responder rather than the CA's own key: pyHanko's past-time (AdES) validation asks for the
    revocation status of whoever signed an OCSP response, which a root CA cannot have and nocheck waives.
    """
    return _service_keypair("demo-ocsp", DEMO_OCSP_NAME, ExtendedKeyUsageOID.OCSP_SIGNING)


def serial_number_text(serial_number):
    """A serial number as AgencyCertificate.serial_number spells it (hex, upper case) from an int or hex text
    with or without colons and spaces; ValueError when it is not one."""
    if isinstance(serial_number, int):
        return format(serial_number, "X")
    return format(int(serial_number.replace(":", "").replace(" ", "").strip(), 16), "X")


def revoke(serial_number_hex, *, at=None, reason="key_compromise", by=None):
    """Record that the demo CA revoked the certificate with this serial (from `at`, default now): its CRL
    lists it and OCSP answers "revoked". A certificate already revoked keeps its first revocation."""
    if reason not in x509.ReasonFlags.__members__:
        raise ValueError(f"unknown revocation reason {reason!r}; one of {', '.join(x509.ReasonFlags.__members__)}")
    revocation, _created = Revocation.objects.get_or_create(
        serial_number=serial_number_text(serial_number_hex),
        defaults={"revoked_at": at or timezone.now(), "reason": reason, "revoked_by": by},
    )
    return revocation


def issue_certificate(agency, *, not_after=None, not_before=None, ca=None):
    """Issue a certificate for the agency (demo CA unless `ca` is given) and install it as its active one."""
    certificate, key, chain = issue_keypair(agency.name, ca=ca, not_before=not_before, not_after=not_after)
    return certificate_install(agency=agency, certificate=certificate, private_key=key, chain=chain)


def _lacks_demo_services(record):
    """True for a demo-issued certificate from before the demo CA named its OCSP responder (old installs)."""
    certificate = x509.load_pem_x509_certificate(record.certificate_pem.encode("ascii"))
    try:
        certificate.extensions.get_extension_for_class(x509.AuthorityInformationAccess)
    except x509.ExtensionNotFound:
        return True
    return False


def ensure_agency_certificates():
    """Issue a demo certificate to every active portal agency without a valid active one, or whose active one
    the demo CA issued without the AIA extension (old installs); returns them."""
    now = timezone.now()
    covered = AgencyCertificate.objects.filter(is_active=True, not_before__lte=now, not_after__gt=now)
    ca_certificate = demo_ca_certificate()
    if ca_certificate is not None:
        outdated = covered.filter(store=KeyStore.PORTAL, issuer_dn=ca_certificate.subject.rfc4514_string())
        covered = covered.exclude(pk__in=[record.pk for record in outdated if _lacks_demo_services(record)])
    agencies = Agency.objects.filter(is_active=True, uses_portal=True).exclude(
        pk__in=covered.values("agency_id")
    )
    return [issue_certificate(agency) for agency in agencies.order_by("pk")]
