"""“Chữ ký số của tôi”: a leader's own certificate in words, PKCS#12 upload with a PIN, PIN change, token
registration, signature image; nobody sees or uses another person's; changes need a recent two-factor code."""

import re
from io import BytesIO

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from pki import demo, demo_images, keystores, services
from pki.errors import WrongPin
from pki.models import KeyStore, PersonalCertificate, SignatureImage
from tests import factories
from tests.conftest import login
from tests.pki.softhsm import softhsm, softhsm_settings  # noqa: F401 - fixtures

URL = "/signing/"
PIN = "246810"


@pytest.fixture
def signer(leader):
    """A leader with TOTP set up, as signing asks."""
    factories.totp_enable(leader.user)
    return leader


@pytest.fixture
def other_signer(agency, unit):
    member = factories.make_member(
        agency, "leader", user=factories.make_user("phochutich@moha.gov.vn", full_name="Lê Thị Khác"), unit=unit
    )
    factories.totp_enable(member.user)
    return member


def personal_pkcs12(name, password="mật-khẩu-tệp"):
    certificate, key, chain = demo.issue_personal_keypair(name, agency_name="Bộ Nội vụ", title="Thứ trưởng")
    data = pkcs12.serialize_key_and_certificates(
        b"me", key, certificate, chain, serialization.BestAvailableEncryption(password.encode())
    )
    return SimpleUploadedFile("toi.p12", data, "application/x-pkcs12")


def test_url_name_is_my_signing():
    assert reverse("my_signing") == URL


@pytest.mark.django_db
def test_the_page_tells_a_leader_without_a_certificate_what_to_do(client_for, signer):
    html = client_for(signer).get(URL).content.decode()
    assert 'data-testid="no-certificate"' in html
    assert re.search(r'<a class="nav-link active" href="/signing/">.*Chữ ký số của tôi</a>', html)


@pytest.mark.django_db
def test_the_page_tells_the_certificate_in_words(client_for, signer):
    certificate = services.personal_certificate_issue_demo(user=signer.user, pin=PIN, agency=signer.agency)
    html = client_for(signer).get(URL).content.decode()
    assert f"Chứng thư số cấp cho <strong>{signer.user.full_name}</strong>" in html
    assert "Demo CA – Cổng trao đổi văn bản" in html
    assert "Tệp khóa do cổng giữ (PKCS#12, mã hóa)" in html
    assert f"còn {certificate.days_to_expiry} ngày" in html
    assert certificate.private_key_encrypted not in html


@pytest.mark.django_db
def test_upload_a_pkcs12_and_set_a_pin_then_sign_with_it(client_for, signer):
    response = client_for(signer).post(URL, {
        "action": "upload", "upload-file": personal_pkcs12("Nguyễn Văn Ký"), "upload-password": "mật-khẩu-tệp",
        "upload-pin": "13572468", "upload-pin_again": "13572468",
    }, follow=True)
    assert response.redirect_chain == [(URL, 302)]
    certificate = PersonalCertificate.objects.get(user=signer.user, is_active=True)
    assert certificate.subject_cn == "Nguyễn Văn Ký" and certificate.store == KeyStore.PORTAL
    assert keystores.personal_signer(certificate, "13572468") is not None
    assert "13572468" not in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize(("pin", "again", "message"), [
    ("12345", "12345", "ít nhất 6"),
    ("12ab56", "12ab56", "từ 6 đến 12 chữ số"),
    ("123456", "654321", "không khớp"),
])
def test_a_bad_or_mistyped_pin_is_refused(client_for, signer, pin, again, message):
    response = client_for(signer).post(URL, {
        "action": "upload", "upload-file": personal_pkcs12("Nguyễn Văn Ký"), "upload-password": "mật-khẩu-tệp",
        "upload-pin": pin, "upload-pin_again": again,
    })
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not PersonalCertificate.objects.exists()


@pytest.mark.django_db
def test_change_the_pin_with_the_old_one(client_for, signer):
    certificate = services.personal_certificate_issue_demo(user=signer.user, pin=PIN, agency=signer.agency)
    client = client_for(signer)
    wrong = client.post(URL, {"action": "pin", "pin-old_pin": "999999", "pin-new_pin": "112233",
                              "pin-new_pin_again": "112233"})
    assert "Mã PIN ký không đúng" in wrong.content.decode()
    right = client.post(URL, {"action": "pin", "pin-old_pin": PIN, "pin-new_pin": "112233",
                              "pin-new_pin_again": "112233"}, follow=True)
    assert "Đã đổi mã PIN ký." in right.content.decode()
    certificate.refresh_from_db()
    assert keystores.personal_signer(certificate, "112233") is not None
    with pytest.raises(WrongPin):
        keystores.personal_signer(certificate, PIN)


@pytest.mark.django_db
def test_register_a_token_through_the_page(client_for, signer, softhsm_settings):  # noqa: F811
    token = softhsm_settings.person
    response = client_for(signer).post(URL, {
        "action": "token", "token-token_label": token.label, "token-key_label": token.key_label, "token-pin": token.pin,
    }, follow=True)
    assert response.redirect_chain == [(URL, 302)]
    certificate = PersonalCertificate.objects.get(user=signer.user, is_active=True)
    assert (certificate.store, certificate.pkcs11_token_label) == (KeyStore.PKCS11, token.label)
    assert f"thiết bị “{token.label}”" in response.content.decode()


@pytest.mark.django_db
def test_upload_the_signature_image_and_see_only_ones_own(client, signer, other_signer):
    buffer = BytesIO()
    png = demo_images.signature_png(signer.user.full_name)
    login(client, signer.user)
    response = client.post(URL, {"action": "image", "image-image": SimpleUploadedFile("chu-ky.txt", png)}, follow=True)
    assert 'data-testid="signature-preview"' in response.content.decode()
    assert b"".join(client.get(reverse("my_signature_image")).streaming_content) == png

    login(client, other_signer.user)
    assert client.get(reverse("my_signature_image")).status_code == 404
    html = client.get(URL).content.decode()
    assert 'data-testid="signature-preview"' not in html
    Image.new("RGB", (80, 80), "white").save(buffer, format="JPEG")
    refused = client.post(URL, {"action": "image", "image-image": SimpleUploadedFile("x.png", buffer.getvalue())})
    assert "không phải PNG" in refused.content.decode()
    assert SignatureImage.objects.filter(user=other_signer.user).count() == 0


@pytest.mark.django_db
def test_another_persons_certificate_is_never_shown(client_for, signer, other_signer):
    mine = services.personal_certificate_issue_demo(user=signer.user, pin=PIN, agency=signer.agency)
    html = client_for(other_signer).get(URL).content.decode()
    assert mine.serial_number not in html and signer.user.full_name not in html


@pytest.mark.django_db
def test_changes_need_a_recent_two_factor_code(client, signer):
    login(client, signer.user, passed_totp=False)
    response = client.post(URL, {"action": "pin", "pin-old_pin": PIN, "pin-new_pin": "112233",
                                 "pin-new_pin_again": "112233"})
    assert response.status_code == 302 and "reauthenticate" in response["Location"]
    assert client.get(URL).status_code == 200  # reading the page needs no code


@pytest.mark.django_db
def test_only_leaders_have_the_page(client_for, clerk, specialist, admin_member):
    for member in (clerk, specialist, admin_member):
        assert client_for(member).get(URL).status_code == 403
        assert client_for(member).get(reverse("my_signature_image")).status_code == 403
