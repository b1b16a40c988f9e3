"""Reading agency certificates: the one to sign with, and what an agency admin may see."""

from django.shortcuts import get_object_or_404

from .errors import CertificateExpired, CertificateMissing
from .models import AgencyCertificate


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
