"""The schedule's e-mails through Redis and a real Celery worker process, to a real SMTP server: each address
gets its message once even when its task is queued again while the first run is going."""

import pytest

from schedules.models import ScheduleSending
from schedules.tasks import schedule_sending_send
from tests.schedules.sched_out_data import draft_week, make_world, publish
from tests.waiting import wait_for

pytestmark = pytest.mark.worker


@pytest.fixture
def worker_env(smtp_sink):
    return {"EMAIL_URL": f"smtp://127.0.0.1:{smtp_sink.port}"}


def test_the_worker_sends_each_email_once_even_when_queued_twice(celery_worker, smtp_sink):
    w = make_world()
    schedule, _entries = draft_week(w)
    version = publish(w, schedule)  # commits: the tasks go to the worker
    emails = version.sendings.filter(channel=ScheduleSending.Channel.EMAIL)
    for sending in emails:
        schedule_sending_send.delay(sending.pk)  # a second run, racing the first
    assert wait_for(lambda: set(emails.values_list("status", flat=True)) == {ScheduleSending.Status.SENT})
    assert wait_for(lambda: len(smtp_sink.messages()) >= 2, timeout=5)
    schedule_sending_send.delay(emails[0].pk)
    assert not wait_for(lambda: len(smtp_sink.messages()) > 2, timeout=3)
    assert smtp_sink.received_by() == {w["outside"].official_email: 1, "baochi@kontum.gov.vn": 1}
