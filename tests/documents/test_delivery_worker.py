"""Fan-out through Redis to a real Celery worker process, with a real SMTP server, including a crash."""


import pytest
from django.utils import timezone

from documents.models import Delivery
from documents.services import outgoing as services
from documents.tasks import deliveries_recover
from tests.documents.conftest import approved, to_agency, to_email
from tests.waiting import wait_for

pytestmark = pytest.mark.worker
S = Delivery.Status
RECIPIENTS = 60


@pytest.fixture
def worker_env(smtp_sink):
    return {
        "EMAIL_URL": f"smtp://127.0.0.1:{smtp_sink.port}",
        "DELIVERY_BATCH_SIZE": "4",
        "DELIVERY_LEASE_SECONDS": "2",
        "DELIVERY_REQUEUE_SECONDS": "3",
    }


def statuses(outgoing):
    return list(outgoing.deliveries.values_list("status", flat=True))


def recovered(outgoing):
    deliveries_recover.delay()
    return wait_for(lambda: all(s in Delivery.FINAL for s in statuses(outgoing)), timeout=4)


@pytest.fixture
def big_document(agency, certified, specialist, leader, portal_agency):
    recipients = [to_email(f"nguoinhan{n:03d}@congty.vn", f"Người nhận {n}") for n in range(RECIPIENTS)]
    return approved(specialist, leader, to_agency(portal_agency), *recipients, pages=40)


def test_issue_delivers_to_every_recipient_through_the_worker(celery_worker, smtp_sink, big_document, clerk):
    outgoing = services.outgoing_issue(membership=clerk, outgoing=big_document)
    assert wait_for(lambda: all(s == S.SENT for s in statuses(outgoing))), statuses(outgoing)
    received = smtp_sink.received_by()
    assert len(received) == RECIPIENTS and set(received.values()) == {1}
    assert outgoing.deliveries.get(channel="portal").incoming.agency.code == "000.00.00.H34"


def test_killing_the_worker_mid_fan_out_never_sends_anything_twice(celery_worker, smtp_sink, big_document, clerk):
    outgoing = services.outgoing_issue(membership=clerk, outgoing=big_document)
    assert wait_for(lambda: len(smtp_sink.messages()) >= 12, interval=0.005)
    celery_worker.kill()
    before = smtp_sink.received_by()
    assert len(before) < RECIPIENTS, "the fan-out finished before the kill; the test proves nothing"
    assert set(outgoing.deliveries.values_list("status", flat=True)) & {S.PENDING, S.SENDING, S.CONFIRMING}

    celery_worker.start()
    # Recovery takes back only the dead worker's expired claims: wait until every lease has run out.
    assert wait_for(lambda: not outgoing.deliveries.filter(lease_until__gt=timezone.now()).exists())
    # The dead worker also took tasks it never started (acks_late: Redis gives them back only after the
    # visibility timeout); their rows are still pending, and recovery queues them again once they are older than
    # DELIVERY_REQUEUE_SECONDS. Run recovery as beat does, every few seconds, until everything is final.
    assert wait_for(lambda: recovered(outgoing), timeout=90, interval=0), statuses(outgoing)

    received = smtp_sink.received_by()
    assert set(received.values()) == {1}, "a recipient received the document twice"
    final = dict(outgoing.deliveries.filter(channel="email").values_list("email", "status"))
    assert all(status in (S.SENT, S.UNCERTAIN) for status in final.values())
    assert {email for email, status in final.items() if status == S.SENT} <= set(received)
