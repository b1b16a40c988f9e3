"""E-mail delivery against a real SMTP server (aiosmtpd) running in its own process."""

import email
from email import policy

import pytest
from django.utils import timezone

from documents import mail_delivery as delivery
from documents.models import Delivery
from documents.services import outgoing as services
from documents.services.delivery import deliveries_recover, delivery_resend
from tests.documents.conftest import approved, to_email

pytestmark = pytest.mark.django_db
S = Delivery.Status


@pytest.fixture
def issued(agency, certified, specialist, leader, clerk):
    def make(*recipients, **kwargs):
        outgoing = approved(specialist, leader, *recipients, **kwargs)
        return services.outgoing_issue(membership=clerk, outgoing=outgoing)
    return make


def email_ids(outgoing):
    return list(outgoing.deliveries.filter(channel="email").values_list("pk", flat=True))


def test_each_recipient_gets_the_signed_pdf_from_the_agency_address_with_a_vietnamese_body(issued, smtp_sink):
    outgoing = issued(to_email("vanthu@congty.vn", "Công ty Cổ phần Đông Á"), to_email("hoso@example.com", "Ông A"))
    assert delivery.send_emails(email_ids(outgoing)) == []
    messages = smtp_sink.messages()
    assert sorted(m["to"][0] for m in messages) == ["hoso@example.com", "vanthu@congty.vn"]
    parsed = email.message_from_bytes(open(messages[0]["path"], "rb").read(), policy=policy.default)
    assert parsed["From"].addresses[0].addr_spec == "vanphong@moha.gov.vn"
    assert parsed["From"].addresses[0].display_name == "Bộ Nội vụ"
    assert "01/BNV-VP" in parsed["Subject"]
    body = parsed.get_body(("plain",)).get_content()
    assert "Số, ký hiệu: 01/BNV-VP" in body
    assert f"Ngày ban hành: {timezone.localdate():%d/%m/%Y}" in body
    assert "Trích yếu: V/v triển khai Chỉ thị 34" in body and "Người ký: Bộ trưởng" in body
    assert f"/v/{outgoing.verify_code}" in body
    attachments = list(parsed.iter_attachments())
    assert [a.get_filename() for a in attachments] == ["van-ban.pdf"]
    assert attachments[0].get_content() == outgoing.files.get(kind="main").signed.open("rb").read()
    for d in outgoing.deliveries.all():
        assert d.status == S.SENT and d.attempts == 1 and d.response.startswith("250")


def test_running_the_send_twice_sends_nothing_twice(issued, smtp_sink):
    outgoing = issued(to_email("a@congty.vn"), to_email("b@congty.vn"))
    ids = email_ids(outgoing)
    delivery.send_emails(ids)
    delivery.send_emails(ids)
    assert smtp_sink.received_by() == {"a@congty.vn": 1, "b@congty.vn": 1}


def test_a_refused_address_fails_visibly_and_can_be_corrected_and_resent(issued, smtp_sink, clerk):
    outgoing = issued(to_email("nobody@reject.example", "Sở cũ"), to_email("ok@congty.vn"))
    delivery.send_emails(email_ids(outgoing))
    failed = outgoing.deliveries.get(email="nobody@reject.example")
    assert failed.status == S.FAILED and failed.response.startswith("550")
    assert outgoing.deliveries.get(email="ok@congty.vn").status == S.SENT
    delivery_resend(membership=clerk, delivery=failed, email="vanthu@moi.gov.vn")
    delivery.send_emails([failed.pk])
    failed.refresh_from_db()
    assert failed.status == S.SENT and failed.email == "vanthu@moi.gov.vn" and "nobody@reject.example" in failed.note
    assert smtp_sink.received_by() == {"ok@congty.vn": 1, "vanthu@moi.gov.vn": 1}


def test_a_server_that_is_down_defers_without_spending_attempts_then_it_goes_out(issued, smtp_sink, settings):
    outgoing = issued(to_email("a@congty.vn"))
    ids = email_ids(outgoing)
    smtp_sink.stop()
    assert delivery.send_emails(ids) == []
    row = Delivery.objects.get(pk=ids[0])
    assert row.status == S.DEFERRED and row.attempts == 0 and "Không kết nối" in row.response
    assert row.next_attempt_at >= timezone.now() + timezone.timedelta(seconds=settings.DELIVERY_RETRY_BASE_SECONDS - 5)
    assert delivery.backoff_seconds(3) == 4 * settings.DELIVERY_RETRY_BASE_SECONDS
    # Not due yet: the relay is not asked again, nothing is attempted.
    smtp_sink.start()
    assert deliveries_recover() == []
    assert Delivery.objects.get(pk=ids[0]).status == S.DEFERRED
    Delivery.objects.filter(pk=ids[0]).update(next_attempt_at=timezone.now())
    assert deliveries_recover() == ids
    delivery.send_emails(ids)
    row.refresh_from_db()
    assert row.status == S.SENT and row.attempts == 1
    assert smtp_sink.received_by() == {"a@congty.vn": 1}


def test_a_temporary_refusal_is_retried_until_the_limit_then_shown_as_failed(issued, smtp_sink, settings):
    settings.DELIVERY_MAX_ATTEMPTS = 2
    outgoing = issued(to_email("busy@tempfail.example"))
    ids = email_ids(outgoing)
    delivery.send_emails(ids)
    assert Delivery.objects.get(pk=ids[0]).status == S.RETRY
    Delivery.objects.filter(pk=ids[0]).update(next_attempt_at=timezone.now())
    delivery.send_emails(ids)
    row = Delivery.objects.get(pk=ids[0])
    assert row.status == S.FAILED and row.attempts == 2 and row.response.startswith("451")


def test_a_worker_that_died_while_sending_is_recovered_and_one_that_died_confirming_is_flagged(issued, settings):
    outgoing = issued(to_email("a@congty.vn"), to_email("b@congty.vn"))
    a, b = outgoing.deliveries.order_by("email")
    expired = timezone.now() - timezone.timedelta(seconds=1)
    Delivery.objects.filter(pk=a.pk).update(status=S.SENDING, lease_until=expired)
    Delivery.objects.filter(pk=b.pk).update(status=S.CONFIRMING, lease_until=expired)
    assert deliveries_recover() == [a.pk]
    assert Delivery.objects.get(pk=a.pk).status == S.PENDING
    b.refresh_from_db()
    assert b.status == S.UNCERTAIN and "Kiểm tra" in b.note
    from incidents.models import Incident

    incident = Incident.objects.get()
    assert (incident.subject, incident.resolved_at) == (b, None) and "Kiểm tra" in incident.cause



def test_without_an_smtp_server_each_message_is_written_as_an_eml_file(issued, settings, tmp_path):
    settings.EMAIL_BACKEND = "core.mail.EmlFileBackend"
    settings.EMAIL_FILE_PATH = tmp_path / "mail"
    outgoing = issued(to_email("vanthu@congty.vn", "Công ty Cổ phần Đông Á"))
    delivery.send_emails(email_ids(outgoing))
    [written] = (tmp_path / "mail").glob("*.eml")
    parsed = email.message_from_bytes(written.read_bytes(), policy=policy.default)
    assert parsed["To"].addresses[0].addr_spec == "vanthu@congty.vn" and "01/BNV-VP" in parsed["Subject"]
    assert [a.get_filename() for a in parsed.iter_attachments()] == ["van-ban.pdf"]
    assert outgoing.deliveries.get().status == S.SENT
