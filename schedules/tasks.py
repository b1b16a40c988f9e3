"""Thin tasks: a sending's pk in, publication.sending_send does the work; safe to run twice (a sent row is
skipped, the row is locked while it is sent)."""

from celery import shared_task

from . import publication


@shared_task
def schedule_sending_send(sending_id):
    """E-mail one published schedule to one address; a failure comes back later with backoff."""
    wait = publication.sending_send(sending_id)
    if wait is not None:
        schedule_sending_send.apply_async([sending_id], countdown=wait)


@shared_task
def schedule_sendings_recover():
    """Beat, every 10 minutes: queue again the schedule e-mails whose task or retry was lost."""
    ids = publication.sendings_lost()
    for sending_id in ids:
        schedule_sending_send.delay(sending_id)
    return len(ids)
