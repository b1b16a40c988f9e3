"""Reading certificates (the agency's, a person's own) and the signature and seal images."""

from cryptography import x509
from cryptography.x509.oid import NameOID
from django.shortcuts import get_object_or_404
from django.utils import timezone

from .errors import CertificateExpired, CertificateMissing, PersonalCertificateExpired, PersonalCertificateMissing
from .models import AgencyCertificate, PersonalCertificate, SealImage, SignatureImage


def certificate_active(agency):
    """The agency's active certificate, valid or not; None when it has none."""
    return AgencyCertificate.objects.filter(agency=agency, is_active=True).first()


def certificate_for_signing(agency):
    """The agency's active certificate, valid now; raises CertificateMissing or CertificateExpired."""
    certificate = certificate_active(agency)
    if certificate is None:
        raise CertificateMissing()
    if not certificate.is_valid_at():
        raise CertificateExpired()
    return certificate


def certificates_of_admin_agency(admin):
    """Every certificate the admin's own agency has had, newest first."""
    return AgencyCertificate.objects.filter(agency=admin.agency).select_related("uploaded_by").order_by("-uploaded_at")


def certificate_get_for_admin(admin, pk):
    """One of the admin's own agency's certificates; 404 for any other agency's."""
    return get_object_or_404(AgencyCertificate, pk=pk, agency=admin.agency)


def personal_certificate_active(user):
    """The person's active certificate, valid or not; None when they have none."""
    return PersonalCertificate.objects.filter(user=user, is_active=True).first()


def personal_certificate_for(user):
    """The person's own active certificate, valid now, to sign with; raises PersonalCertificateMissing or
    PersonalCertificateExpired (messages addressed to the person). Never anyone else's."""
    certificate = personal_certificate_active(user)
    if certificate is None:
        raise PersonalCertificateMissing()
    if not certificate.is_valid_at():
        raise PersonalCertificateExpired()
    return certificate


def personal_certificates_of(user):
    """Every certificate the person has had, newest first."""
    return PersonalCertificate.objects.filter(user=user).order_by("-uploaded_at")


def signature_image_of(user):
    return SignatureImage.objects.filter(user=user).first()


def seal_image_of(agency):
    return SealImage.objects.filter(agency=agency).first()


def _name_value(name, oid):
    values = name.get_attributes_for_oid(oid)
    return str(values[0].value) if values else ""


def certificate_names(certificate):
    """What a certificate says in words: holder, title, organisation; issuer; and the key store's label."""
    parsed = x509.load_pem_x509_certificate(certificate.certificate_pem.encode("ascii"))
    subject, issuer = parsed.subject, parsed.issuer
    return {
        "holder": _name_value(subject, NameOID.COMMON_NAME),
        "title": _name_value(subject, NameOID.TITLE),
        "organisation": _name_value(subject, NameOID.ORGANIZATION_NAME),
        "issuer": _name_value(issuer, NameOID.COMMON_NAME) or _name_value(issuer, NameOID.ORGANIZATION_NAME),
        "issuer_organisation": _name_value(issuer, NameOID.ORGANIZATION_NAME),
        "store": certificate.get_store_display(),
    }


def pin_locked_until(certificate):
    """Until when signing with this personal certificate is locked after wrong PINs; None when it is not."""
    until = certificate.pin_locked_until if certificate else None
    return until if until and until > timezone.now() else None
