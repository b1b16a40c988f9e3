"""Thin tasks: a call into reports.services, safe to run twice."""

from celery import shared_task


@shared_task
def incidents_overdue_sync():
    """Daily (beat): incoming documents past their due date become incidents; done ones are resolved."""
    from .services import incidents_overdue_sync as sync

    opened, resolved = sync()
    return {"opened": opened, "resolved": resolved}
