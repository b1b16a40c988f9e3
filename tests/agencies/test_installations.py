"""Other installations of the portal (liên thông): kept by the portal's technical administrators in /admin/, chosen
on an agency's form, and shown in the public directory."""

import csv
import datetime
import io

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from django.urls import reverse

from accounts.models import User
from agencies.models import Agency, Installation
from agencies.services import agencies_import_csv
from tests import factories
from tests.conftest import login

pytestmark = pytest.mark.django_db


def certificate_and_key(name="Hệ thống văn bản Bộ Tài chính"):
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(key.public_key())
                   .serial_number(x509.random_serial_number()).not_valid_before(now)
                   .not_valid_after(now + datetime.timedelta(days=365)).sign(key, hashes.SHA256()))
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    return certificate.public_bytes(serialization.Encoding.PEM).decode(), key_pem.decode()


@pytest.fixture
def root_client(client):
    user = User.objects.create_superuser("root@portal.gov.vn", "Quản-trị-2026!", full_name="Quản trị cổng")
    factories.totp_enable(user)  # /admin/ wants a session that passed two-factor
    return login(client, user)


def installation_form(**changes):
    pem, _key = certificate_and_key()
    return {"code": "bo-tai-chinh", "name": "Hệ thống văn bản Bộ Tài chính",
            "endpoint": "https://vanban.mof.gov.vn/exchange/edxml/", "signing_certificates_pem": pem,
            "tls_ca_pem": "", "rate_limit_per_minute": "60", "is_active": "on", **changes}


@pytest.fixture
def installation():
    pem, _key = certificate_and_key()
    return Installation.objects.create(code="bo-tai-chinh", name="Hệ thống văn bản Bộ Tài chính",
                                       endpoint="https://vanban.mof.gov.vn/exchange/edxml/",
                                       signing_certificates_pem=pem)


def test_the_portal_admin_adds_an_installation(root_client):
    response = root_client.post(reverse("admin:agencies_installation_add"), installation_form())
    assert response.status_code == 302, response.content.decode()[:2000]
    saved = Installation.objects.get(code="bo-tai-chinh")
    assert saved.endpoint == "https://vanban.mof.gov.vn/exchange/edxml/" and saved.rate_limit_per_minute == 60
    assert saved.signing_certificates_pem.startswith("-----BEGIN CERTIFICATE-----")
    changelist = root_client.get(reverse("admin:agencies_installation_changelist")).content.decode()
    assert "Hệ thống văn bản Bộ Tài chính" in changelist


@pytest.mark.parametrize(("changes", "message"), [
    ({"endpoint": "http://vanban.mof.gov.vn/exchange/edxml/"}, "Địa chỉ nhận gói tin phải dùng HTTPS."),
    ({"signing_certificates_pem": "không phải chứng thư"}, "không đọc được chứng thư số nào"),
    ({"tls_ca_pem": "-----BEGIN CERTIFICATE-----\nabc\n-----END CERTIFICATE-----"}, "Chứng thư gốc TLS"),
    ({"rate_limit_per_minute": "0"}, "Hãy cho phép ít nhất 1 gói tin mỗi phút."),
])
def test_an_installation_the_exchange_could_not_use_is_refused(root_client, changes, message):
    response = root_client.post(reverse("admin:agencies_installation_add"), installation_form(**changes))
    assert response.status_code == 200 and message in response.content.decode()
    assert not Installation.objects.exists()


def test_a_private_key_pasted_by_mistake_is_refused_and_not_kept(root_client):
    pem, key = certificate_and_key()
    response = root_client.post(reverse("admin:agencies_installation_add"),
                                installation_form(signing_certificates_pem=pem + key))
    assert "không bao giờ dán khóa bí mật" in response.content.decode()
    assert not Installation.objects.exists()


def test_the_agency_form_chooses_the_installation_that_serves_it(root_client, installation):
    agency = factories.make_agency("Bộ Tài chính", short_name="BTC", code="000.00.00.G12", domain="mof.gov.vn")
    url = reverse("admin:agencies_agency_change", args=[agency.pk])
    assert 'name="installation"' in root_client.get(url).content.decode()
    response = root_client.post(url, {
        "code": agency.code, "name": agency.name, "short_name": agency.short_name,
        "official_email": agency.official_email, "installation": installation.pk, "is_active": "on",
        "units-TOTAL_FORMS": "0", "units-INITIAL_FORMS": "0", "units-MIN_NUM_FORMS": "0",
        "units-MAX_NUM_FORMS": "1000",
    })
    assert response.status_code == 302, response.content.decode()[:3000]
    agency.refresh_from_db()
    assert agency.installation == installation
    # The installation's page lists the agencies it serves; the changelist counts them.
    page = root_client.get(reverse("admin:agencies_installation_change", args=[installation.pk])).content.decode()
    assert "Bộ Tài chính (000.00.00.G12)" in page
    filtered = root_client.get(reverse("admin:agencies_agency_changelist"), {"installation__id__exact": installation.pk})
    assert "000.00.00.G12" in filtered.content.decode()
    # The autocomplete on the agency's form finds installations.
    found = root_client.get(reverse("admin:autocomplete"), {"app_label": "agencies", "model_name": "agency",
                                                            "field_name": "installation", "term": "tài chính"})
    assert found.json()["results"][0]["text"] == "Hệ thống văn bản Bộ Tài chính"


def test_agency_staff_never_open_the_installations(client_for, admin_member, installation):
    client = client_for(admin_member)
    for url in (reverse("admin:agencies_installation_changelist"), reverse("admin:agencies_installation_add"),
                reverse("admin:agencies_installation_change", args=[installation.pk])):
        response = client.get(url)
        assert response.status_code == 302 and "/admin/login/" in response.url
    response = client.post(reverse("admin:agencies_installation_add"), installation_form(code="khac"))
    assert response.status_code == 302 and not Installation.objects.filter(code="khac").exists()


def test_the_directory_says_which_installation_serves_an_agency(client, installation):
    served = factories.make_agency("Bộ Tài chính", short_name="BTC", code="000.00.00.G12", domain="mof.gov.vn",
                                   installation=installation)
    own = factories.make_agency("Bộ Nội vụ", short_name="BNV", code="000.00.00.G09", domain="moha.gov.vn")
    html = client.get("/directory/").content.decode()
    card = html[html.index(f'data-agency-code="{served.code}"'):]
    card = card[:card.index("</li>")]
    assert "Liên thông qua Hệ thống văn bản Bộ Tài chính" in card
    assert 'data-testid="public-schedule-link"' not in card  # its schedule is on its own installation
    own_card = html[html.index(f'data-agency-code="{own.code}"'):]
    own_card = own_card[:own_card.index("</li>")]
    assert "Liên thông qua" not in own_card and 'data-testid="public-schedule-link"' in own_card
    # Found by a search too, and said in the CSV.
    assert "Liên thông qua Hệ thống văn bản Bộ Tài chính" in client.get("/directory/", {"q": "tai chinh"}).content.decode()
    rows = list(csv.reader(io.StringIO(client.get("/directory/export.csv").getvalue().decode("utf-8-sig"))))
    column = rows[0].index("Liên thông qua hệ thống")
    assert {row[0]: row[column] for row in rows[1:]} == {served.code: installation.name, own.code: ""}


def test_the_agency_page_says_it_too(client, installation):
    served = factories.make_agency("Bộ Tài chính", short_name="BTC", code="000.00.00.G12", domain="mof.gov.vn",
                                   installation=installation)
    own = factories.make_agency("Bộ Nội vụ", short_name="BNV", code="000.00.00.G09", domain="moha.gov.vn")
    page = client.get(f"/agencies/{served.code}/schedule/").content.decode()
    assert 'data-testid="served-by"' in page and "Liên thông qua Hệ thống văn bản Bộ Tài chính" in page
    assert "Liên thông qua" not in client.get(f"/agencies/{own.code}/schedule/").content.decode()


def test_a_paused_installation_is_marked(client, installation):
    installation.is_active = False
    installation.save()
    Agency.objects.filter(pk=factories.make_agency("Bộ Tài chính", code="000.00.00.G12", domain="mof.gov.vn").pk
                          ).update(installation=installation)
    html = client.get("/directory/").content.decode()
    assert "Liên thông qua Hệ thống văn bản Bộ Tài chính" in html and "tạm ngừng liên thông" in html


IMPORT_HEADER = ("record,agency_code,name,short_name,parent_code,official_email,address,phone,website,uses_portal,"
                 "installation_code\n")


def test_the_csv_import_sets_the_installation_of_an_agency(installation):
    factories.make_agency("Bộ Nội vụ", short_name="BNV", code="000.00.00.G09", domain="moha.gov.vn",
                          installation=installation)
    report = agencies_import_csv((IMPORT_HEADER
                                  + "agency,000.00.00.G12,Bộ Tài chính,BTC,,vanthu@mof.gov.vn,,,,0,bo-tai-chinh\n"
                                  + "agency,000.00.00.G09,Bộ Nội vụ,BNV,,vanphong@moha.gov.vn,,,,1,\n").encode())
    assert report.ok, report.errors
    assert Agency.objects.get(code="000.00.00.G12").installation == installation
    assert Agency.objects.get(code="000.00.00.G09").installation is None  # a blank cell: served by none


def test_the_csv_import_refuses_an_unknown_installation_and_imports_nothing(installation):
    report = agencies_import_csv((IMPORT_HEADER
                                  + "agency,000.00.00.G12,Bộ Tài chính,BTC,,vanthu@mof.gov.vn,,,,0,bo-khac\n").encode())
    assert report.errors == [(2, "Không có hệ thống liên thông mã bo-khac; hãy thêm hệ thống trước.")]
    assert not Agency.objects.filter(code="000.00.00.G12").exists()


def test_a_csv_without_the_column_leaves_the_installations_alone(installation):
    factories.make_agency("Bộ Tài chính", short_name="BTC", code="000.00.00.G12", domain="mof.gov.vn",
                          installation=installation)
    header = IMPORT_HEADER.replace(",installation_code", "")
    report = agencies_import_csv((header + "agency,000.00.00.G12,Bộ Tài chính (mới),BTC,,vanthu@mof.gov.vn,,,,0\n"
                                  ).encode())
    assert report.ok and report.agencies_updated == 1
    assert Agency.objects.get(code="000.00.00.G12").installation == installation
