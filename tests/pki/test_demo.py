import datetime
import stat

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.utils import timezone

from pki import demo
from pki.models import AgencyCertificate
from pki.validation import validate_pdf
from tests import factories

from .conftest import make_pdf


def test_pki_demo_issues_a_certificate_to_each_portal_agency_once(agency, other_agency):
    off_portal = factories.make_agency("Ủy ban nhân dân tỉnh Nghệ An", code="000.00.00.H40", uses_portal=False)
    closed = factories.make_agency("Cơ quan đã giải thể", code="000.00.00.H99", is_active=False)

    call_command("pki_demo", verbosity=0)
    call_command("pki_demo", verbosity=0)

    for portal_agency in (agency, other_agency):
        [record] = AgencyCertificate.objects.filter(agency=portal_agency)
        assert record.is_active and record.is_valid_at()
        assert record.subject_cn == portal_agency.name
        assert "C=VN" in record.subject_dn and f"O={portal_agency.name}" in record.subject_dn
        assert "Demo CA – Cổng trao đổi văn bản" in record.issuer_dn
        years = (record.not_after - record.not_before).days / 365
        assert 2.99 < years < 3.01
    assert not AgencyCertificate.objects.filter(agency__in=[off_portal, closed]).exists()


def test_pki_demo_replaces_an_expired_certificate(agency):
    expired = demo.issue_certificate(agency, not_after=timezone.now() - datetime.timedelta(days=1))

    call_command("pki_demo", verbosity=0)

    expired.refresh_from_db()
    assert not expired.is_active
    assert AgencyCertificate.objects.get(agency=agency, is_active=True).is_valid_at()


def test_demo_certificates_carry_signing_key_usages(certificate):
    from cryptography import x509

    cert = x509.load_pem_x509_certificate(certificate.certificate_pem.encode())
    usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    assert usage.digital_signature and usage.content_commitment
    assert not usage.key_cert_sign


def test_demo_ca_is_stored_under_var_dir_with_its_key_encrypted_and_private(settings, certificate):
    directory = settings.VAR_DIR / "pki"
    key_file = directory / "demo-ca.key.enc"

    assert (directory / "demo-ca.pem").read_text().startswith("-----BEGIN CERTIFICATE-----")
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert b"PRIVATE KEY" not in key_file.read_bytes()
    assert demo.demo_ca_certificate().subject.rfc4514_string().endswith("C=VN")


def test_demo_ca_survives_a_restart(settings, certificate, pdf_bytes):
    from pki.signing import StampInfo, sign_pdf

    signed = sign_pdf(pdf_bytes, certificate=certificate, stamp=StampInfo("Bộ Nội vụ", "01/BNV-VP", timezone.now()))
    demo._loaded.clear()  # a new process: the CA is read back from VAR_DIR, not made anew

    assert demo.demo_ca().certificate == demo.demo_ca_certificate()
    assert validate_pdf(signed).all_valid_and_trusted


def test_without_a_demo_ca_nothing_is_trusted_and_nothing_is_created(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    demo._loaded.pop(tmp_path / "pki", None)

    assert demo.demo_ca_certificate() is None
    assert validate_pdf(make_pdf()).status == "unsigned"
    assert not (tmp_path / "pki").exists()


def test_demo_ca_key_under_another_encryption_key_gives_a_clear_error(settings, certificate):
    from cryptography.fernet import Fernet

    demo._loaded.clear()  # a new process started with another key
    settings.FIELD_ENCRYPTION_KEY = Fernet.generate_key().decode()
    try:
        with pytest.raises(ImproperlyConfigured, match="another SECRET_KEY"):
            demo.demo_ca()
    finally:
        demo._loaded.clear()
