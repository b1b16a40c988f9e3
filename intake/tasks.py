"""Celery tasks: thin, take primary keys, safe to run twice (the poll itself makes sure of it)."""

from celery import shared_task

from . import checks, questions, services
from .models import Mailbox


@shared_task(ignore_result=False)  # "Kiểm tra ngay" waits for its result
def mailbox_poll(mailbox_id):
    """Read one agency mailbox; failures are recorded on the mailbox, and the next run retries by itself.
    What arrived and asks something becomes a question (intake.questions)."""
    result = services.mailbox_poll(mailbox_id).as_dict()
    questions.questions_detect_new(mailbox_id)
    return result


@shared_task(ignore_result=False)
def mailbox_poll_all():
    """Scheduled by beat: queue a read of every enabled mailbox."""
    mailbox_ids = list(Mailbox.objects.filter(enabled=True).values_list("pk", flat=True))
    for mailbox_id in mailbox_ids:
        mailbox_poll.delay(mailbox_id)
    return len(mailbox_ids)


@shared_task
def mailbox_checks_judge():
    """Scheduled by beat (every 5 minutes): judge the due times of every agency's mailbox check rule whose
    grace period has passed; a missed one opens an incident. Safe to run twice."""
    return checks.mailbox_checks_judge()
