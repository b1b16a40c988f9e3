"""Thin tasks: a call into a service, safe to run twice."""

from celery import shared_task

from documents.incidents import incidents_overdue_sync as sync

from .figures import month_facts_refresh_stale, usage_reports_warm


@shared_task
def incidents_overdue_sync():
    """Daily (beat): incoming documents past their due date become incidents; done ones are resolved."""
    opened, resolved = sync()
    return {"opened": opened, "resolved": resolved}


@shared_task
def month_facts_refresh():
    """Every few minutes (beat): the usage report's months marked stale are computed again, and the current
    half-year's report of each tree they changed is counted into the cache, so that a leader opening it later reads
    it instead of counting it on their request."""
    agencies = month_facts_refresh_stale()
    return {"agencies": len(agencies), "reports": usage_reports_warm(agencies)}
