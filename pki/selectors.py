"""Reading certificates (the agency's, a person's own) and the signature and seal images."""

from django.shortcuts import get_object_or_404

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
