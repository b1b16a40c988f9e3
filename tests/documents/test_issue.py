import pytest
from django.core import mail

from documents.models import Delivery, Incoming, Outgoing, Recipient
from documents.services import outgoing as services
from pki.validation import validate_pdf
from tests import factories
from tests.documents.conftest import approved, pdf_upload, to_agency, to_email

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(agency, certified, specialist, leader, clerk, portal_agency, email_agency):
    return agency


def test_issue_numbers_signs_and_plans_one_delivery_per_destination(setup, specialist, leader, clerk,
                                                                   portal_agency, email_agency, other_agency,
                                                                   django_capture_on_commit_callbacks):
    group = factories.make_group("UBND các tỉnh, thành phố trực thuộc TW", portal_agency, email_agency, other_agency)
    outgoing = approved(
        specialist, leader,
        to_agency(portal_agency, role=Recipient.Role.KINH_GUI),
        {"kind": Recipient.Kind.GROUP, "group": group},  # repeats Kon Tum: delivered once
        to_email("contact@congty.vn"),
        attachments=[pdf_upload("phu-luc.pdf", pages=2)],
    )
    with django_capture_on_commit_callbacks(execute=True):
        outgoing = services.outgoing_issue(membership=clerk, outgoing=outgoing)
    assert outgoing.status == Outgoing.Status.ISSUED
    assert outgoing.number == 1 and outgoing.notation == "01/BNV-VP"
    deliveries = {(d.channel, d.name): d for d in outgoing.deliveries.all()}
    assert set(deliveries) == {
        ("portal", "Ủy ban nhân dân tỉnh Kon Tum"), ("portal", "Ủy ban nhân dân tỉnh Quảng Ngãi"),
        ("email", "Ủy ban nhân dân tỉnh Nghệ An"), ("email", "Công ty TNHH Thử nghiệm"),
    }
    assert all(d.status == Delivery.Status.SENT for d in deliveries.values())
    # Every file is signed; the main one validates against the agency's CA chain.
    main = outgoing.files.get(kind="main")
    report = validate_pdf(main.signed.read())
    assert report.signed and report.all_valid_and_trusted
    assert outgoing.files.get(kind="attachment").signed
    # The agency on the portal finds it in its incoming queue, with metadata and files.
    arrived = Incoming.objects.get(agency=portal_agency)
    assert (arrived.notation, arrived.status, arrived.sender_agency) == ("01/BNV-VP", "01", setup)
    assert arrived.files.count() == 2
    # The agency known only by its address and the external address got an e-mail each.
    assert sorted(m.to[0] for m in mail.outbox) == ["contact@congty.vn", "vanphong@nghean.gov.vn"]


def test_secret_documents_are_never_emailed_and_get_no_public_link(setup, specialist, leader, clerk, portal_agency,
                                                                  email_agency, django_capture_on_commit_callbacks):
    outgoing = approved(specialist, leader, to_agency(portal_agency), to_agency(email_agency),
                        to_email("contact@congty.vn"), secrecy="mat")
    with django_capture_on_commit_callbacks(execute=True):
        outgoing = services.outgoing_issue(membership=clerk, outgoing=outgoing)
    assert outgoing.register.kind == "outgoing_secret" and outgoing.number == 1
    assert outgoing.verify_code == ""
    assert mail.outbox == []
    channels = sorted(outgoing.deliveries.values_list("channel", "status"))
    assert channels == [("paper", "not_electronic"), ("paper", "not_electronic"), ("portal", "sent")]
    assert Incoming.objects.get(agency=portal_agency).secrecy == "mat"


def test_secret_documents_are_numbered_apart_from_the_others(setup, specialist, leader, clerk, portal_agency):
    normal = services.outgoing_issue(membership=clerk, outgoing=approved(specialist, leader, to_agency(portal_agency)))
    secret = services.outgoing_issue(
        membership=clerk, outgoing=approved(specialist, leader, to_agency(portal_agency), secrecy="toi_mat"))
    assert (normal.number, secret.number) == (1, 1)
    assert normal.register != secret.register


def test_an_expired_certificate_stops_the_issue_with_a_clear_message(agency, specialist, leader, clerk,
                                                                     portal_agency):
    from datetime import timedelta

    from django.core.exceptions import ValidationError
    from django.utils import timezone

    from pki.demo import issue_certificate

    issue_certificate(agency, not_before=timezone.now() - timedelta(days=30),
                      not_after=timezone.now() - timedelta(days=1))
    outgoing = approved(specialist, leader, to_agency(portal_agency))
    with pytest.raises(ValidationError) as caught:
        services.outgoing_issue(membership=clerk, outgoing=outgoing)
    # The page says which signature is missing and why.
    assert "Thiếu chữ ký số của cơ quan" in str(caught.value) and "quản trị" in str(caught.value)
    outgoing.refresh_from_db()
    assert outgoing.status == Outgoing.Status.APPROVED and outgoing.number is None


def test_an_issue_stands_when_the_broker_is_down_and_the_deliveries_are_recovered_later(
        setup, specialist, leader, clerk, portal_agency, django_capture_on_commit_callbacks, settings):
    from documents.services.delivery import deliveries_recover
    from portal.celery import app

    outgoing = approved(specialist, leader, to_agency(portal_agency), to_email("contact@congty.vn"))
    app.conf.task_always_eager = False
    url, app.conf.broker_url = app.conf.broker_url, "redis://127.0.0.1:1/0"  # nothing listens on port 1
    app.conf.broker_connection_retry = False
    try:
        with django_capture_on_commit_callbacks(execute=True):
            outgoing = services.outgoing_issue(membership=clerk, outgoing=outgoing)
    finally:
        app.conf.broker_url = url
        app.conf.task_always_eager = True
    assert outgoing.status == Outgoing.Status.ISSUED
    assert set(outgoing.deliveries.values_list("status", flat=True)) == {Delivery.Status.PENDING}
    settings.DELIVERY_REQUEUE_SECONDS = 0
    assert sorted(deliveries_recover()) == sorted(outgoing.deliveries.values_list("pk", flat=True))


def test_a_clerk_using_english_still_issues_a_vietnamese_document(setup, specialist, leader, clerk, portal_agency,
                                                                  email_agency, tmp_path,
                                                                  django_capture_on_commit_callbacks):
    from django.utils import translation

    from documents.services import incoming as incoming_services
    from tests.pki.conftest import pdftotext

    outgoing = approved(specialist, leader, to_agency(portal_agency), to_agency(email_agency), secrecy="mat")
    with translation.override("en"), django_capture_on_commit_callbacks(execute=True):
        outgoing = services.outgoing_issue(membership=clerk, outgoing=outgoing)
    arrived = Incoming.objects.get(agency=portal_agency)
    with translation.override("en"):
        incoming_services.incoming_register(membership=factories.make_member(portal_agency, "clerk"),
                                            incoming=arrived)
    stamp_text = pdftotext(outgoing.files.get(kind="main").signed.read(), tmp_path)
    # The number and date written at issue are Vietnamese (Decree 30), whatever the clerk's language.
    assert f"Số: {outgoing.notation}" in stamp_text and " tháng " in stamp_text and "No." not in stamp_text
    assert "Văn bản mật" in outgoing.deliveries.get(channel="paper").note
    assert list(arrived.events.values_list("text", flat=True)) == ["", "Số đến 1"]
