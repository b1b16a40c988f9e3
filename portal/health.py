"""Readiness of the parts the portal needs: database, broker, workers.

A probe must answer in milliseconds, so the ordinary check never waits for workers to answer a ping: a
worker runs the beat-scheduled `portal.tasks.heartbeat` every HEALTHZ_HEARTBEAT_SECONDS, which stamps a key
in Redis with a short lifetime, and workers count as up while that stamp exists. The live ping (up to
HEALTHZ_WORKER_TIMEOUT) runs only for staff asking `?full=1`.
"""

import time

import redis
from django.conf import settings
from django.db import connection
from kombu import Connection

from .celery import app


def _heartbeat_key():
    return f"portal:healthz:heartbeat:{settings.CELERY_TASK_DEFAULT_QUEUE}"


def _redis():
    return redis.Redis.from_url(app.conf.broker_url, socket_timeout=2, socket_connect_timeout=2)


def heartbeat_record():
    """Stamp the time a worker ran the heartbeat task; the stamp vanishes after HEALTHZ_HEARTBEAT_MAX_AGE."""
    if app.conf.task_always_eager:
        return
    with _redis() as client:
        client.set(_heartbeat_key(), int(time.time()), ex=settings.HEALTHZ_HEARTBEAT_MAX_AGE)


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
    with _redis() as client:
        stamp = client.get(_heartbeat_key())
    if stamp is None:
        return {"ok": False, "heartbeat_age": None}
    return {"ok": True, "heartbeat_age": max(0, int(time.time()) - int(stamp))}


def check_workers_live():
    if app.conf.task_always_eager:
        return {"ok": True, "mode": "in-process", "count": 0}
    replies = app.control.inspect(timeout=settings.HEALTHZ_WORKER_TIMEOUT).ping() or {}
    return {"ok": bool(replies), "count": len(replies), "names": sorted(replies)}


def run_checks(*, live=False):
    """Run every check; a check that raises is reported as down with its error (shown to staff only)."""
    checks = {"database": check_database, "broker": check_broker, "workers": check_workers}
    if live:
        checks["workers_live"] = check_workers_live
    results = {}
    for name, check in checks.items():
        if name.startswith("workers") and not results["broker"]["ok"]:
            results[name] = {"ok": False, "error": "broker unavailable"}
            continue
        try:
            results[name] = check()
        except Exception as exc:  # noqa: BLE001 - any failure means "down", reported as such
            results[name] = {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
    return results
