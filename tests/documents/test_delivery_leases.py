"""Leases, not guesses: real Celery workers on Redis, beat running recovery on its own queue, a real SMTP
server of the suite's own that answers slowly, and a worker killed with SIGKILL mid-batch."""

import time

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from documents.models import Delivery
from documents.services import outgoing as services
from tests.conftest import WorkerProcess, _worker_env
from tests.documents.conftest import approved, to_email
from tests.smtp import FaultySmtp
from tests.waiting import wait_for

pytestmark = pytest.mark.worker
S = Delivery.Status
LEASE = 2


@pytest.fixture
def slow_smtp():
    server = FaultySmtp(late_reply=lambda n: True, late_seconds=0.8).start()
    yield server
    server.stop()


@pytest.fixture
def lease_env(slow_smtp):
    return {
        "EMAIL_URL": f"smtp://127.0.0.1:{slow_smtp.port}",
        "DELIVERY_BATCH_SIZE": "4",
        "DELIVERY_LEASE_SECONDS": str(LEASE),
        "DELIVERY_REQUEUE_SECONDS": str(LEASE),
        "DELIVERY_RECOVER_SECONDS": "1",
        "DELIVERY_SMTP_DATA_TIMEOUT": "30",
    }


@pytest.fixture
def worker_env(lease_env):
    return lease_env


@pytest.fixture
def recovery_worker(celery_worker, lease_env, tmp_path):
    """A small worker of its own for the recovery queue, with beat (recovery every second)."""
    worker = WorkerProcess(_worker_env(connection.settings_dict["NAME"], lease_env), tmp_path / "recovery.log")
    worker.start(concurrency=1, queues=[settings.CELERY_RECOVERY_QUEUE],
                 args=["--pool=solo", "--beat", f"--schedule={tmp_path / 'beat-schedule'}"])
    yield worker
    worker.stop()


def statuses(outgoing):
    return list(outgoing.deliveries.order_by("pk").values_list("status", flat=True))


@pytest.fixture
def document(agency, certified, specialist, leader):
    def make(count, prefix="nguoinhan"):
        recipients = [to_email(f"{prefix}{n:02d}@congty.vn", f"Người nhận {n}") for n in range(count)]
        return approved(specialist, leader, *recipients)
    return make


def test_a_slow_batch_renews_its_lease_and_is_never_taken_for_dead(recovery_worker, slow_smtp, document, clerk):
    # Each message waits 0.8 s for its reply: a batch of 4 holds its rows twice as long as the lease.
    outgoing = services.outgoing_issue(membership=clerk, outgoing=document(8))
    assert wait_for(lambda: all(s in Delivery.FINAL for s in statuses(outgoing)), timeout=90), statuses(outgoing)
    assert set(statuses(outgoing)) == {S.SENT}
    assert set(outgoing.deliveries.values_list("attempts", flat=True)) == {1}
    assert set(slow_smtp.received_by().values()) == {1} and len(slow_smtp.received) == 8


def test_recovery_runs_while_every_sending_process_is_busy(celery_worker, lease_env, slow_smtp, document, clerk,
                                                           tmp_path):
    celery_worker.stop()
    celery_worker.start(concurrency=1, queues=[q.name for q in settings.CELERY_TASK_QUEUES
                                               if q.name != settings.CELERY_RECOVERY_QUEUE])
    recovery = WorkerProcess(_worker_env(connection.settings_dict["NAME"], lease_env), tmp_path / "recovery.log")
    recovery.start(concurrency=1, queues=[settings.CELERY_RECOVERY_QUEUE],
                   args=["--pool=solo", "--beat", f"--schedule={tmp_path / 'beat-schedule'}"])
    try:
        busy = services.outgoing_issue(membership=clerk, outgoing=document(12, "ban"))
        assert wait_for(lambda: S.CONFIRMING in statuses(busy) or S.SENDING in statuses(busy))
        # A run that died left rows of another document claimed, its lease already out.
        dead = document(3, "chet")
        Delivery.objects.bulk_create([Delivery(outgoing=dead, channel="email", email=f"chet{n}@congty.vn",
                                               name=f"Chết {n}") for n in range(3)])
        Delivery.objects.filter(outgoing=dead).update(status=S.SENDING, claim_token="dead", attempts=1,
                                                      lease_until=timezone.now() - timezone.timedelta(seconds=1))
        started = time.monotonic()
        assert wait_for(lambda: S.SENDING not in statuses(dead), timeout=10), statuses(dead)
        assert time.monotonic() - started < 5
        assert S.SENT not in statuses(dead) and S.PENDING in statuses(dead)
        assert any(s != S.SENT for s in statuses(busy)), "the busy worker finished first: the test proves nothing"
    finally:
        recovery.stop()


def test_a_worker_killed_mid_batch_is_recovered_by_beat_alone_within_its_lease(
        recovery_worker, celery_worker, slow_smtp, document, clerk):
    outgoing = services.outgoing_issue(membership=clerk, outgoing=document(12))
    assert wait_for(lambda: len(slow_smtp.received) >= 3, interval=0.01)
    celery_worker.kill()
    killed = time.monotonic()
    assert set(statuses(outgoing)) & {S.PENDING, S.SENDING, S.CONFIRMING}
    celery_worker.start()
    # Nothing is queued by hand: beat's recovery on its own queue takes the dead run's rows back.
    assert wait_for(lambda: all(s in Delivery.FINAL for s in statuses(outgoing)), timeout=90), statuses(outgoing)
    assert time.monotonic() - killed < 40
    received = slow_smtp.received_by()
    assert set(received.values()) == {1}, "a recipient received the document twice"
    final = dict(outgoing.deliveries.values_list("email", "status"))
    assert {email for email, status in final.items() if status == S.SENT} <= set(received)
    assert all(status in (S.SENT, S.UNCERTAIN) for status in final.values())
