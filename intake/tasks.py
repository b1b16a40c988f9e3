"""Celery tasks: thin, take primary keys, safe to run twice (the poll itself makes sure of it)."""

from celery import shared_task

from . import services
from .models import Mailbox


@shared_task(ignore_result=False)  # "Kiểm tra ngay" waits for its result
def mailbox_poll(mailbox_id):
    """Read one agency mailbox; failures are recorded on the mailbox, and the next run retries by itself."""
    return services.mailbox_poll(mailbox_id).as_dict()


@shared_task(ignore_result=False)
def mailbox_poll_all():
    """Scheduled by beat: queue a read of every enabled mailbox."""
    mailbox_ids = list(Mailbox.objects.filter(enabled=True).values_list("pk", flat=True))
    for mailbox_id in mailbox_ids:
        mailbox_poll.delay(mailbox_id)
    return len(mailbox_ids)
