import datetime
import stat

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import AuthorityInformationAccessOID, ExtendedKeyUsageOID, NameOID
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.utils import timezone

from pki import demo
from pki.models import AgencyCertificate
from pki.services import certificate_install
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


def _uris(certificate):
    aia = certificate.extensions.get_extension_for_class(x509.AuthorityInformationAccess).value
    [point] = certificate.extensions.get_extension_for_class(x509.CRLDistributionPoints).value
    return {
        "ocsp": [d.access_location.value for d in aia if d.access_method == AuthorityInformationAccessOID.OCSP],
        "ca_issuers": [d.access_location.value for d in aia if d.access_method == AuthorityInformationAccessOID.CA_ISSUERS],
        "crl": [name.value for name in point.full_name],
    }


def test_demo_certificates_name_the_services_configured_when_they_are_issued(settings, agency):
    settings.PKI_DEMO_SERVICE_URL = "https://portal.example.gov.vn/pki"
    record = demo.issue_certificate(agency)
    settings.PKI_DEMO_SERVICE_URL = "http://127.0.0.1:8000/pki"
    personal, _key, _chain = demo.issue_personal_keypair("Trần Văn Ký", agency_name=agency.name)

    agency_cert = x509.load_pem_x509_certificate(record.certificate_pem.encode())
    assert _uris(agency_cert) == {
        "ocsp": ["https://portal.example.gov.vn/pki/ocsp"],
        "ca_issuers": ["https://portal.example.gov.vn/pki/demo-ca.crt"],
        "crl": ["https://portal.example.gov.vn/pki/crl/demo-ca.crl"],
    }
    assert _uris(personal)["ocsp"] == ["http://127.0.0.1:8000/pki/ocsp"]


def test_certificates_of_another_ca_do_not_name_the_demo_services():
    other, _key, _chain = demo.issue_keypair("Cơ quan lạ", ca=demo.new_ca("CA khác"))
    with pytest.raises(x509.ExtensionNotFound):
        other.extensions.get_extension_for_class(x509.AuthorityInformationAccess)


def test_personal_certificate_names_the_person_their_agency_and_position():
    certificate, key, chain = demo.issue_personal_keypair(
        "Nguyễn Thị Phê Duyệt", agency_name="Ủy ban nhân dân tỉnh Quảng Ngãi", title="Phó Chủ tịch"
    )

    def value(oid):
        return certificate.subject.get_attributes_for_oid(oid)[0].value

    assert value(NameOID.COMMON_NAME) == "Nguyễn Thị Phê Duyệt"
    assert value(NameOID.ORGANIZATION_NAME) == "Ủy ban nhân dân tỉnh Quảng Ngãi"
    assert value(NameOID.TITLE) == "Phó Chủ tịch"
    usage = certificate.extensions.get_extension_for_class(x509.KeyUsage).value
    assert usage.digital_signature and usage.content_commitment and not usage.key_cert_sign
    assert chain == [demo.demo_ca().certificate]
    assert certificate.public_key() == key.public_key()


def test_demo_tsa_is_made_once_for_time_stamping_only_and_kept_encrypted(settings):
    certificate, _key = demo.demo_tsa()
    demo._loaded.clear()  # a new process reads it back

    assert demo.demo_tsa()[0] == certificate
    usage = certificate.extensions.get_extension_for_class(x509.ExtendedKeyUsage)
    assert usage.critical and list(usage.value) == [ExtendedKeyUsageOID.TIME_STAMPING]
    assert certificate.issuer == demo.demo_ca().certificate.subject
    key_file = settings.VAR_DIR / "pki" / "demo-tsa.key.enc"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert b"PRIVATE KEY" not in key_file.read_bytes()


def test_revoke_records_a_normalised_serial_once(db):
    first = demo.revoke("0a:bc:de", reason="superseded")
    again = demo.revoke("ABCDE", reason="key_compromise")

    assert first.pk == again.pk and again.serial_number == "ABCDE" and again.reason == "superseded"
    with pytest.raises(ValueError):
        demo.revoke("ABCDE", reason="because")
    with pytest.raises(ValueError):
        demo.revoke("not hex")


def test_pki_demo_reissues_demo_certificates_from_before_the_services(agency):
    ca = demo.demo_ca()
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    now = timezone.now()
    old = (  # as the demo CA issued them before it named its OCSP responder
        x509.CertificateBuilder().subject_name(demo._subject(agency.name)).issuer_name(ca.certificate.subject)
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1)).not_valid_after(now + datetime.timedelta(days=300))
        .sign(ca.private_key, hashes.SHA256())
    )
    outdated = certificate_install(agency=agency, certificate=old, private_key=key, chain=ca.chain)

    call_command("pki_demo", verbosity=0)
    call_command("pki_demo", verbosity=0)

    outdated.refresh_from_db()
    current = AgencyCertificate.objects.get(agency=agency, is_active=True)
    assert not outdated.is_active
    assert _uris(x509.load_pem_x509_certificate(current.certificate_pem.encode()))["ocsp"]
    assert AgencyCertificate.objects.filter(agency=agency).count() == 2
