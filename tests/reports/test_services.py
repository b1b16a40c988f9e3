"""Incidents opened and resolved where things happen: deliveries, mailbox reads, signatures, due dates."""

import datetime

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from documents import incidents as document_incidents
from documents import mail_delivery
from documents.models import Delivery, Incoming, IncomingFile
from documents.services import incoming as incoming_services
from documents.services import outgoing as outgoing_services
from documents.services.delivery import delivery_resend
from incidents import services
from incidents.models import Incident
from intake import services as intake_services
from intake.models import Mailbox
from reports.tasks import incidents_overdue_sync
from tests import factories
from tests.documents.conftest import approved, pdf_upload, to_email
from tests.intake.conftest import make_mailbox
from tests.intake.mail import build
from tests.reports import data

pytestmark = pytest.mark.django_db
K = Incident.Kind


def incidents_of(subject, kind):
    return Incident.objects.filter(kind=kind, subject_type=ContentType.objects.get_for_model(subject),
                                   subject_id=subject.pk)


@pytest.fixture
def issue(certified, specialist, leader, clerk):
    def make(*recipients):
        return outgoing_services.outgoing_issue(membership=clerk, outgoing=approved(specialist, leader, *recipients))
    return make


def email_ids(outgoing):
    return list(outgoing.deliveries.filter(channel="email").values_list("pk", flat=True))


def test_a_refused_address_opens_an_incident_that_a_successful_resend_resolves(issue, smtp_sink, clerk, agency):
    outgoing = issue(to_email("nobody@reject.example", "Sở cũ"), to_email("ok@congty.vn"))
    mail_delivery.send_emails(email_ids(outgoing))
    failed = outgoing.deliveries.get(email="nobody@reject.example")
    incident = incidents_of(failed, K.DELIVERY_FAILED).get()
    assert incident.agency == agency and incident.is_open and incident.cause.startswith("550")
    assert incident.occurred_at <= timezone.now()
    assert not incidents_of(outgoing.deliveries.get(email="ok@congty.vn"), K.DELIVERY_FAILED).exists()

    delivery_resend(membership=clerk, delivery=failed, email="vanthu@moi.gov.vn")
    mail_delivery.send_emails([failed.pk])
    incident.refresh_from_db()
    assert not incident.is_open and incident.resolution == "Gửi lại thành công."
    assert incident.resolved_at >= incident.occurred_at


def test_retries_exhausted_open_one_incident(issue, smtp_sink, settings):
    settings.DELIVERY_MAX_ATTEMPTS = 1
    outgoing = issue(to_email("busy@tempfail.example"))  # a relay that is down defers instead (mail_delivery)
    mail_delivery.send_emails(email_ids(outgoing))
    row = outgoing.deliveries.get()
    assert row.status == Delivery.Status.FAILED
    incident = incidents_of(row, K.DELIVERY_FAILED).get()
    assert "451" in incident.cause
    document_incidents.incident_delivery_failed(row.pk, "again")  # a hook that runs twice opens nothing twice
    assert incidents_of(row, K.DELIVERY_FAILED).count() == 1


def test_a_mailbox_error_opens_one_incident_until_a_good_read_resolves_it(agency, imap_account, admin_member):
    mailbox = make_mailbox(agency, imap_account, password="mật khẩu sai")
    imap_account.append(build())
    assert intake_services.mailbox_poll(mailbox.pk).status == "error"
    first_error = Mailbox.objects.get(pk=mailbox.pk).last_error_at
    assert intake_services.mailbox_poll(mailbox.pk).status == "error"
    incident = incidents_of(mailbox, K.MAILBOX_ERROR).get()  # one, though it failed twice
    assert incident.cause.startswith("Sai tên đăng nhập hoặc mật khẩu hộp thư")
    assert incident.occurred_at == first_error and incident.agency == agency and incident.is_open

    intake_services.mailbox_save(admin=admin_member, host=mailbox.host, port=mailbox.port, security=mailbox.security,
                                 username=mailbox.username, folder=mailbox.folder, enabled=True,
                                 password=imap_account.password)
    assert intake_services.mailbox_poll(mailbox.pk).status == "ok"
    incident.refresh_from_db()
    assert (incident.is_open, incident.resolution) == (False, "Đọc lại được hộp thư.")


def test_an_untrusted_signature_opens_an_incident_and_a_valid_one_does_not(agency, certified, clerk):
    from pki.demo import issue_certificate, new_ca
    from pki.signing import StampInfo, sign_pdf

    stamp = StampInfo(agency_name="Bộ Nội vụ", number_notation="09/BNV-VP", signed_at=timezone.now())
    good = sign_pdf(pdf_upload().read(), certificate=agency.certificates.get(is_active=True), stamp=stamp)
    rogue = issue_certificate(factories.make_agency("Cơ quan giả mạo", code="000.00.66.Z66"),
                              ca=new_ca("CA không tin cậy"))
    bad = sign_pdf(pdf_upload().read(), certificate=rogue, stamp=stamp)
    for name, pdf in (("that.pdf", good), ("gia.pdf", bad)):
        incoming_services.incoming_from_paper(membership=clerk, scans=[pdf_upload(name, data=pdf)],
                                              sender_name="Bộ Nội vụ", summary=name, notation=name)
    untrusted = IncomingFile.objects.get(name="gia.pdf")
    incident = incidents_of(untrusted, K.SIGNATURE).get()
    assert incident.agency == agency and incident.is_open
    assert incident.cause.startswith("gia.pdf: Chữ ký không thuộc tổ chức chứng thực tin cậy")
    assert not incidents_of(IncomingFile.objects.get(name="that.pdf"), K.SIGNATURE).exists()


def test_the_daily_task_opens_overdue_incidents_and_resolves_them_when_done(agency, unit):
    today = timezone.localdate()
    late = data.arrived(agency, timezone.now() - datetime.timedelta(days=20), status="04",
                        registered=timezone.now() - datetime.timedelta(days=20),
                        due=today - datetime.timedelta(days=3), lead_unit=unit)
    moved = data.arrived(agency, timezone.now() - datetime.timedelta(days=20), status="05",
                         due=today - datetime.timedelta(days=1), lead_unit=unit)
    on_time = data.arrived(agency, timezone.now(), status="04", due=today, lead_unit=unit)

    assert incidents_overdue_sync.delay().get() == {"opened": 2, "resolved": 0}
    assert incidents_overdue_sync.delay().get() == {"opened": 0, "resolved": 0}
    incident = incidents_of(late, K.OVERDUE).get()
    due_passed = datetime.datetime.combine(today - datetime.timedelta(days=2), datetime.time.min,
                                           tzinfo=timezone.get_default_timezone())
    assert incident.occurred_at == due_passed and incident.agency == agency
    assert incident.cause == f"Quá hạn xử lý: hạn {late.due_date:%d/%m/%Y}."
    assert not incidents_of(on_time, K.OVERDUE).exists()

    done_at = timezone.now() - datetime.timedelta(hours=5)
    Incoming.objects.filter(pk=late.pk).update(status=Incoming.Status.DONE, completed_at=done_at)
    Incoming.objects.filter(pk=moved.pk).update(due_date=today + datetime.timedelta(days=5))
    assert incidents_overdue_sync.delay().get() == {"opened": 0, "resolved": 2}
    incident.refresh_from_db()
    assert (incident.resolved_at, incident.resolution) == (done_at, "Đã hoàn thành xử lý.")
    assert incidents_of(moved, K.OVERDUE).get().resolution == "Hạn xử lý đã được điều chỉnh."


def test_a_clerk_resolves_an_incident_with_a_note_and_others_may_not(agency, clerk, leader, specialist):
    mailbox = Mailbox(agency=agency, host="imap.moha.gov.vn", username="vanthu")
    mailbox.set_password("x")
    mailbox.save()
    mailbox.last_error_at = timezone.now()
    incident = services.incident_mailbox_checked(mailbox, "Không kết nối được máy chủ thư")
    for member in (leader, specialist, factories.make_member(factories.make_agency(), "clerk")):
        with pytest.raises(PermissionDenied):
            services.incident_resolve(membership=member, incident=incident, resolution="Đã sửa")
    with pytest.raises(ValidationError):
        services.incident_resolve(membership=clerk, incident=incident, resolution="  ")
    services.incident_resolve(membership=clerk, incident=incident, resolution="Đã đổi mật khẩu hộp thư")
    incident.refresh_from_db()
    assert (incident.resolution, incident.resolved_by) == ("Đã đổi mật khẩu hộp thư", clerk.user)
    with pytest.raises(ValidationError):
        services.incident_resolve(membership=clerk, incident=incident, resolution="lần nữa")
    # Resolved, the next error of the same mailbox is a new incident.
    assert services.incident_mailbox_checked(mailbox, "Lỗi mới").pk != incident.pk
