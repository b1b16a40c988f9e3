"""The clerk's edXML pages through the request: download from the outgoing page, import from the desk; and every
denial (another agency → 404, a wrong role → 403)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from documents.models import Incoming
from documents.services import outgoing as services
from exchange import edxml
from exchange.models import ExchangeMessage
from tests import factories
from tests.documents.conftest import approved, to_agency

pytestmark = pytest.mark.django_db


def upload(data, name="van-ban.edxml"):
    return SimpleUploadedFile(name, data, content_type="application/xml")


def test_the_issuing_clerk_downloads_the_envelope_from_the_document_page(client_for, issued, clerk):
    client = client_for(clerk)
    page = client.get(reverse("outgoing_detail", args=[issued.pk])).content.decode()
    assert 'data-testid="edxml-download"' in page and reverse("outgoing_edxml", args=[issued.pk]) in page
    response = client.get(reverse("outgoing_edxml", args=[issued.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/xml"
    issued_on = timezone.localdate(issued.issued_at)
    assert response["Content-Disposition"] == f'attachment; filename="01-bnv-vp_{issued_on:%Y-%m-%d}.edxml"'
    read = edxml.envelope_read(response.content)
    assert read.message.document_id.endswith(",01/BNV-VP")
    assert ExchangeMessage.objects.get(direction="out").envelope.read() == response.content


def test_others_cannot_download_it(client_for, issued, specialist, leader, peer_clerk):
    for member in (specialist, leader):
        client = client_for(member)
        page = client.get(reverse("outgoing_detail", args=[issued.pk])).content.decode()
        assert "edxml-download" not in page
        assert client.get(reverse("outgoing_edxml", args=[issued.pk])).status_code == 403
    assert client_for(peer_clerk).get(reverse("outgoing_edxml", args=[issued.pk])).status_code == 404
    assert not ExchangeMessage.objects.exists()


def test_a_secret_document_has_no_envelope(client_for, certified, specialist, leader, clerk, peer_agency):
    secret = services.outgoing_issue(membership=clerk, outgoing=approved(specialist, leader, to_agency(peer_agency),
                                                                         secrecy="mat"))
    client = client_for(clerk)
    assert "edxml-download" not in client.get(reverse("outgoing_detail", args=[secret.pk])).content.decode()
    response = client.get(reverse("outgoing_edxml", args=[secret.pk]), follow=True)
    assert "Văn bản mật không được gửi hay xuất thành gói tin edXML." in response.content.decode()
    assert not ExchangeMessage.objects.exists()


def test_a_clerk_imports_an_envelope_from_the_desk(client_for, issued, clerk, peer_clerk):
    data = client_for(clerk).get(reverse("outgoing_edxml", args=[issued.pk])).content
    client = client_for(peer_clerk)
    desk = client.get(reverse("dashboard")).content.decode()
    assert 'data-testid="edxml-import-link"' in desk
    response = client.post(reverse("incoming_import_edxml"), {"envelope": upload(data)})
    incoming = Incoming.objects.get(agency=peer_clerk.agency)
    assert response.status_code == 302 and response["Location"] == reverse("incoming_detail", args=[incoming.pk])
    page = client.get(response["Location"]).content.decode()
    assert "01/BNV-VP" in page and "Liên thông" in page


def test_a_refused_envelope_says_why_and_nothing_is_written(client_for, issued, clerk, peer_clerk):
    data = client_for(clerk).get(reverse("outgoing_edxml", args=[issued.pk])).content
    changed = data.replace("V/v thử nghiệm".encode(), "V/v đã sửa".encode())
    client = client_for(peer_clerk)
    response = client.post(reverse("incoming_import_edxml"), {"envelope": upload(changed)})
    assert response.status_code == 200
    assert "nội dung đã bị sửa đổi sau khi ký" in response.content.decode()
    response = client.post(reverse("incoming_import_edxml"), {"envelope": upload(b"<not-xml")})
    assert "Gói tin edXML không đúng định dạng" in response.content.decode()
    assert not Incoming.objects.filter(agency=peer_clerk.agency).exists()
    assert not ExchangeMessage.objects.filter(direction="in").exists()


def test_an_oversized_file_is_refused_unread(client_for, settings, peer_clerk):
    settings.EXCHANGE_MAX_ENVELOPE_BYTES = 1024 * 1024
    response = client_for(peer_clerk).post(reverse("incoming_import_edxml"),
                                           {"envelope": upload(b" " * (1024 * 1024 + 1))})
    assert "vượt giới hạn 1 MB" in response.content.decode()


def test_only_clerks_import(client_for, peer_agency):
    reader = factories.make_member(peer_agency, "specialist")
    client = client_for(reader)
    assert "edxml-import-link" not in client.get(reverse("dashboard")).content.decode()
    assert client.get(reverse("incoming_import_edxml")).status_code == 403
    assert client.post(reverse("incoming_import_edxml"), {"envelope": upload(b"x")}).status_code == 403
    client.logout()
    response = client.get(reverse("incoming_import_edxml"))
    assert response.status_code == 302 and "login" in response["Location"]


def test_without_an_active_certificate_the_clerk_is_told_why(client_for, issued, agency, clerk):
    agency.certificates.update(is_active=False)
    response = client_for(clerk).get(reverse("outgoing_edxml", args=[issued.pk]), follow=True)
    assert response.redirect_chain[-1][0] == reverse("outgoing_detail", args=[issued.pk])
    assert "Cơ quan chưa có chứng thư số đang dùng để ký gói tin edXML." in response.content.decode()
    assert not ExchangeMessage.objects.exists()
