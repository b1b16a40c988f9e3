"""The demo CA's e-mail certificate for an agency (S/MIME): its official address as an rfc822Name
subjectAltName, extended key usage emailProtection. For demonstrations and tests, as pki.demo."""

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID

from .demo import _key_usage, _subject, _validity, demo_ca
from .mail_signing import mail_certificate_set
from .services import certificate_build


def issue_mail_keypair(agency, *, ca=None, email=None):
    """(certificate, key, chain) of an S/MIME certificate for the agency's official address (or `email`)."""
    ca = ca or demo_ca()
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    not_before, not_after = _validity(None, None)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(_subject(agency.name))
        .issuer_name(ca.certificate.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_key_usage(digital_signature=True, content_commitment=True), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False)
        .add_extension(x509.SubjectAlternativeName([x509.RFC822Name(email or agency.official_email)]),
                       critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca.private_key.public_key()),
                       critical=False)
        .sign(ca.private_key, hashes.SHA256())
    )
    return certificate, key, ca.chain


def issue_mail_certificate(agency, *, ca=None, email=None):
    """Issue an e-mail certificate for the agency and make it the one that signs its mail. It is stored as
    one of the agency's certificates, not active for signing documents."""
    certificate, key, chain = issue_mail_keypair(agency, ca=ca, email=email)
    record = certificate_build(agency=agency, certificate=certificate, private_key=key, chain=chain)
    record.is_active = False
    record.save()
    mail_certificate_set(agency=agency, certificate=record)
    record.refresh_from_db()
    return record
