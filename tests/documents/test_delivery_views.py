"""The clerk's side of delivery: uncertain rows explained, resending one needs a confirmation, and
"resend all failed" for a document — with a real SMTP server counting what arrives."""

import pytest

from documents import mail_delivery
from documents.models import Delivery
from documents.services import outgoing as services
from tests import factories
from tests.documents.conftest import approved, to_email
from tests.smtp import FaultySmtp

pytestmark = pytest.mark.django_db
S = Delivery.Status


@pytest.fixture
def server(settings):
    server = FaultySmtp(drop_after_dot=lambda n: n == 1, permfail=lambda n: n in (2, 3)).start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", server.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    yield server
    server.stop()


@pytest.fixture
def sent_once(server, certified, specialist, leader, clerk):
    """a@ uncertain (the server stored it, then dropped the connection), b@ and c@ refused (554), d@ sent."""
    outgoing = approved(specialist, leader, *[to_email(f"{n}@congty.vn") for n in "abcd"])
    outgoing = services.outgoing_issue(membership=clerk, outgoing=outgoing)
    mail_delivery.send_emails(list(outgoing.deliveries.order_by("email").values_list("pk", flat=True)))
    assert dict(outgoing.deliveries.values_list("email", "status")) == {
        "a@congty.vn": S.UNCERTAIN, "b@congty.vn": S.FAILED, "c@congty.vn": S.FAILED, "d@congty.vn": S.SENT}
    return outgoing


def test_an_uncertain_row_is_explained_and_its_resend_asks_for_a_confirmation(client_for, clerk, sent_once, server,
                                                                            django_capture_on_commit_callbacks):
    client = client_for(clerk)
    page = client.get(f"/outgoing/{sent_once.pk}/").content.decode()
    assert 'data-testid="uncertain-explanation"' in page and "không biết nơi nhận đã có văn bản" in page
    assert 'name="confirm_uncertain"' in page
    uncertain = sent_once.deliveries.get(email="a@congty.vn")

    response = client.post(f"/outgoing/{sent_once.pk}/deliveries/{uncertain.pk}/resend/",
                           {"email": "a@congty.vn"}, follow=True)
    assert "Nơi nhận có thể đã nhận được văn bản này" in response.content.decode()
    uncertain.refresh_from_db()
    assert uncertain.status == S.UNCERTAIN and server.received_by()["a@congty.vn"] == 1

    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/outgoing/{sent_once.pk}/deliveries/{uncertain.pk}/resend/",
                    {"email": "a@congty.vn", "confirm_uncertain": "on"})
    uncertain.refresh_from_db()
    assert uncertain.status == S.SENT
    # The clerk chose to send it again, knowingly; it carries the same Message-ID as the first copy.
    assert [m for rcpts, m in server.received if rcpts == ["a@congty.vn"]] == [uncertain.message_id] * 2


def test_resend_all_failed_sends_every_failed_row_of_the_document_again_and_nothing_else(
        client_for, clerk, sent_once, server, django_capture_on_commit_callbacks):
    client = client_for(clerk)
    assert 'data-testid="resend-all-failed"' in client.get(f"/outgoing/{sent_once.pk}/").content.decode()
    server.permfail = lambda n: False
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/outgoing/{sent_once.pk}/deliveries/resend-failed/", follow=True)
    assert "Đang gửi lại 2 lượt thất bại." in response.content.decode()
    assert dict(sent_once.deliveries.values_list("email", "status")) == {
        "a@congty.vn": S.UNCERTAIN, "b@congty.vn": S.SENT, "c@congty.vn": S.SENT, "d@congty.vn": S.SENT}
    assert server.received_by() == {"a@congty.vn": 1, "b@congty.vn": 1, "c@congty.vn": 1, "d@congty.vn": 1}


def test_only_the_issuing_agencys_clerk_may_resend(client_for, clerk, leader, sent_once, other_agency, server):
    failed = sent_once.deliveries.get(email="b@congty.vn")
    assert client_for(leader).post(f"/outgoing/{sent_once.pk}/deliveries/resend-failed/").status_code == 403
    assert client_for(leader).post(f"/outgoing/{sent_once.pk}/deliveries/{failed.pk}/resend/",
                                   {"email": "b@congty.vn"}).status_code == 403
    outsider = factories.make_member(other_agency, "clerk", position="Văn thư")
    assert client_for(outsider).post(f"/outgoing/{sent_once.pk}/deliveries/resend-failed/").status_code == 404
    assert set(sent_once.deliveries.filter(email__in=["b@congty.vn", "c@congty.vn"])
               .values_list("status", flat=True)) == {S.FAILED}
    assert "b@congty.vn" not in server.received_by()
