"""/verify/ and /v/<code>: anyone can check a PDF; each kind of file gets its own plain answer, and secret
documents are never revealed."""

import datetime
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from documents.models import Outgoing
from pki.demo import issue_certificate, new_ca
from pki.selectors import certificate_for_signing
from pki.signing import StampInfo, sign_pdf
from tests import factories
from tests.documents.conftest import pdf_bytes, pdf_upload, to_agency
from tests.public.conftest import citizen_delivery, signed_bytes, to_citizen

pytestmark = pytest.mark.django_db

TITLES = {
    "genuine": "Văn bản thật, còn nguyên vẹn",
    "modified": "Tệp đã bị sửa đổi",
    "untrusted": "Chữ ký số không được tin cậy",
    "not_issued": "Không có bản ghi công khai trên cổng",
}


def upload(client, data, name="van-ban.pdf", **extra):
    return client.post("/verify/", {"file": SimpleUploadedFile(name, data, content_type="application/pdf"),
                                    **extra})


def verdict(response):
    """(kind, title, message) of the verdict shown, or None."""
    assert response.status_code == 200
    html = response.content.decode()
    kind = re.search(r'data-verdict="([a-z_]+)"', html)
    if not kind:
        return None
    title = re.search(r'data-testid="verdict-title">(.*?)</h2>', html, re.S).group(1).strip()
    message = re.search(r'data-testid="verdict-message">(.*?)</p>', html, re.S).group(1).strip()
    return kind.group(1), title, message


def form_error(response):
    html = response.content.decode()
    return " ".join(re.findall(r'class="invalid-feedback d-block">(.*?)</div>', html, re.S))


def tampered(data):
    """The same file with one byte changed inside the part the signature covers."""
    assert b"ReportLab Generated" in data
    return data.replace(b"ReportLab Generated", b"ReportLob Generated", 1)


@pytest.fixture
def public_reply(issue):
    return issue(to_citizen("dan@example.com"), attachments=[pdf_upload("phu-luc.pdf")])


def test_a_genuine_file_is_said_to_be_genuine_and_unaltered(client, public_reply):
    response = upload(client, signed_bytes(public_reply))
    kind, title, message = verdict(response)
    html = response.content.decode()
    assert (kind, title) == ("genuine", TITLES["genuine"]) and "Bộ Nội vụ" in message
    for shown in ("Bộ Nội vụ", public_reply.notation, f"{timezone.localtime(public_reply.issued_at):%d/%m/%Y}",
                  public_reply.signer.user.full_name, public_reply.signed_sha256, "Trùng khớp với bản lưu của cổng"):
        assert shown in html
    # The signer's signature, the agency's and the document timestamp, each valid; Decree 30 Art. 5 is met.
    assert re.findall(r'data-testid="signature" data-status="([a-z]+)" data-kind="([a-z]+)"', html) == [
        ("valid", "person"), ("valid", "agency"), ("valid", "timestamp")]
    assert 'data-testid="article-5" data-meets="yes"' in html
    assert "Nội dung đã ký còn nguyên vẹn" in html and "Chứng thư số do tổ chức tin cậy cấp" in html


def test_a_genuine_attachment_is_genuine_too(client, public_reply):
    kind, *_ = verdict(upload(client, signed_bytes(public_reply, "attachment"), name="phu-luc.pdf"))
    assert kind == "genuine"


def test_a_modified_copy_is_traced_back_to_our_record_through_its_signature(client, public_reply):
    response = upload(client, tampered(signed_bytes(public_reply)))
    kind, title, message = verdict(response)
    html = response.content.decode()
    assert (kind, title) == ("modified", TITLES["modified"])
    assert public_reply.notation in message and "Bộ Nội vụ" in message
    assert "Khác với bản lưu của cổng" in html and public_reply.signed_sha256 in html
    assert set(re.findall(r'data-testid="signature" data-status="([a-z]+)"', html)) == {"tampered"}
    assert 'data-testid="article-5" data-meets="no"' in html


def test_a_copy_with_bytes_flipped_in_the_middle_is_modified(client, public_reply):
    data = bytearray(signed_bytes(public_reply))
    middle = len(data) // 2
    data[middle:middle + 16] = bytes(b ^ 0xFF for b in data[middle:middle + 16])
    kind, title, _message = verdict(upload(client, bytes(data)))
    assert (kind, title) == ("modified", TITLES["modified"])


def test_a_modified_file_we_cannot_trace_is_still_called_modified(client, agency, certified):
    signed = sign_pdf(pdf_bytes(), certificate=certificate_for_signing(agency), stamp=StampInfo(
        agency_name=agency.name, number_notation="99/BNV-VP", signed_at=timezone.now() - datetime.timedelta(days=3),
    ))
    kind, _title, message = verdict(upload(client, tampered(signed)))
    assert kind == "modified" and message.startswith("Tệp đã bị sửa sau khi ký")


def test_a_file_signed_by_an_unknown_certification_authority_is_untrusted(client, other_agency):
    unknown = issue_certificate(other_agency, ca=new_ca("CA không rõ nguồn gốc"))
    signed = sign_pdf(pdf_bytes(), certificate=unknown, stamp=StampInfo(
        agency_name=other_agency.name, number_notation="12/UBND-VP", signed_at=timezone.now(),
    ))
    response = upload(client, signed)
    kind, title, message = verdict(response)
    assert (kind, title) == ("untrusted", TITLES["untrusted"]) and "không do tổ chức" in message
    assert re.findall(r'data-testid="signature" data-status="([a-z]+)"', response.content.decode()) == ["untrusted"]


def test_an_unsigned_file_was_never_issued_through_the_portal(client):
    kind, title, message = verdict(upload(client, pdf_bytes()))
    assert (kind, title) == ("not_issued", TITLES["not_issued"])
    assert message == "Tệp không có chữ ký số và không được phát hành qua cổng."


def validly_signed_elsewhere(agency):
    """Signed with the agency's own trusted certificate, but never issued through the portal."""
    return sign_pdf(pdf_bytes(text="Văn bản ký ngoài cổng"), certificate=certificate_for_signing(agency),
                    stamp=StampInfo(agency_name=agency.name, number_notation="77/BNV-VP",
                                    signed_at=timezone.now() - datetime.timedelta(days=30)))


def test_a_validly_signed_file_we_have_no_record_of_was_never_issued(client, agency, certified):
    kind, title, message = verdict(upload(client, validly_signed_elsewhere(agency)))
    assert (kind, title) == ("not_issued", TITLES["not_issued"])
    assert message.startswith("Tệp có chữ ký số hợp lệ nhưng cổng không có bản ghi công khai")


def test_a_secret_document_gets_the_same_answer_as_one_never_issued(client, agency, issue, other_agency):
    secret = issue(to_agency(other_agency), to_citizen("dan@example.com"), secrecy="mat")
    assert secret.verify_code == "" and citizen_delivery(secret, "dan@example.com").lookup_code is None
    secret_answer = verdict(upload(client, signed_bytes(secret)))
    unknown_answer = verdict(upload(client, validly_signed_elsewhere(agency)))
    assert secret_answer == unknown_answer and secret_answer[0] == "not_issued"
    html = upload(client, tampered(signed_bytes(secret))).content.decode()
    assert secret.notation not in html and secret.summary not in html
    # Even with a verification code forced onto it, a secret document has no public page.
    Outgoing.objects.filter(pk=secret.pk).update(verify_code="SECRETCODE")
    assert client.get("/v/SECRETCODE").status_code == 404


def test_a_file_that_is_not_a_pdf_is_refused_clearly(client):
    response = upload(client, "Đây là tệp văn bản thường".encode(), name="ghi-chu.txt")
    assert verdict(response) is None
    assert "không phải tệp PDF" in form_error(response)


def test_a_damaged_pdf_is_refused_clearly(client):
    response = upload(client, b"%PDF-1.7\n" + bytes(range(256)) * 8)
    assert verdict(response) is None
    assert "không phải là PDF đọc được" in form_error(response)


def test_a_file_over_the_size_limit_is_refused(client, settings):
    settings.MAX_UPLOAD_MB = 1
    response = upload(client, pdf_bytes() + b"%" * (1024 * 1024 + 1))
    assert verdict(response) is None
    assert "vượt giới hạn 1 MB" in form_error(response)


def test_qr_link_page_shows_the_record_and_invites_an_upload(client, public_reply):
    response = client.get(f"/v/{public_reply.verify_code}")
    html = response.content.decode()
    assert response.status_code == 200 and reverse("outgoing_public", args=[public_reply.verify_code]) == \
        f"/v/{public_reply.verify_code}"
    for shown in ("Bộ Nội vụ", public_reply.notation, f"{timezone.localtime(public_reply.issued_at):%d/%m/%Y}",
                  public_reply.signer.user.full_name, public_reply.signed_sha256,
                  public_reply.files.get(kind="attachment").signed_sha256):
        assert shown in html
    assert 'enctype="multipart/form-data"' in html and f'value="{public_reply.verify_code}"' in html
    assert public_reply.summary not in html  # the public page names the document, not its content
    assert 'data-testid="my-lookup-code"' not in html


def test_an_upload_from_the_qr_page_that_does_not_match_is_a_modified_copy_of_that_document(client, public_reply):
    kind, _title, message = verdict(upload(client, pdf_bytes(), code=public_reply.verify_code))
    assert kind == "modified" and public_reply.notation in message


def test_the_recipient_sees_their_lookup_code_on_the_qr_page(client, client_for, public_reply):
    delivery = citizen_delivery(public_reply, "dan@example.com")
    owner = factories.make_citizen("dan@example.com")
    html = client_for(owner).get(f"/v/{public_reply.verify_code}").content.decode()
    code = delivery.lookup_code
    assert f"{code[:4]}-{code[4:8]}-{code[8:]}" in html


def test_unknown_verification_code_is_not_found(client, db):
    assert client.get("/v/ABCDEFGHJK").status_code == 404
