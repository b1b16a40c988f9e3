"""Bounces matched to deliveries: real delivery reports (bounce_samples/: postfix.eml as Postfix 3.7 wrote it,
an Exchange Online NDR, a Gmail-style plain bounce, an Exchange out-of-office, a Postfix delay warning) are
recognised by intake.automatic and matched by documents.bounces to the delivery they are about."""

from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.utils import timezone

from documents import bounces, mail_delivery
from documents.delivery_lifecycle import resend_offer
from documents.models import Delivery, MailReport
from documents.services import outgoing as services
from documents.services.delivery import delivery_resend
from incidents.models import Incident
from intake.automatic import AUTO_REPLY, BOUNCE, DELAYED, DELIVERED, classify
from intake.parsing import parse_message
from tests.documents.conftest import approved, to_email

SAMPLES = Path(__file__).parent / "bounce_samples"
SAMPLE_VERP = b"bounce+d16.0123456789abcdef@moha.gov.vn"
SAMPLE_MESSAGE_ID = b"<doc7.d42.0123456789ab@moha.gov.vn>"
S = Delivery.Status


def sample(name, delivery=None):
    raw = (SAMPLES / f"{name}.eml").read_bytes()
    if delivery is not None:
        raw = raw.replace(SAMPLE_VERP, bounces.envelope_sender(delivery).encode())
        raw = raw.replace(SAMPLE_MESSAGE_ID, delivery.message_id.encode())
    return raw


def classified(raw):
    parsed = parse_message(raw)
    return classify(raw, subject=parsed.subject, has_files=any(not a.is_inline for a in parsed.attachments))


# --- Recognising (no database) ----------------------------------------------------------------------

@pytest.mark.parametrize("name, kind, status, recipient, diagnostic", [
    ("postfix", BOUNCE, "5.1.1", "khongton@congty.vn", "550 5.1.1 <khongton@congty.vn>: Recipient address rejected"),
    ("exchange", BOUNCE, "5.1.10", "sai.dia.chi@sovhtt.gov.vn", "550 5.1.10 RESOLVER.ADR.RecipientNotFound"),
    ("gmail_plain", BOUNCE, "5.1.1", "nguoinhan.sai@gmail.com", "550-5.1.1 The email account"),
    ("delayed", DELAYED, "4.4.1", "vanthu@cham.vn", "connect to mx.cham.vn"),
    ("out_of_office", AUTO_REPLY, "", "", ""),
])
def test_real_reports_are_recognised_with_their_status_and_the_original_message_id(
        name, kind, status, recipient, diagnostic):
    report = classified(sample(name))
    assert (report.kind, report.status, report.recipient) == (kind, status, recipient)
    assert report.diagnostic.startswith(diagnostic)
    if kind != AUTO_REPLY:
        assert report.original_message_id == SAMPLE_MESSAGE_ID.decode()


PERSON = ("From: Nguyễn Văn B <vanthu@sovhtt.gov.vn>\r\nTo: vanphong@moha.gov.vn\r\nSubject: {subject}\r\n"
          "Message-ID: <x1@sovhtt.gov.vn>\r\n{extra}MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
          "\r\nKính gửi Văn phòng Bộ. Mã lỗi 5.1.1 chỉ là chữ trong thư.\r\n")


def person(subject="Góp ý dự thảo", extra=""):
    return PERSON.format(subject=subject, extra=extra).encode()


@pytest.mark.parametrize("extra, subject", [
    ("Auto-Submitted: auto-replied\r\n", "Re: Văn bản 01/BNV-VP"),
    ("X-Autoreply: yes\r\n", "Re: Văn bản 01/BNV-VP"),
    ("Precedence: auto_reply\r\n", "Re: Văn bản 01/BNV-VP"),
    ("Precedence: bulk\r\n", "Bản tin tuần"),
    ("", "Out of Office: Văn bản 01/BNV-VP"),
    ("", "Automatic reply: Văn bản 01/BNV-VP"),
    ("", "Trả lời tự động: Văn bản 01/BNV-VP"),
])
def test_auto_replies_are_recognised_and_are_not_bounces(extra, subject):
    report = classified(person(subject, extra))
    assert report.kind == AUTO_REPLY and not report.is_bounce


def test_mail_a_person_wrote_is_not_automatic_even_from_a_document_system():
    assert classified(person()) is None
    assert classified(person(extra="Auto-Submitted: auto-generated\r\n")) is None  # e.g. another portal's mail
    # Precedence: bulk alone does not swallow a message that carries a file.
    raw = (b"From: <vanthu@sovhtt.gov.vn>\r\nSubject: Cong van 12\r\nPrecedence: bulk\r\nMIME-Version: 1.0\r\n"
           b"Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nx\r\n--b\r\n"
           b"Content-Type: application/pdf\r\nContent-Disposition: attachment; filename=cv.pdf\r\n\r\n%PDF-1.7\r\n"
           b"--b--\r\n")
    assert classified(raw) is None


def report(report_type, action="relayed", status="2.0.0"):
    return (f"From: MAILER-DAEMON@relay.sovhtt.gov.vn\r\nTo: <bounce+d1.0123456789abcdef@moha.gov.vn>\r\n"
            f"Subject: Successful Mail Delivery Report\r\nMIME-Version: 1.0\r\n"
            f"Content-Type: multipart/report; report-type={report_type}; boundary=r\r\n\r\n"
            f"--r\r\nContent-Type: text/plain\r\n\r\nYour message was {action}.\r\n"
            f"--r\r\nContent-Type: message/{report_type}\r\n\r\nReporting-MTA: dns; relay\r\n\r\n"
            f"Final-Recipient: rfc822; a@sovhtt.gov.vn\r\nAction: {action}\r\nStatus: {status}\r\n--r--\r\n").encode()


def test_relayed_and_delivered_reports_are_nothing_to_act_on_and_a_read_receipt_is_an_auto_reply():
    assert classified(report("delivery-status", "relayed")).kind == DELIVERED
    assert classified(report("delivery-status", "delivered")).kind == DELIVERED
    assert classified(report("disposition-notification", "failed", "5.0.0")).kind == AUTO_REPLY


# --- VERP ---------------------------------------------------------------------------------------------

def test_the_verp_address_names_its_delivery_and_cannot_be_forged(settings):
    row = SimpleNamespace(pk=1234567, outgoing=SimpleNamespace(agency=SimpleNamespace(
        official_email="vanphong@moha.gov.vn")))
    address = bounces.envelope_sender(row)
    local, _at, domain = address.partition("@")
    assert domain == "moha.gov.vn" and local.startswith("bounce+d")
    assert bounces.delivery_id_from_address(address) == 1234567
    assert bounces.delivery_id_from_address(address.upper()) == 1234567  # some servers change the case
    forged_id = address.replace(local.split(".")[0], "bounce+d" + "1" * 4)
    assert bounces.delivery_id_from_address(forged_id) is None
    tag = local.split(".")[1]
    assert bounces.delivery_id_from_address(address.replace(tag, "0" * 16)) is None
    assert bounces.delivery_id_from_address("vanphong@moha.gov.vn") is None
    settings.DELIVERY_VERP_LOCAL_PART = ""  # plus-addressing on the official mailbox itself
    own = bounces.envelope_sender(row)
    assert own.startswith("vanphong+d") and own.endswith("@moha.gov.vn")
    assert bounces.delivery_id_from_address(f"Văn phòng <{own}>") == 1234567


# --- Matching (database) ------------------------------------------------------------------------------

@pytest.fixture
def sent(agency, certified, specialist, leader, clerk):
    """Two e-mail deliveries of one issued document, sent (to Django's locmem outbox)."""
    outgoing = services.outgoing_issue(membership=clerk, outgoing=approved(
        specialist, leader, to_email("vanthu@sovhtt.gov.vn", "Sở VHTT"), to_email("a@congty.vn", "Công ty A")))
    rows = list(outgoing.deliveries.filter(channel="email").order_by("pk"))
    mail_delivery.send_emails([row.pk for row in rows])
    for row in rows:
        row.refresh_from_db()
        assert row.status == S.SENT and row.message_id
    return rows


def received(agency, raw, when=None):
    bounces.mail_report_received(mailbox=SimpleNamespace(agency_id=agency.pk), report=classified(raw),
                                 received_at=when or timezone.now())


def status(row):
    row.refresh_from_db()
    return row.status


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["postfix", "exchange"])
def test_a_bounce_to_the_verp_address_marks_that_delivery_bounced_with_an_incident(agency, sent, name):
    bounced, other = sent
    received(agency, sample(name, bounced).replace(SAMPLE_MESSAGE_ID, b"<unrelated@x>"))  # by VERP alone
    assert (status(bounced), status(other)) == (S.BOUNCED, S.SENT)
    assert bounced.response.startswith("550 5.1.1")
    assert bounced.response_summary == "Máy chủ từ chối: địa chỉ không tồn tại"
    assert bounced.note.startswith("Nơi nhận trả lại thư lúc ") and "(mã 5.1.1" in bounced.note
    incident = Incident.objects.get(kind=Incident.Kind.DELIVERY_FAILED, subject_id=bounced.pk)
    assert incident.resolved_at is None and "bị trả lại" in incident.cause
    assert MailReport.objects.get().delivery == bounced


@pytest.mark.django_db
def test_a_plain_bounce_to_the_official_address_is_matched_by_the_returned_message_id(agency, sent):
    bounced, other = sent
    received(agency, sample("gmail_plain", bounced))
    assert (status(bounced), status(other)) == (S.BOUNCED, S.SENT)
    assert bounced.response.startswith("550-5.1.1")


@pytest.mark.django_db
def test_a_delay_and_an_out_of_office_change_nothing_but_are_recorded(agency, sent):
    row, _other = sent
    received(agency, sample("delayed", row))
    received(agency, sample("out_of_office", row))
    assert status(row) == S.SENT
    assert sorted(MailReport.objects.values_list("kind", "delivery")) == [("auto_reply", None), ("delayed", row.pk)]
    assert not Incident.objects.filter(kind=Incident.Kind.DELIVERY_FAILED).exists()


@pytest.mark.django_db
def test_a_bounce_is_not_matched_in_another_agencys_mailbox_nor_with_a_forged_or_stale_token(
        agency, other_agency, sent):
    row, _other = sent
    received(other_agency, sample("postfix", row))
    forged = sample("postfix", row).replace(bounces.envelope_sender(row).split(".")[1].split("@")[0].encode(),
                                            b"0123456789abcdef")
    received(agency, forged.replace(row.message_id.encode(), b"<unrelated@x>"))
    received(agency, sample("postfix", row), when=row.sent_at - timedelta(minutes=10))  # an earlier address's
    assert status(row) == S.SENT
    assert MailReport.objects.filter(delivery__isnull=True).count() == 2


@pytest.mark.django_db
def test_the_clerk_corrects_a_bounced_address_and_resends_and_the_incident_resolves(
        agency, clerk, sent, django_capture_on_commit_callbacks):
    row, _other = sent
    received(agency, sample("postfix", row))
    assert status(row) == S.BOUNCED and resend_offer(row) == "resend"
    with django_capture_on_commit_callbacks(execute=True):
        delivery_resend(membership=clerk, delivery=row, email="vanthu.dung@sovhtt.gov.vn")
    assert status(row) == S.SENT and row.email == "vanthu.dung@sovhtt.gov.vn"
    assert Incident.objects.get(kind=Incident.Kind.DELIVERY_FAILED, subject_id=row.pk).resolved_at is not None


@pytest.mark.django_db
def test_the_clerk_sees_the_bounce_in_vietnamese_on_the_delivery_list_and_resends_from_there(
        client_for, agency, clerk, leader, sent, django_capture_on_commit_callbacks):
    row, other = sent
    received(agency, sample("postfix", row))
    client = client_for(clerk)
    page = client.get(f"/outgoing/{row.outgoing_id}/").content.decode()
    assert f'data-delivery="{row.pk}" data-status="bounced"' in page
    assert "Bị trả lại" in page and 'data-testid="bounced-explanation"' in page
    assert "Máy chủ từ chối: địa chỉ không tồn tại" in page and "Sửa và gửi lại" in page
    assert f'data-delivery="{other.pk}" data-status="sent"' in page
    # The leader sees it, but only the clerk resends.
    assert client_for(leader).post(f"/outgoing/{row.outgoing_id}/deliveries/{row.pk}/resend/",
                                   {"email": "vanthu.dung@sovhtt.gov.vn"}).status_code == 403
    assert status(row) == S.BOUNCED
    client = client_for(clerk)  # one test client: logged in as the clerk again
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/outgoing/{row.outgoing_id}/deliveries/{row.pk}/resend/",
                               {"email": "vanthu.dung@sovhtt.gov.vn"}, follow=True)
    assert "Đang gửi lại tới vanthu.dung@sovhtt.gov.vn." in response.content.decode()
    assert status(row) == S.SENT and row.email == "vanthu.dung@sovhtt.gov.vn"
    assert "vanthu@sovhtt.gov.vn" in row.note  # "Địa chỉ đã sửa từ …"
