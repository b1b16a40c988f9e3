"""Thin tasks: primary keys in, a call into meetings.mail, safe to run twice."""

from celery import shared_task

from . import mail, reminders


@shared_task
def meeting_mails_send(mail_ids):
    """Send meeting e-mails (changes, reminders, answer reminders); a row that failed comes back with backoff."""
    for mail_id, wait in mail.mails_send(mail_ids):
        meeting_mails_send.apply_async([[mail_id]], countdown=wait)


@shared_task
def meeting_mails_recover():
    """Beat, every 10 minutes: send again the meeting e-mails whose task or retry was lost."""
    ids = mail.mails_lost()
    if ids:
        meeting_mails_send.delay(ids)
    return len(ids)


@shared_task
def meeting_reminders_due():
    """Beat, every 5 minutes: queue the reminders before meetings whose time has come (meetings.reminders)."""
    return reminders.meeting_reminders_due()
