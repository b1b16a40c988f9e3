import base64
import datetime

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from core.crypto import decrypt
from pki import demo, services
from pki.models import AgencyCertificate
from tests.pki.certificates import build_pkcs12

PASSWORD = "Mật-khẩu@2026"


def _p12(key, cert, cas=None, password=PASSWORD):
    return pkcs12.serialize_key_and_certificates(
        b"agency", key, cert, cas, serialization.BestAvailableEncryption(password.encode())
    )


def _refusal(admin, data, password=PASSWORD):
    with pytest.raises(ValidationError) as caught:
        services.certificate_upload(admin=admin, pkcs12_bytes=data, password=password)
    return caught.value


def test_upload_installs_the_certificate_with_its_details(admin_member, agency):
    data = build_pkcs12(agency.name, PASSWORD)

    record = services.certificate_upload(admin=admin_member, pkcs12_bytes=data, password=PASSWORD)

    record.refresh_from_db()
    assert record.agency == agency and record.is_active
    assert record.subject_cn == "Bộ Nội vụ"
    assert "CN=Bộ Nội vụ" in record.subject_dn and "C=VN" in record.subject_dn
    assert "Demo CA – Cổng trao đổi văn bản" in record.issuer_dn
    assert record.not_before < timezone.now() < record.not_after
    assert len(record.fingerprint_sha256) == 64
    assert record.certificate_pem.startswith("-----BEGIN CERTIFICATE-----")
    assert "BEGIN CERTIFICATE" in record.chain_pem  # the CA certificate that came in the file
    assert record.uploaded_by == admin_member.user


def test_upload_deactivates_the_previous_certificate(admin_member, agency, certificate):
    new = services.certificate_upload(
        admin=admin_member, pkcs12_bytes=build_pkcs12(agency.name, PASSWORD), password=PASSWORD
    )

    certificate.refresh_from_db()
    assert not certificate.is_active
    assert list(AgencyCertificate.objects.filter(agency=agency, is_active=True)) == [new]


def test_private_key_is_encrypted_at_rest(admin_member, agency):
    # A certificate for a key we hold, so that we know exactly which bytes must never be stored.
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    ca = demo.demo_ca()
    record = services.certificate_upload(
        admin=admin_member, pkcs12_bytes=_p12(key, _certificate_for(key, agency.name, ca), ca.chain), password=PASSWORD
    )

    stored = AgencyCertificate.objects.values_list("private_key_encrypted", flat=True).get(pk=record.pk)
    der = key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    assert "PRIVATE KEY" not in stored
    assert pem.decode() not in stored
    assert base64.b64encode(der).decode() not in stored
    assert der not in stored.encode()
    assert decrypt(stored) == der


def _certificate_for(key, name, ca):
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.x509.oid import NameOID

    now = timezone.now()
    return (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)]))
        .issuer_name(ca.certificate.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .sign(ca.private_key, hashes.SHA256())
    )


def test_file_that_is_not_pkcs12_is_refused(admin_member):
    error = _refusal(admin_member, b"%PDF-1.7 this is a PDF, not a certificate")
    assert error.code == "not_pkcs12"
    assert "không phải là chứng thư số dạng PKCS#12" in error.messages[0]


def test_wrong_password_is_refused(admin_member, agency):
    error = _refusal(admin_member, build_pkcs12(agency.name, PASSWORD), password="sai mật khẩu")
    assert error.code == "wrong_password"
    assert "Mật khẩu" in error.messages[0]


def test_file_without_private_key_is_refused(admin_member, agency):
    cert, _key, chain = demo.issue_keypair(agency.name)
    error = _refusal(admin_member, _p12(None, cert, chain))
    assert error.code == "no_private_key"
    assert "không chứa khóa bí mật" in error.messages[0]


def test_key_that_does_not_match_the_certificate_is_refused(admin_member, agency):
    cert, _key, _chain = demo.issue_keypair(agency.name)
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    error = _refusal(admin_member, _p12(stranger, None, [cert]))
    assert error.code == "key_mismatch"
    assert "không khớp" in error.messages[0]


def test_file_without_certificate_is_refused(admin_member):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    error = _refusal(admin_member, _p12(key, None))
    assert error.code == "no_certificate"


def test_expired_certificate_is_refused(admin_member, agency):
    expired_on = timezone.now() - datetime.timedelta(days=2)
    error = _refusal(admin_member, build_pkcs12(agency.name, PASSWORD, not_after=expired_on))
    assert error.code == "expired"
    assert timezone.localtime(expired_on).strftime("%d/%m/%Y") in error.messages[0]


def test_certificate_not_yet_valid_is_refused(admin_member, agency):
    starts = timezone.now() + datetime.timedelta(days=10)
    data = build_pkcs12(agency.name, PASSWORD, not_before=starts, not_after=starts + datetime.timedelta(days=365))
    error = _refusal(admin_member, data)
    assert error.code == "not_yet_valid"
    assert "chưa có hiệu lực" in error.messages[0]


def test_file_too_large_is_refused(admin_member):
    error = _refusal(admin_member, b"\x30" * (services.MAX_PKCS12_BYTES + 1))
    assert error.code == "too_large"
    assert "quá lớn" in error.messages[0]


def test_refused_upload_keeps_the_current_certificate(admin_member, certificate):
    _refusal(admin_member, b"garbage")
    certificate.refresh_from_db()
    assert certificate.is_active


def test_only_an_agency_admin_may_upload(clerk, agency):
    with pytest.raises(PermissionDenied):
        services.certificate_upload(
            admin=clerk, pkcs12_bytes=build_pkcs12(agency.name, PASSWORD), password=PASSWORD
        )
    assert not AgencyCertificate.objects.exists()


def test_admin_upload_changes_only_their_own_agency(admin_member, agency, other_agency):
    theirs = demo.issue_certificate(other_agency)

    mine = services.certificate_upload(
        admin=admin_member, pkcs12_bytes=build_pkcs12(agency.name, PASSWORD), password=PASSWORD
    )

    theirs.refresh_from_db()
    assert theirs.is_active and mine.agency == agency


def test_database_allows_one_active_certificate_per_agency(certificate):
    duplicate = AgencyCertificate.objects.get(pk=certificate.pk)
    duplicate.pk = None
    with pytest.raises(IntegrityError), transaction.atomic():
        duplicate.save()


def test_long_vietnamese_agency_names_fit_in_the_certificate_subject(agency):
    agency.name = "Ban Quản lý các khu công nghiệp, khu kinh tế và khu công nghệ cao tỉnh Quảng Ngãi"
    record = demo.issue_certificate(agency)
    assert len(record.subject_cn.encode("utf-8")) <= 64
    assert agency.name.startswith(record.subject_cn) and not record.subject_cn.endswith(" ")
