import datetime
import re

from cryptography.hazmat.primitives import serialization
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from pki import demo
from pki.models import AgencyCertificate
from pki.signing import kept_signer
from tests import factories
from tests.pki.certificates import build_pkcs12

URL = "/manage/certificate/"
PASSWORD = "bí-mật-2026"


def test_url_name_is_certificate_manage():
    assert reverse("certificate_manage") == URL


def test_page_shows_the_active_certificate(client_for, admin_member, certificate):
    response = client_for(admin_member).get(URL)

    assert response.status_code == 200
    html = response.content.decode()
    assert certificate.serial_number in html
    assert "Demo CA – Cổng trao đổi văn bản" in html
    assert "CN=Bộ Nội vụ" in html
    assert certificate.fingerprint_display in html
    start = timezone.localtime(certificate.not_before).strftime("%d/%m/%Y")
    end = timezone.localtime(certificate.not_after).strftime("%d/%m/%Y")
    assert f"từ {start} đến {end}" in html
    assert f"còn {certificate.days_to_expiry} ngày" in html
    assert 'data-testid="expiry-warning"' not in html


def test_page_warns_when_the_certificate_expires_within_30_days(client_for, admin_member, agency):
    demo.issue_certificate(agency, not_after=timezone.now() + datetime.timedelta(days=12, hours=1))

    html = client_for(admin_member).get(URL).content.decode()

    assert 'data-testid="expiry-warning"' in html
    assert "Chứng thư số sẽ hết hạn sau 12 ngày" in html


def test_page_says_when_the_agency_has_no_certificate(client_for, admin_member):
    html = client_for(admin_member).get(URL).content.decode()
    assert 'data-testid="no-certificate"' in html


def test_private_key_is_never_rendered(client_for, admin_member, certificate):
    key = kept_signer(certificate).signer._private_key
    der = key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    client = client_for(admin_member)

    pages = [client.get(URL).content.decode(), client.get(reverse("certificate_download", args=[certificate.pk])).content.decode()]

    for html in pages:
        assert "PRIVATE KEY" not in html
        assert certificate.private_key_encrypted not in html
        assert pem.decode().splitlines()[1] not in html
        assert der.hex() not in html


def test_upload_through_the_page(client_for, admin_member, agency):
    upload = SimpleUploadedFile("bnv.p12", build_pkcs12(agency.name, PASSWORD), "application/x-pkcs12")

    response = client_for(admin_member).post(URL, {"file": upload, "password": PASSWORD}, follow=True)

    assert response.redirect_chain == [(URL, 302)]
    record = AgencyCertificate.objects.get(agency=agency, is_active=True)
    assert record.serial_number in response.content.decode()
    assert "Đã cập nhật chứng thư số" in response.content.decode()


def test_refused_upload_shows_the_reason_and_not_the_password(client_for, admin_member, agency):
    upload = SimpleUploadedFile("bnv.p12", build_pkcs12(agency.name, PASSWORD), "application/x-pkcs12")

    response = client_for(admin_member).post(URL, {"file": upload, "password": "mật khẩu sai"})

    html = response.content.decode()
    assert response.status_code == 200
    assert "Mật khẩu của tệp chứng thư số không đúng." in html
    assert "mật khẩu sai" not in html
    assert not AgencyCertificate.objects.exists()


def test_non_admin_staff_get_403(client_for, clerk, leader):
    for member in (clerk, leader):
        assert client_for(member).get(URL).status_code == 403
        assert client_for(member).post(URL, {"password": "x"}).status_code == 403


def test_citizen_gets_403_and_anonymous_is_sent_to_login(client, client_for, citizen):
    assert client.get(URL).status_code == 302
    assert client_for(citizen).get(URL).status_code == 403


def test_admin_cannot_download_another_agencys_certificate(client_for, admin_member, other_agency):
    theirs = demo.issue_certificate(other_agency)
    response = client_for(admin_member).get(reverse("certificate_download", args=[theirs.pk]))
    assert response.status_code == 404


def test_admin_page_never_lists_another_agencys_certificate(client_for, admin_member, other_agency):
    theirs = demo.issue_certificate(other_agency)
    html = client_for(admin_member).get(URL).content.decode()
    assert theirs.serial_number not in html


def test_sidebar_links_to_the_page_for_agency_admins(client_for, admin_member):
    html = client_for(admin_member).get(URL).content.decode()
    assert re.search(r'<a class="nav-link active" href="/manage/certificate/">.*Chứng thư số</a>', html)


def test_django_admin_lists_certificates_without_the_key(client, certificate):
    from django.contrib.auth import get_user_model

    from tests.conftest import login

    root = get_user_model().objects.create_superuser("root@portal.gov.vn", "x", full_name="Root")
    factories.totp_enable(root)  # /admin/ wants a session that passed two-factor
    login(client, root)

    listing = client.get("/admin/pki/agencycertificate/")
    detail = client.get(f"/admin/pki/agencycertificate/{certificate.pk}/change/")

    assert listing.status_code == 200 and certificate.subject_cn in listing.content.decode()
    assert detail.status_code == 200
    assert certificate.private_key_encrypted not in detail.content.decode()
    assert client.get("/admin/pki/agencycertificate/add/").status_code == 403
