"""Readiness of the parts the portal needs: database, broker, workers."""

from django.conf import settings
from django.db import connection
from kombu import Connection

from .celery import app


def check_database():
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return {"ok": True, "vendor": connection.vendor}


def check_broker():
    if app.conf.task_always_eager:
        return {"ok": True, "mode": "in-process"}
    with Connection(app.conf.broker_url, connect_timeout=2) as conn:
        conn.ensure_connection(max_retries=1, timeout=2)
    return {"ok": True, "mode": conn.transport_cls}


def check_workers():
    if app.conf.task_always_eager:
        return {"ok": True, "mode": "in-process", "count": 0}
    replies = app.control.inspect(timeout=settings.HEALTHZ_WORKER_TIMEOUT).ping() or {}
    return {"ok": bool(replies), "count": len(replies), "names": sorted(replies)}


CHECKS = {"database": check_database, "broker": check_broker, "workers": check_workers}


def run_checks():
    """Run every check; a check that raises is reported as down with its error."""
    results = {}
    for name, check in CHECKS.items():
        if name == "workers" and not results["broker"]["ok"]:
            results[name] = {"ok": False, "error": "broker unavailable"}
            continue
        try:
            results[name] = check()
        except Exception as exc:  # noqa: BLE001 - any failure means "down", reported as such
            results[name] = {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
    return results
