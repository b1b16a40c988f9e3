import datetime
import re

from cryptography.hazmat.primitives import serialization
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from pki import demo
from pki.models import AgencyCertificate, SealImage
from pki.signing import kept_signer
from tests import factories
from tests.pki.certificates import build_pkcs12
from tests.pki.softhsm import softhsm, softhsm_settings  # noqa: F401 - fixtures

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


# --- the seal image and the seal's key store ------------------------------------------------------------

def test_admin_uploads_the_seal_and_sees_it_at_actual_size(client_for, admin_member, agency):
    from pki.demo_images import seal_png

    png = seal_png(agency.name)
    client = client_for(admin_member)
    response = client.post(URL, {"action": "seal", "seal-image": SimpleUploadedFile("dau.png", png),
                                 "seal-diameter_mm": "38"}, follow=True)

    html = response.content.decode()
    assert "Đã cập nhật ảnh con dấu của cơ quan." in html
    assert re.search(r'<img src="/manage/certificate/seal.png\?v=\d+"[^>]*style="width: 38mm', html)
    assert b"".join(client.get(reverse("seal_image")).streaming_content) == png
    assert SealImage.objects.get(agency=agency).diameter_mm == 38


def test_a_seal_that_is_not_a_png_is_refused_on_the_page(client_for, admin_member):
    response = client_for(admin_member).post(URL, {
        "action": "seal", "seal-image": SimpleUploadedFile("dau.png", b"GIF89a" + b"\x00" * 64), "seal-diameter_mm": "36",
    })
    assert "không phải PNG" in response.content.decode()
    assert not SealImage.objects.exists()


def test_a_non_admin_cannot_change_or_see_the_seal(client_for, leader, clerk, admin_member, agency):
    from pki.demo_images import seal_png

    for member in (leader, clerk):
        client = client_for(member)
        response = client.post(URL, {"action": "seal", "seal-image": SimpleUploadedFile("d.png", seal_png("X")),
                                     "seal-diameter_mm": "36"})
        assert response.status_code == 403
        assert client.get(reverse("seal_image")).status_code == 403
    assert not SealImage.objects.exists()


def test_admin_sees_only_the_own_agencys_seal(client_for, admin_member, other_agency):
    from pki.demo_images import seal_png
    from pki.services import seal_image_install

    seal_image_install(agency=other_agency, png_bytes=seal_png(other_agency.name), diameter_mm=36)
    client = client_for(admin_member)
    assert client.get(reverse("seal_image")).status_code == 404
    assert 'data-testid="no-seal"' in client.get(URL).content.decode()


def test_admin_moves_the_seal_key_to_a_token(client_for, admin_member, agency, softhsm_settings):  # noqa: F811
    token = softhsm_settings.agency
    response = client_for(admin_member).post(URL, {
        "action": "token", "token-token_label": token.label, "token-key_label": token.key_label,
    }, follow=True)

    record = AgencyCertificate.objects.get(agency=agency, is_active=True)
    assert (record.store, record.pkcs11_token_label, record.private_key_encrypted) == ("pkcs11", token.label, "")
    assert f"thiết bị “{token.label}”, khóa “{token.key_label}”" in response.content.decode()


def test_a_token_whose_pin_is_not_configured_is_refused(client_for, admin_member, agency, softhsm_settings, settings):  # noqa: F811
    settings.PKCS11_PINS = {}
    response = client_for(admin_member).post(URL, {
        "action": "token", "token-token_label": softhsm_settings.agency.label, "token-key_label": "seal",
    })
    assert "PKCS11_PINS" in response.content.decode()
    assert not AgencyCertificate.objects.filter(agency=agency).exists()


def test_changing_the_seal_or_key_needs_a_recent_two_factor_code(client, admin_member):
    from tests.conftest import login

    login(client, admin_member.user, passed_totp=False)
    response = client.post(URL, {"action": "token", "token-token_label": "x", "token-key_label": "y"})
    assert response.status_code == 302 and "reauthenticate" in response["Location"]
