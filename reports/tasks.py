"""Thin tasks: a call into a service, safe to run twice."""

from celery import shared_task

from documents.incidents import incidents_overdue_sync as sync

from .figures import month_facts_refresh_stale


@shared_task
def incidents_overdue_sync():
    """Daily (beat): incoming documents past their due date become incidents; done ones are resolved."""
    opened, resolved = sync()
    return {"opened": opened, "resolved": resolved}


@shared_task
def month_facts_refresh():
    """Every few minutes (beat): the usage report's months marked stale are computed again, so that a report
    opened later reads them as they are instead of computing them on the leader's request."""
    return month_facts_refresh_stale()
