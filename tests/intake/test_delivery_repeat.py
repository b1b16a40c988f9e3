"""An uncertain delivery sent again reaches an agency mailbox twice; our own intake keeps one: every attempt
of a delivery carries the same Message-ID (documents.mail_delivery). Real SMTP server, real Dovecot."""

import pytest

from documents import mail_delivery
from documents.models import Delivery
from documents.services import outgoing as services
from documents.services.delivery import delivery_resend
from intake import services as intake_services
from intake.models import InboundMessage
from tests.documents.conftest import approved, to_email
from tests.intake.conftest import make_mailbox
from tests.smtp import FaultySmtp

pytestmark = pytest.mark.django_db


def test_a_confirmed_resend_of_an_uncertain_delivery_is_recognised_by_the_receiving_intake(
        settings, certified, specialist, leader, clerk, other_agency, imap_account,
        django_capture_on_commit_callbacks):
    server = FaultySmtp(drop_after_dot=lambda n: n == 1).start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", server.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    try:
        outgoing = services.outgoing_issue(
            membership=clerk, outgoing=approved(specialist, leader, to_email("vanthu@quangngai.gov.vn")))
        row = outgoing.deliveries.get()
        mail_delivery.send_emails([row.pk])
        row.refresh_from_db()
        assert row.status == Delivery.Status.UNCERTAIN
        with django_capture_on_commit_callbacks(execute=True):
            delivery_resend(membership=clerk, delivery=row, email=row.email, confirm_uncertain=True)
        row.refresh_from_db()
        assert row.status == Delivery.Status.SENT
    finally:
        server.stop()
    assert len(server.raw) == 2 and server.raw[0] != server.raw[1]  # two copies, not byte for byte the same

    mailbox = make_mailbox(other_agency, imap_account)
    for raw in server.raw:
        imap_account.append(raw)
    intake_services.mailbox_poll(mailbox.pk)
    [message] = InboundMessage.objects.filter(agency=other_agency)
    assert message.message_id == row.message_id
