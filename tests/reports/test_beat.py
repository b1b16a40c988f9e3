"""The usage report's stale months are counted by beat, not on a leader's request."""

from django.conf import settings


def test_beat_counts_the_usage_reports_stale_months():
    from portal.celery import app

    entries = [e for e in settings.CELERY_BEAT_SCHEDULE.values() if e["task"] == "reports.tasks.month_facts_refresh"]
    assert len(entries) == 1
    assert entries[0]["schedule"] <= 600
    app.loader.import_default_modules()
    assert "reports.tasks.month_facts_refresh" in app.tasks
