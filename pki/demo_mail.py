"""The demo CA's e-mail certificate for an agency (S/MIME): its official address as an rfc822Name
subjectAltName, extended key usage emailProtection. For demonstrations and tests, as pki.demo."""

from cryptography.x509.oid import ExtendedKeyUsageOID

from .demo import _issue, _subject, demo_ca
from .mail_signing import mail_certificate_set
from .services import certificate_build


def issue_mail_keypair(agency, *, ca=None, email=None):
    """(certificate, key, chain) of an S/MIME certificate for the agency's official address (or `email`)."""
    ca = ca or demo_ca()
    certificate, key = _issue(_subject(agency.name), ca=ca, not_before=None, not_after=None,
                              extended_usage=[ExtendedKeyUsageOID.EMAIL_PROTECTION],
                              email=email or agency.official_email)
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
