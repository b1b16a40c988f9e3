"""The clerk decides with all the facts before a number is taken: signatures, sender, quarantine, duplicates."""

import io

import pytest
from django.urls import reverse
from django.utils import timezone
from reportlab.pdfgen import canvas

from accounts.models import Role
from documents.models import Incoming
from documents.services import incoming as incoming_services
from intake import services
from intake.models import InboundAttachment, InboundMessage
from tests import factories

from .conftest import Account, make_mailbox
from .mail import build
from .test_screening import pdf_bytes

pytestmark = pytest.mark.django_db
Sig = InboundAttachment.Signature


@pytest.fixture
def signed_pdfs(certified):
    """A PDF signed by a trusted agency, the same with one byte changed, one signed under an unknown CA."""
    from pki.demo import issue_certificate, new_ca
    from pki.signing import StampInfo, sign_pdf

    stamp = StampInfo(agency_name="Bộ Nội vụ", number_notation="09/BNV-VP", signed_at=timezone.now())
    signed = sign_pdf(pdf_bytes(), certificate=certified.certificates.get(is_active=True), stamp=stamp)
    tampered = bytearray(signed)
    tampered[signed.index(b"ReportLab PDF Library")] = ord("X")  # inside the signed range
    rogue = issue_certificate(factories.make_agency("Cơ quan giả mạo", code="000.00.66.Z66"),
                              ca=new_ca("CA không tin cậy"))
    untrusted = sign_pdf(pdf_bytes(), certificate=rogue, stamp=stamp)
    return {"signed": signed, "tampered": bytes(tampered), "untrusted": untrusted}


def other_pdf():
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer)
    page.drawString(72, 720, "Ban scan khac")
    page.save()
    return buffer.getvalue()


def poll(mailbox):
    result = services.mailbox_poll(mailbox.pk)
    assert result.status == "ok", result
    return result


def page_of(client, message):
    response = client.get(reverse("inbound_detail", args=[message.pk]))
    assert response.status_code == 200
    return response


def kinds(response):
    return [fact.kind for fact in response.context["facts"]]


def test_signatures_are_checked_when_the_mail_arrives_and_shown_before_registering(
        mailbox, imap_account, signed_pdfs, client_for, clerk):
    imap_account.append(build(subject="Bốn tệp", attachments=[
        ("that.pdf", "application/pdf", signed_pdfs["signed"]),
        ("sua.pdf", "application/pdf", signed_pdfs["tampered"]),
        ("gia.pdf", "application/pdf", signed_pdfs["untrusted"]),
        ("khong-ky.pdf", "application/pdf", pdf_bytes()),
        ("ghi-chu.txt", "text/plain", "Ghi chú".encode()),
    ]))
    poll(mailbox)
    message = InboundMessage.objects.get()
    verdicts = {a.filename: a.signature for a in message.attachments.all()}
    assert verdicts == {"that.pdf": Sig.VALID, "sua.pdf": Sig.TAMPERED, "gia.pdf": Sig.UNTRUSTED,
                        "khong-ky.pdf": Sig.UNSIGNED, "ghi-chu.txt": ""}
    assert message.attachments.get(filename="that.pdf").signer
    assert not Incoming.objects.exists()  # nothing registered, no number taken

    client = client_for(clerk)
    response = page_of(client, message)
    facts = [fact.text for fact in response.context["facts"] if fact.kind == "signature"]
    assert len(facts) == 3
    assert facts[0].startswith("“sua.pdf”: Tệp đã bị sửa sau khi ký.")
    assert facts[1].startswith("“gia.pdf”: Chữ ký số không tin cậy.")
    assert facts[2].startswith("“khong-ky.pdf”: Không có chữ ký số.")
    assert not any("that.pdf" in text for text in facts)
    page = response.content.decode()
    assert 'data-testid="facts"' in page and "Cần xem xét trước khi vào sổ" in page

    listing = client.get(reverse("inbound_list")).content.decode()
    assert 'data-testid="badge-signature"' in listing

    # The registering form, where the number is taken, repeats them.
    form = client.get(reverse("incoming_from_email", args=[message.pk])).content.decode()
    assert 'data-testid="fact-signature"' in form and "“sua.pdf”: Tệp đã bị sửa sau khi ký." in form


def test_a_clean_message_has_no_facts_and_no_badges(mailbox, imap_account, signed_pdfs, client_for, clerk):
    imap_account.append(build(attachments=[("that.pdf", "application/pdf", signed_pdfs["signed"])]))
    poll(mailbox)
    client = client_for(clerk)
    response = page_of(client, InboundMessage.objects.get())
    assert response.context["facts"] == []
    assert 'data-testid="facts"' not in response.content.decode()
    listing = client.get(reverse("inbound_list")).content.decode()
    for badge in ("badge-signature", "badge-quarantine", "badge-duplicate", "not-official"):
        assert f'data-testid="{badge}"' not in listing
    form = client.get(reverse("incoming_from_email", args=[InboundMessage.objects.get().pk])).content.decode()
    assert 'data-testid="facts"' not in form


def test_a_sender_outside_the_official_domains_and_quarantined_files_are_facts(mailbox, imap_account, client_for,
                                                                               clerk):
    imap_account.append(build(sender="Ai đó <ai.do@gmail.com>", attachments=[
        ("cong-van.pdf", "application/pdf", pdf_bytes()),
        ("xem-ngay.exe", "application/octet-stream", b"MZ\x90\x00 program"),
    ]))
    poll(mailbox)
    client = client_for(clerk)
    response = page_of(client, InboundMessage.objects.get())
    facts = {fact.kind: fact.text for fact in response.context["facts"]}
    assert facts["sender"].startswith("Người gửi ai.do@gmail.com không dùng địa chỉ thư điện tử công vụ (tên miền "
                                      "gov.vn)")
    assert facts["quarantine"].startswith("“xem-ngay.exe” bị cách ly, không tải xuống được: Tệp chạy được")
    listing = client.get(reverse("inbound_list")).content.decode()
    assert 'data-testid="badge-quarantine"' in listing and 'data-testid="not-official"' in listing


def test_a_message_id_seen_before_with_other_content_is_shown_with_a_link_to_the_first(mailbox, imap_account,
                                                                                         client_for, clerk):
    message_id = "<cv-123@kontum.gov.vn>"
    imap_account.append(build(subject="Công văn 123", message_id=message_id,
                              attachments=[("cv.pdf", "application/pdf", pdf_bytes())]))
    poll(mailbox)
    # The same message through another gateway, which added a footer.
    imap_account.append(build(subject="Công văn 123", message_id=message_id, body="Kính gửi: Bộ Nội vụ\n-- quét vi rút",
                              attachments=[("cv.pdf", "application/pdf", pdf_bytes())]))
    assert poll(mailbox).imported == 1
    first, repeat = InboundMessage.objects.order_by("pk")
    assert repeat.duplicate_of == first

    client = client_for(clerk)
    response = page_of(client, repeat)
    duplicate = [fact for fact in response.context["facts"] if fact.kind == "duplicate"]
    assert duplicate[0].text.startswith("Một thư cùng Message-ID đã được nhận lúc")
    assert duplicate[0].url == reverse("inbound_detail", args=[first.pk])
    assert f'href="{duplicate[0].url}"' in response.content.decode()
    back = [fact for fact in page_of(client, first).context["facts"] if fact.kind == "duplicate"]
    assert back[0].url == reverse("inbound_detail", args=[repeat.pk])
    listing = client.get(reverse("inbound_list")).content.decode()
    assert listing.count('data-testid="badge-duplicate"') == 2


def test_the_same_message_id_with_the_same_content_is_not_imported_again(mailbox, imap_account):
    message_id = "<cv-124@kontum.gov.vn>"
    raw = build(subject="Công văn 124", message_id=message_id, attachments=[("cv.pdf", "application/pdf", pdf_bytes())])
    imap_account.append(raw)
    imap_account.append(b"Received: from relay2.kontum.gov.vn\r\n" + raw)  # other bytes, same message
    result = poll(mailbox)
    assert (result.imported, result.duplicates) == (1, 1)
    assert InboundMessage.objects.get().duplicate_of is None


def test_a_file_already_registered_is_shown_with_a_link_to_the_document(mailbox, imap_account, client_for, clerk,
                                                                        other_agency, dovecot):
    data = pdf_bytes()
    imap_account.append(build(subject="Lần 1", attachments=[("qd.pdf", "application/pdf", data)]))
    poll(mailbox)
    first = InboundMessage.objects.get()
    document = incoming_services.incoming_from_email(membership=clerk, inbound=first, sender_name="UBND tỉnh Kon Tum",
                                                     summary="Quyết định 15")
    imap_account.append(build(subject="Lần 2, gửi lại", attachments=[("qd-gui-lai.pdf", "application/pdf", data)]))
    poll(mailbox)
    second = InboundMessage.objects.exclude(pk=first.pk).get()

    response = page_of(client_for(clerk), second)
    urls = {fact.url for fact in response.context["facts"] if fact.kind == "duplicate"}
    assert reverse("incoming_detail", args=[document.pk]) in urls
    texts = [fact.text for fact in response.context["facts"]]
    assert f"Tệp “qd.pdf” đã được vào sổ: số đến {document.arrival_number}/{document.year}." in texts

    # Another agency receiving the same file learns nothing of this agency's register.
    stranger_account = Account(dovecot)
    stranger_mailbox = make_mailbox(other_agency, stranger_account)
    stranger_account.append(build(attachments=[("qd.pdf", "application/pdf", data)]))
    poll(stranger_mailbox)
    theirs = InboundMessage.objects.get(agency=other_agency)
    stranger = factories.make_member(other_agency, Role.CLERK)
    assert [fact for fact in page_of(client_for(stranger), theirs).context["facts"] if fact.kind == "duplicate"] == []


def test_the_same_number_from_the_same_issuer_already_registered_is_a_fact(mailbox, imap_account, client_for, clerk):
    kontum = factories.make_agency("Ủy ban nhân dân tỉnh Kon Tum", code="000.00.00.H34", domain="kontum.gov.vn",
                                   official_email="vanphong@kontum.gov.vn")
    imap_account.append(build(subject="Công văn số 123/UBND-VP về việc A",
                              attachments=[("cv.pdf", "application/pdf", pdf_bytes())]))
    poll(mailbox)
    first = InboundMessage.objects.get()
    assert (first.hint_number_notation, first.hint_issuing_agency) == ("123/UBND-VP", kontum)
    document = incoming_services.incoming_from_email(membership=clerk, inbound=first, sender_agency=kontum,
                                                     notation="123/UBND-VP", summary="Về việc A")
    imap_account.append(build(subject="Công văn số 123/UBND-VP về việc A (bản scan khác)",
                              attachments=[("scan.pdf", "application/pdf", other_pdf())]))
    poll(mailbox)
    second = InboundMessage.objects.exclude(pk=first.pk).get()
    facts = [fact for fact in page_of(client_for(clerk), second).context["facts"] if fact.kind == "duplicate"]
    assert [fact.url for fact in facts] == [reverse("incoming_detail", args=[document.pk])]
    assert facts[0].text.startswith("Văn bản số 123/UBND-VP của Ủy ban nhân dân tỉnh Kon Tum đã được vào sổ")
