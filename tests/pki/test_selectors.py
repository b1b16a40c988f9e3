import datetime

import pytest
from django.http import Http404
from django.utils import timezone

from pki import demo, selectors
from pki.errors import CertificateExpired, CertificateMissing, SigningError


def test_certificate_for_signing_returns_the_valid_active_certificate(agency, certificate):
    assert selectors.certificate_for_signing(agency) == certificate


def test_agency_without_certificate_cannot_sign(agency):
    with pytest.raises(CertificateMissing) as caught:
        selectors.certificate_for_signing(agency)
    assert isinstance(caught.value, SigningError)
    assert "quản trị của cơ quan tải lên chứng thư số" in str(caught.value)


def test_expired_certificate_is_refused_for_signing(agency):
    demo.issue_certificate(agency, not_after=timezone.now() - datetime.timedelta(hours=1))
    with pytest.raises(CertificateExpired) as caught:
        selectors.certificate_for_signing(agency)
    assert "hết hạn" in str(caught.value)
    assert "quản trị của cơ quan tải lên chứng thư số" in str(caught.value)


def test_certificate_not_yet_valid_is_refused_for_signing(agency):
    starts = timezone.now() + datetime.timedelta(days=1)
    demo.issue_certificate(agency, not_before=starts, not_after=starts + datetime.timedelta(days=30))
    with pytest.raises(CertificateExpired):
        selectors.certificate_for_signing(agency)


def test_inactive_certificate_is_not_used_for_signing(agency, certificate):
    certificate.is_active = False
    certificate.save()
    with pytest.raises(CertificateMissing):
        selectors.certificate_for_signing(agency)


def test_admin_cannot_get_another_agencys_certificate(admin_member, other_agency):
    theirs = demo.issue_certificate(other_agency)
    with pytest.raises(Http404):
        selectors.certificate_get_for_admin(admin_member, theirs.pk)
