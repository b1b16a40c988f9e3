"""E-mail delivery against real SMTP servers of the suite's own that misbehave on purpose (tests/smtp.py).

Counts at the server are the assertion: whatever the network does, no recipient gets a document twice.
"""

import pytest
from django.utils import timezone

from documents import mail_delivery
from documents.models import Delivery
from documents.services import outgoing as services
from documents.services.delivery import deliveries_recover
from incidents.models import Incident
from tests.documents.conftest import approved, to_email
from tests.smtp import FaultySmtp

pytestmark = pytest.mark.django_db
S = Delivery.Status
K = Incident.Kind


@pytest.fixture
def issued(agency, certified, specialist, leader, clerk):
    def make(count, **kwargs):
        recipients = [to_email(f"nguoinhan{n:02d}@congty.vn", f"Người nhận {n}") for n in range(count)]
        return services.outgoing_issue(membership=clerk, outgoing=approved(specialist, leader, *recipients, **kwargs))
    return make


@pytest.fixture
def faulty(settings):
    servers = []

    def make(**behaviour):
        server = FaultySmtp(**behaviour).start()
        servers.append(server)
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", server.port
        settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
        settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
        return server

    yield make
    for server in servers:
        server.stop()


def ids_of(outgoing):
    return list(outgoing.deliveries.filter(channel="email").order_by("pk").values_list("pk", flat=True))


def statuses(outgoing):
    return dict(outgoing.deliveries.values_list("email", "status"))


def send_until_settled(outgoing, rounds=3):
    """What the queue and beat would do: send, then make every waiting row due and send again."""
    for _round in range(rounds):
        mail_delivery.send_emails(ids_of(outgoing))
        outgoing.deliveries.update(next_attempt_at=timezone.now())
        deliveries_recover()


def test_a_server_that_stores_the_message_then_drops_the_connection_never_gets_it_twice(issued, faulty):
    server = faulty(drop_after_dot=lambda n: n % 3 == 0)
    outgoing = issued(9)
    send_until_settled(outgoing)
    assert set(server.received_by().values()) == {1} and len(server.received_by()) == 9
    final = statuses(outgoing)
    uncertain = {email for email, status in final.items() if status == S.UNCERTAIN}
    assert len(uncertain) == 3 and all(status in (S.SENT, S.UNCERTAIN) for status in final.values())
    row = outgoing.deliveries.get(email=sorted(uncertain)[0])
    assert row.attempts == 1 and "Kiểm tra với nơi nhận" in row.note
    assert Incident.objects.filter(kind=K.DELIVERY_FAILED).count() == 3


def test_a_reply_after_the_timeout_makes_the_row_uncertain_not_a_second_copy(issued, faulty, settings):
    settings.DELIVERY_SMTP_DATA_TIMEOUT = 0.5
    server = faulty(late_reply=lambda n: n == 2, late_seconds=1.5)
    outgoing = issued(4)
    send_until_settled(outgoing)
    assert server.received_by() == {f"nguoinhan{n:02d}@congty.vn": 1 for n in range(4)}
    assert sorted(statuses(outgoing).values()) == [S.SENT, S.SENT, S.SENT, S.UNCERTAIN]


def test_a_late_reply_within_the_data_timeout_is_a_success(issued, faulty, settings):
    # Commands time out quickly (Django's EMAIL_TIMEOUT is not what delivery uses); the final reply may be slow.
    settings.EMAIL_TIMEOUT = settings.DELIVERY_SMTP_TIMEOUT = 0.5
    settings.DELIVERY_SMTP_DATA_TIMEOUT = 5
    server = faulty(late_reply=lambda n: True, late_seconds=1)
    outgoing = issued(2)
    mail_delivery.send_emails(ids_of(outgoing))
    assert set(statuses(outgoing).values()) == {S.SENT} and len(server.received) == 2


def test_a_temporary_refusal_after_the_dot_is_retried_with_the_same_message_id(issued, faulty):
    server = faulty(tempfail_first=1)
    outgoing = issued(2)
    retry = mail_delivery.send_emails(ids_of(outgoing))
    assert sorted(pk for pk, _wait in retry) == ids_of(outgoing)
    assert set(statuses(outgoing).values()) == {S.RETRY} and server.received == []
    send_until_settled(outgoing)
    assert set(statuses(outgoing).values()) == {S.SENT}
    assert server.received_by() == {"nguoinhan00@congty.vn": 1, "nguoinhan01@congty.vn": 1}
    # The refused attempt and the accepted one carry the same Message-ID: a receiver sees one message.
    by_rcpt = {}
    for rcpts, message_id, _answer in server.attempts:
        by_rcpt.setdefault(rcpts[0], set()).add(message_id)
    assert all(len(ids) == 1 for ids in by_rcpt.values())
    stored = {row.email: row.message_id for row in outgoing.deliveries.all()}
    assert {rcpt: ids.pop() for rcpt, ids in by_rcpt.items()} == stored


def test_a_permanent_refusal_fails_that_recipient_only(issued, faulty):
    server = faulty(permfail=lambda n: n == 1)
    outgoing = issued(3)
    send_until_settled(outgoing)
    assert sorted(statuses(outgoing).values()) == [S.FAILED, S.SENT, S.SENT]
    assert len(server.received) == 2
    failed = outgoing.deliveries.get(status=S.FAILED)
    assert failed.attempts == 1 and failed.response.startswith("554")
    assert not Incident.objects.filter(kind=K.RELAY_UNREACHABLE).exists()


def test_a_relay_outage_pauses_with_one_incident_and_everything_goes_out_when_it_answers(issued, faulty, settings):
    from documents.tasks import deliveries_recover as recover_task

    settings.DELIVERY_RETRY_BASE_SECONDS = 0  # the relay is asked again (nearly) at once
    server = faulty()
    server.stop()
    outgoing = issued(6)
    outgoing.deliveries.update(queued_at=timezone.now())
    for _try in range(4):  # the queue and beat keep trying while the relay is down
        mail_delivery.send_emails(ids_of(outgoing))
        recover_task()
    rows = list(outgoing.deliveries.all())
    assert {(row.status, row.attempts) for row in rows} == {(S.DEFERRED, 0)}
    [incident] = Incident.objects.filter(kind=K.RELAY_UNREACHABLE)
    assert incident.is_open and incident.agency_id == outgoing.agency_id
    assert "Máy chủ thư không kết nối được từ" in incident.cause
    assert not Incident.objects.filter(kind=K.DELIVERY_FAILED).exists()

    server.start()
    outgoing.deliveries.update(next_attempt_at=timezone.now())  # the wait is over
    recover_task()  # beat: asks the relay once, and the deferred rows go out by themselves (eager tasks)
    assert set(statuses(outgoing).values()) == {S.SENT}
    assert set(server.received_by().values()) == {1} and len(server.received) == 6
    assert {row.attempts for row in outgoing.deliveries.all()} == {1}
    incident.refresh_from_db()
    assert not incident.is_open


def test_a_relay_down_longer_than_the_queue_lifetime_fails_the_rows(issued, faulty, settings):
    settings.DELIVERY_RETRY_BASE_SECONDS = 0
    server = faulty()
    server.stop()
    outgoing = issued(2)
    mail_delivery.send_emails(ids_of(outgoing))
    assert set(statuses(outgoing).values()) == {S.DEFERRED}
    settings.DELIVERY_QUEUE_LIFETIME = 0
    deliveries_recover()
    assert set(statuses(outgoing).values()) == {S.FAILED}
    assert "Máy chủ thư không kết nối được" in outgoing.deliveries.first().response
