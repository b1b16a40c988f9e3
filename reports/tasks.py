"""Thin tasks: a call into a service, safe to run twice."""

from celery import shared_task

from documents.incidents import incidents_overdue_sync as sync


@shared_task
def incidents_overdue_sync():
    """Daily (beat): incoming documents past their due date become incidents; done ones are resolved."""
    opened, resolved = sync()
    return {"opened": opened, "resolved": resolved}
