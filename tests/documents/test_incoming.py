"""Incoming documents: arrival, registering, routing, handling, replying, and what the sender sees."""

import datetime
import io
import re

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from openpyxl import load_workbook

from documents.models import Incoming, Outgoing, Recipient, SignatureStatus
from documents.services import incoming as services
from documents.services import outgoing as outgoing_services
from documents.services.reminders import overdue_digest_send
from pki.demo import issue_certificate
from tests import factories
from tests.documents.conftest import approved, pdf_upload, to_agency

pytestmark = pytest.mark.django_db
S = Incoming.Status


@pytest.fixture
def arrived(agency, certified, specialist, leader, clerk, kontum, django_capture_on_commit_callbacks):
    """A công văn issued by Bộ Nội vụ that arrived in Kon Tum through the portal."""
    outgoing = approved(specialist, leader, to_agency(kontum, role=Recipient.Role.KINH_GUI), urgency="khan")
    with django_capture_on_commit_callbacks(execute=True):
        outgoing_services.outgoing_issue(membership=clerk, outgoing=outgoing)
    return Incoming.objects.get(agency=kontum)


def sender_sees(incoming):
    delivery = Outgoing.objects.get().deliveries.get(agency=incoming.agency)
    return delivery.incoming.status, delivery.incoming.status_reason


def test_a_portal_document_arrives_with_its_metadata_files_and_checked_signature(arrived, kontum):
    assert arrived.status == S.ARRIVED and sender_sees(arrived) == ("01", "")
    assert (arrived.notation, arrived.sender_name, arrived.doc_type) == ("01/BNV-VP", "Bộ Nội vụ", "CV")
    assert arrived.urgency == "khan" and arrived.signer_position == "Bộ trưởng"
    file = arrived.files.get()
    assert file.signature_status == SignatureStatus.VALID and "Bộ Nội vụ" in file.signer
    assert list(arrived.events.values_list("action", "status")) == [("arrive", "01")]


def test_round_trip_with_every_status_seen_by_the_sender(arrived, kontum_staff):
    s = kontum_staff
    incoming = services.incoming_register(membership=s["clerk"], incoming=arrived)
    assert (incoming.arrival_number, incoming.status) == (1, S.ACCEPTED) and sender_sees(incoming)[0] == "03"
    incoming = services.incoming_route(membership=s["leader"], incoming=incoming, lead_unit=s["culture"],
                                       cooperate_members=[s["helper"]], instructions="Tham mưu trả lời trước hạn")
    assert sender_sees(incoming)[0] == "04"
    assert incoming.due_date == timezone.localdate() + datetime.timedelta(days=3)  # khẩn
    incoming = services.incoming_progress(membership=s["lead"], incoming=incoming, text="Đang tổng hợp số liệu")
    assert sender_sees(incoming)[0] == "05"
    services.incoming_input(membership=s["helper"], incoming=incoming, text="Văn phòng thống nhất")
    incoming = services.incoming_complete(membership=s["lead"], incoming=incoming, result="Đã báo cáo")
    assert sender_sees(incoming)[0] == "06"
    assert [e.status for e in incoming.events.all()] == ["01", "03", "04", "05", "05", "06"]


def test_a_refused_document_tells_the_sender_why(arrived, kontum_staff):
    with pytest.raises(ValidationError):
        services.incoming_refuse(membership=kontum_staff["clerk"], incoming=arrived, reason=" ")
    services.incoming_refuse(membership=kontum_staff["clerk"], incoming=arrived, reason="Gửi nhầm cơ quan")
    assert sender_sees(arrived) == ("02", "Gửi nhầm cơ quan")


def test_only_the_lead_completes_and_only_leaders_route(arrived, kontum_staff):
    s = kontum_staff
    incoming = services.incoming_register(membership=s["clerk"], incoming=arrived)
    with pytest.raises(PermissionDenied):
        services.incoming_route(membership=s["clerk"], incoming=incoming, lead_unit=s["culture"])
    services.incoming_route(membership=s["leader"], incoming=incoming, lead_member=s["lead"],
                            cooperate_units=[s["office"]])
    for member in (s["helper"], s["bystander"], s["clerk"]):
        with pytest.raises(PermissionDenied):
            services.incoming_complete(membership=member, incoming=incoming, result="xong")
    with pytest.raises(PermissionDenied):
        services.incoming_input(membership=s["bystander"], incoming=incoming, text="ý kiến")


def test_routing_needs_exactly_one_lead_from_the_agency(arrived, kontum_staff, other_agency):
    s = kontum_staff
    incoming = services.incoming_register(membership=s["clerk"], incoming=arrived)
    with pytest.raises(ValidationError):
        services.incoming_route(membership=s["leader"], incoming=incoming)
    with pytest.raises(ValidationError):
        services.incoming_route(membership=s["leader"], incoming=incoming,
                                lead_unit=factories.make_unit(other_agency, "Văn phòng", "VP"))


def test_arrival_numbers_run_on_through_the_year_for_portal_paper_and_email(arrived, kontum_staff):
    clerk = kontum_staff["clerk"]
    first = services.incoming_register(membership=clerk, incoming=arrived)
    paper = services.incoming_from_paper(membership=clerk, scans=[pdf_upload("scan.pdf")], sender_name="Sở Nội vụ",
                                         notation="12/SNV-TCBC", summary="V/v tuyển dụng", doc_type="CV")
    assert (first.arrival_number, paper.arrival_number) == (1, 2)
    assert paper.source == "paper" and paper.status == S.ACCEPTED
    assert paper.files.get().signature_status == SignatureStatus.UNSIGNED


def test_a_second_registration_of_the_same_number_from_the_same_sender_is_warned(kontum_staff):
    clerk = kontum_staff["clerk"]
    fields = {"sender_name": "Sở Tài chính tỉnh Kon Tum", "notation": "45/STC-QLNS", "summary": "V/v dự toán"}
    services.incoming_from_paper(membership=clerk, scans=[pdf_upload()], **fields)
    with pytest.raises(services.DuplicateWarning, match="45/STC-QLNS"):
        services.incoming_from_paper(membership=clerk, scans=[pdf_upload()], **{**fields, "sender_name": "Sở tài chính tỉnh kon tum"})
    assert Incoming.objects.count() == 1
    again = services.incoming_from_paper(membership=clerk, scans=[pdf_upload()], confirm_duplicate=True, **fields)
    assert again.arrival_number == 2
    other = services.incoming_from_paper(membership=clerk, scans=[pdf_upload()],
                                         **{**fields, "sender_name": "Sở Xây dựng tỉnh Kon Tum"})
    assert other.arrival_number == 3


def test_a_paper_scan_that_is_not_an_image_or_pdf_is_refused(kontum_staff):
    with pytest.raises(ValidationError, match="bản quét"):
        services.incoming_from_paper(membership=kontum_staff["clerk"], sender_name="X", summary="Y",
                                     scans=[pdf_upload("virus.exe", data=b"MZ\x90\x00 executable")])
    assert not Incoming.objects.exists()


def test_tampered_and_untrusted_signatures_are_flagged(kontum_staff, agency, certified):
    from pki.demo import new_ca
    from pki.signing import StampInfo, sign_pdf

    stamp = StampInfo(agency_name="Bộ Nội vụ", number_notation="09/BNV-VP", signed_at=timezone.now())
    signed = sign_pdf(pdf_upload().read(), certificate=agency.certificates.get(is_active=True), stamp=stamp)
    tampered = bytearray(signed)
    # A byte of what the signature covers: the middle of the bytes before its /Contents (a byte inside /Contents
    # may be the zero padding after the signature, which no verifier reads).
    first_range_end = int(re.search(rb"/ByteRange\s*\[\s*\d+\s+(\d+)", signed).group(1))
    tampered[first_range_end // 2] ^= 0x01
    rogue_agency = factories.make_agency("Cơ quan giả mạo", code="000.00.66.Z66")
    rogue = issue_certificate(rogue_agency, ca=new_ca("CA không tin cậy"))
    untrusted = sign_pdf(pdf_upload().read(), certificate=rogue, stamp=stamp)
    clerk = kontum_staff["clerk"]
    statuses = []
    for name, data in (("that.pdf", signed), ("sua.pdf", bytes(tampered)), ("gia.pdf", untrusted)):
        incoming = services.incoming_from_paper(membership=clerk, scans=[pdf_upload(name, data=data)],
                                                sender_name="Bộ Nội vụ", summary=name, notation=name)
        statuses.append(incoming.files.get().signature_status)
    assert statuses == [SignatureStatus.VALID, SignatureStatus.INVALID, SignatureStatus.UNTRUSTED]


def test_a_specialist_sees_only_what_was_routed_to_them_or_their_unit(client_for, arrived, kontum_staff):
    s = kontum_staff
    incoming = services.incoming_register(membership=s["clerk"], incoming=arrived)
    url = f"/incoming/{incoming.pk}/"
    assert client_for(s["lead"]).get(url).status_code == 404
    services.incoming_route(membership=s["leader"], incoming=incoming, lead_unit=s["culture"])
    assert client_for(s["lead"]).get(url).status_code == 200
    assert client_for(s["bystander"]).get(url).status_code == 404
    assert "01/BNV-VP" not in client_for(s["bystander"]).get("/incoming/").content.decode()
    assert "01/BNV-VP" in client_for(s["lead"]).get("/incoming/").content.decode()


def test_another_agency_sees_nothing_of_it(client_for, arrived, agency, clerk, leader):
    for member in (clerk, leader):
        client = client_for(member)
        assert client.get(f"/incoming/{arrived.pk}/").status_code == 404
        assert client.get(f"/incoming/{arrived.pk}/files/{arrived.files.get().pk}/").status_code == 404


def test_reply_is_a_draft_addressed_to_the_sender_and_linked_both_ways(client_for, arrived, kontum_staff, agency):
    s = kontum_staff
    incoming = services.incoming_register(membership=s["clerk"], incoming=arrived)
    services.incoming_route(membership=s["leader"], incoming=incoming, lead_member=s["lead"])
    client = client_for(s["lead"])
    page = client.get(f"/outgoing/new/?reply_to={incoming.pk}").content.decode()
    assert "V/v trả lời văn bản số 01/BNV-VP của Bộ Nội vụ" in page
    response = client.post("/outgoing/new/", {
        "reply_to": incoming.pk, "doc_type": "CV", "summary": "V/v trả lời Công văn 01/BNV-VP",
        "drafting_unit": s["culture"].pk, "signer": s["leader"].pk, "archive_copies": 2, "main_file": pdf_upload(),
    })
    reply = Outgoing.objects.get(agency=incoming.agency)
    assert response.status_code == 302 and reply.in_reply_to == incoming
    assert reply.recipients.get().agency == agency and reply.recipients.get().role == "kinh_gui"
    assert f"/outgoing/{reply.pk}/" in client.get(f"/incoming/{incoming.pk}/").content.decode()
    assert f"/incoming/{incoming.pk}/" in client.get(f"/outgoing/{reply.pk}/").content.decode()
    assert client_for(s["bystander"]).get(f"/outgoing/new/?reply_to={incoming.pk}").status_code == 404


def test_the_desk_shows_mine_overdue_due_this_week_and_what_waits_to_be_registered(client_for, arrived,
                                                                                   kontum_staff):
    s = kontum_staff
    page = client_for(s["clerk"]).get("/dashboard/").content.decode()
    assert "Chờ vào sổ" in page and "01/BNV-VP" in page
    incoming = services.incoming_register(membership=s["clerk"], incoming=arrived)
    services.incoming_route(membership=s["leader"], incoming=incoming, lead_member=s["lead"],
                            due_date=timezone.localdate() - datetime.timedelta(days=1))
    response = client_for(s["lead"]).get("/dashboard/")
    work = response.context["work"]
    assert list(work["todo"]) == [incoming] and list(work["overdue"]) == [incoming]
    assert list(work["due_week"]) == []


def test_the_daily_email_reaches_the_overdue_handlers_and_the_leader_who_routed(arrived, kontum_staff):
    s = kontum_staff
    incoming = services.incoming_register(membership=s["clerk"], incoming=arrived)
    services.incoming_route(membership=s["leader"], incoming=incoming, lead_unit=s["culture"],
                            cooperate_members=[s["helper"]], due_date=timezone.localdate() - datetime.timedelta(days=2))
    assert overdue_digest_send() == 3
    by_address = {m.to[0]: m for m in mail.outbox}
    assert set(by_address) == {s["lead"].official_email, s["helper"].official_email, s["leader"].user.email}
    assert "01/BNV-VP" in by_address[s["lead"].official_email].body
    assert "đã phân công" in by_address[s["leader"].user.email].body
    mail.outbox.clear()
    services.incoming_complete(membership=s["lead"], incoming=incoming, result="Xong")
    assert overdue_digest_send() == 0


def test_the_incoming_register_lists_registered_documents_and_exports(client_for, arrived, kontum_staff):
    clerk = kontum_staff["clerk"]
    services.incoming_register(membership=clerk, incoming=arrived)
    services.incoming_from_paper(membership=clerk, scans=[pdf_upload()], sender_name="Sở Nội vụ",
                                 notation="12/SNV-TCBC", summary="V/v tuyển dụng viên chức")
    client = client_for(clerk)
    page = client.get("/registers/incoming/").content.decode()
    assert "12/SNV-TCBC" in page and "01/BNV-VP" in page
    sheet = load_workbook(io.BytesIO(client.get("/registers/incoming/?export=xlsx").getvalue())).active
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    header = next(r for r in rows if r[0] == "Ngày đến")
    assert header[1] == "Số đến" and header[2] == "Tác giả"
    assert [r[1] for r in rows[rows.index(header) + 1:]] == [1, 2]
    assert client.get("/registers/incoming/?export=pdf").getvalue().startswith(b"%PDF")
    assert client_for(kontum_staff["lead"]).get("/registers/incoming/").status_code == 403


@pytest.fixture
def inbound(kontum, agency):
    """A message read from Kon Tum's mailbox with one accepted PDF and one quarantined file."""
    from django.core.files.base import ContentFile

    from intake.models import InboundAttachment, InboundMessage, Mailbox

    mailbox = Mailbox(agency=kontum, host="127.0.0.1", port=143, security=Mailbox.Security.NONE, username="vt")
    mailbox.set_password("x")
    mailbox.save()
    message = InboundMessage(
        agency=kontum, mailbox=mailbox, uidvalidity=1, uid=7, raw_sha256="a" * 64, sender_name="Văn phòng Bộ",
        sender_email="vanphong@moha.gov.vn", sender_is_official=True, subject="Công văn số 118/BNV-VP về việc báo cáo",
        body_text="Kính gửi UBND tỉnh Kon Tum", hint_number_notation="118/BNV-VP", hint_issuing_agency=agency,
        hint_document_type="Công văn", hint_document_date=datetime.date(2026, 11, 18),
    )
    message.raw.save("m.eml", ContentFile(b"From: x\r\n\r\nbody"), save=False)
    message.save()
    for name, verdict, data in (("118-BNV-VP.pdf", "accepted", pdf_upload().read()),
                                ("setup.exe", "refused", b"MZ")):
        attachment = InboundAttachment(message=message, filename=name, size=len(data), sha256="b" * 64,
                                       verdict=verdict, refusal_reason="" if verdict == "accepted" else "Tệp chạy")
        attachment.file.save(name, ContentFile(data), save=False)
        attachment.save()
    return message


def test_a_mailbox_message_is_registered_with_its_hints_and_accepted_files_only(client_for, inbound, kontum_staff,
                                                                               agency):
    from intake.models import InboundMessage

    client = client_for(kontum_staff["clerk"])
    form = client.get(f"/incoming/mailbox/{inbound.pk}/register/").content.decode()
    assert 'value="118/BNV-VP"' in form and "18/11/2026" in form
    response = client.post(f"/incoming/mailbox/{inbound.pk}/register/", {
        "sender_agency": agency.pk, "sender_name": "Bộ Nội vụ", "notation": "118/BNV-VP", "doc_date": "18/11/2026",
        "doc_type": "CV", "summary": "V/v báo cáo công tác văn thư", "secrecy": "", "urgency": "",
    })
    incoming = Incoming.objects.get(source="email")
    assert response.status_code == 302 and response.url == f"/incoming/{incoming.pk}/"
    assert incoming.arrival_number == 1 and incoming.inbound == inbound
    assert [f.name for f in incoming.files.all()] == ["118-BNV-VP.pdf"]
    inbound.refresh_from_db()
    assert inbound.status == InboundMessage.Status.REGISTERED
    assert client.post(f"/incoming/mailbox/{inbound.pk}/register/", {
        "sender_name": "Bộ Nội vụ", "summary": "lần hai", "doc_type": "CV"}).status_code == 200
    assert Incoming.objects.count() == 1


def test_replying_to_a_mailbox_document_addresses_the_sender(client_for, inbound, kontum_staff):
    clerk = kontum_staff["clerk"]
    incoming = services.incoming_from_email(membership=clerk, inbound=inbound, sender_name="Văn phòng Bộ",
                                            summary="V/v báo cáo")
    draft = outgoing_services.outgoing_create(
        membership=clerk, main_file=pdf_upload(), in_reply_to=incoming, doc_type="CV", summary="Trả lời",
        drafting_unit=kontum_staff["office"], signer=kontum_staff["leader"])
    kinh_gui = draft.recipients.get()
    assert (kinh_gui.kind, kinh_gui.email, kinh_gui.role) == ("email", "vanphong@moha.gov.vn", "kinh_gui")
