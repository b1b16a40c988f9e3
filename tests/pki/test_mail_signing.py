"""The agency's S/MIME setting: which certificate signs its mail (uploaded or chosen), and what is refused."""

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from pki import mail_signing
from pki.demo import issue_certificate
from pki.demo_mail import issue_mail_certificate, issue_mail_keypair
from pki.models import AgencyCertificate

pytestmark = pytest.mark.django_db


def p12(agency, email=None, password=b"matkhau"):
    certificate, key, chain = issue_mail_keypair(agency, email=email)
    return pkcs12.serialize_key_and_certificates(
        b"mail", key, certificate, chain, serialization.BestAvailableEncryption(password))


def test_upload_makes_the_certificate_sign_mail_and_leaves_the_document_certificate_active(agency, admin_member):
    seal = issue_certificate(agency)
    record = mail_signing.mail_certificate_upload(admin=admin_member, pkcs12_bytes=p12(agency), password="matkhau")
    assert mail_signing.mail_certificate_of(agency) == record and not record.is_active
    seal.refresh_from_db()
    assert seal.is_active and not seal.signs_mail
    assert b"multipart/signed" in mail_signing.MailSigner(agency).sign(
        b"From: a@moha.gov.vn\r\nContent-Type: text/plain\r\n\r\nhello\r\n")


def test_a_certificate_for_another_address_or_without_email_protection_is_refused(agency, admin_member):
    with pytest.raises(ValidationError, match="phải mang địa chỉ thư này"):
        mail_signing.mail_certificate_upload(admin=admin_member, pkcs12_bytes=p12(agency, "khac@moha.gov.vn"),
                                             password="matkhau")
    seal = issue_certificate(agency)  # the document certificate names no e-mail address
    with pytest.raises(ValidationError, match="phải mang địa chỉ thư này"):
        mail_signing.mail_certificate_choose(admin=admin_member, certificate_id=seal.pk)
    assert not AgencyCertificate.objects.filter(signs_mail=True).exists()


def test_only_the_agency_admin_sets_it(agency, clerk):
    with pytest.raises(PermissionDenied):
        mail_signing.mail_certificate_upload(admin=clerk, pkcs12_bytes=p12(agency), password="matkhau")


def test_page_turns_smime_off_and_on_again(agency, admin_member, client_for):
    record = issue_mail_certificate(agency)
    client = client_for(admin_member)
    page = client.get(reverse("mail_signing")).content.decode()
    assert "Đang ký bằng chứng thư" in page and record.serial_number in page
    client.post(reverse("mail_signing"), {"action": "choose", "certificate": ""})
    assert mail_signing.mail_certificate_of(agency) is None
    assert "Thư của cơ quan chưa được ký S/MIME." in client.get(reverse("mail_signing")).content.decode()
    client.post(reverse("mail_signing"), {"action": "choose", "certificate": record.pk})
    assert mail_signing.mail_certificate_of(agency) == record


def test_page_refuses_a_wrong_password_with_a_clear_message(agency, admin_member, client_for):
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = client_for(admin_member).post(reverse("mail_signing"), {
        "action": "upload", "password": "sai", "file": SimpleUploadedFile("mail.p12", p12(agency)),
    })
    assert response.status_code == 200 and mail_signing.mail_certificate_of(agency) is None
    assert "mật khẩu" in response.content.decode().lower()
