import re

import pytest
from django.conf import settings

from intake import tasks
from intake.models import InboundMessage, Mailbox
from tests import factories
from tests.waiting import wait_for

from .conftest import Account, make_mailbox
from .mail import build


def test_beat_runs_the_poll_of_all_mailboxes_every_mailbox_poll_seconds():
    entry = settings.CELERY_BEAT_SCHEDULE["intake-mailbox-poll-all"]
    assert entry["task"] == "intake.tasks.mailbox_poll_all"
    assert entry["schedule"] == settings.MAILBOX_POLL_SECONDS == 300


@pytest.mark.django_db
def test_poll_all_reads_every_enabled_mailbox_and_skips_disabled_ones(agency, other_agency, dovecot):
    reading, paused = Account(dovecot), Account(dovecot)
    reading.append(build(subject="Cho cơ quan đang bật"))
    paused.append(build(subject="Cho cơ quan đang tắt"))
    make_mailbox(agency, reading)
    make_mailbox(other_agency, paused, enabled=False)

    assert tasks.mailbox_poll_all.delay().get() == 1

    assert list(InboundMessage.objects.values_list("agency", "subject")) == [(agency.pk, "Cho cơ quan đang bật")]


@pytest.mark.django_db
def test_the_poll_task_is_safe_to_run_twice(mailbox, imap_account):
    imap_account.append(build())
    assert tasks.mailbox_poll.delay(mailbox.pk).get()["imported"] == 1
    assert tasks.mailbox_poll.delay(mailbox.pk).get() == {
        "status": "ok", "imported": 0, "duplicates": 0, "automatic": 0, "error": "", "remaining": False}
    assert InboundMessage.objects.count() == 1


@pytest.mark.worker
def test_a_real_worker_reads_the_mailboxes_queued_by_poll_all_once(celery_worker, dovecot):
    accounts = [Account(dovecot) for _ in range(3)]
    for number, account in enumerate(accounts):
        agency = factories.make_agency(f"Sở thử {number}")
        make_mailbox(agency, account)
        for n in range(3):
            account.append(build(subject=f"Thư {n} của sở {number}"))

    tasks.mailbox_poll_all.delay().get(timeout=30)
    tasks.mailbox_poll_all.delay().get(timeout=30)  # a second beat tick while the first is still reading

    # Two ticks queued six reads of three mailboxes: wait until the worker has finished all six.
    assert wait_for(lambda: len(re.findall(r"intake\.tasks\.mailbox_poll\[[^\]]+\] succeeded",
                                           celery_worker.log_path.read_text())) == 6, interval=0.1)
    assert not Mailbox.objects.filter(poll_token__isnull=False).exists()
    assert InboundMessage.objects.count() == 9
    assert all(account.server_state() and all("\\Seen" not in flags for flags in account.server_state().values())
               for account in accounts)
