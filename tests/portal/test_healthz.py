import time

import pytest
from django.db import connection

from portal.celery import app
from portal.health import _heartbeat_key, _redis
from portal.tasks import heartbeat
from tests import factories
from tests.conftest import login


def _forget_heartbeat():
    with _redis() as client:
        client.delete(_heartbeat_key())


@pytest.fixture
def superuser(db):
    from accounts.models import User

    return User.objects.create_superuser(email="root@portal.gov.vn", password=factories.PASSWORD)


@pytest.mark.django_db
def test_healthz_reports_in_process_tasks_when_no_broker_is_configured(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.worker
def test_healthz_sees_a_real_worker_by_its_heartbeat_and_tells_strangers_the_status_only(
    client, celery_worker, superuser
):
    _forget_heartbeat()
    heartbeat.delay()  # what beat sends every HEALTHZ_HEARTBEAT_SECONDS; it keeps no result, so wait for its stamp
    deadline = time.monotonic() + 30
    with _redis() as redis:
        while not redis.exists(_heartbeat_key()) and time.monotonic() < deadline:
            time.sleep(0.1)
    response = client.get("/healthz?full=1")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}  # no worker names, versions or errors for anonymous callers
    login(client, superuser)
    body = client.get("/healthz?full=1").json()
    assert body["database"] == {"ok": True, "vendor": "postgresql"}
    assert body["workers"]["ok"] is True and body["workers"]["heartbeat_age"] < 30
    assert body["workers_live"]["ok"] is True and body["workers_live"]["count"] >= 1


@pytest.mark.django_db
def test_healthz_answers_in_milliseconds_and_503_when_no_worker_has_a_heartbeat(client, redis_url, settings):
    settings.HEALTHZ_WORKER_TIMEOUT = 1.0
    app.conf.task_always_eager = False
    _forget_heartbeat()
    # The process's first request imports the URLconf and the views (≈ 1 s): which test makes it depends on the order
    # and on how pytest-xdist shares the tests out. A server's probes are answered by a process that has done so.
    client.get("/healthz")
    started = time.monotonic()
    response = client.get("/healthz")
    assert time.monotonic() - started < 0.5  # no worker ping on a probe's path (the ping waits HEALTHZ_WORKER_TIMEOUT)
    assert response.status_code == 503
    assert response.json() == {"status": "down"}


@pytest.mark.django_db
def test_only_staff_asking_full_see_which_check_failed(client, redis_url, settings, specialist, superuser):
    settings.HEALTHZ_WORKER_TIMEOUT = 0.3
    app.conf.task_always_eager = False
    _forget_heartbeat()
    login(client, specialist.user)
    assert client.get("/healthz?full=1").json() == {"status": "down"}
    login(client, superuser)
    body = client.get("/healthz?full=1").json()
    assert body["broker"]["ok"] is True
    assert body["workers"] == {"ok": False, "heartbeat_age": None}
    assert body["workers_live"] == {"ok": False, "count": 0, "names": []}


@pytest.mark.django_db
def test_healthz_answers_503_when_the_broker_is_down(client, superuser):
    app.conf.task_always_eager = False
    url = app.conf.broker_url
    app.conf.broker_url = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    try:
        response = client.get("/healthz")
        assert response.status_code == 503
        assert response.json() == {"status": "down"}  # the error text stays inside
        login(client, superuser)
        body = client.get("/healthz?full=1").json()
    finally:
        app.conf.broker_url = url
    assert body["broker"]["ok"] is False and "Error" in body["broker"]["error"]
    assert body["workers"]["ok"] is False


@pytest.mark.django_db(transaction=True)
def test_healthz_answers_503_when_the_database_is_down(client):
    port = connection.settings_dict["PORT"]
    connection.close()
    connection.settings_dict["PORT"] = "1"  # nothing listens there
    try:
        response = client.get("/healthz")
    finally:
        connection.close()
        connection.settings_dict["PORT"] = port
    assert response.status_code == 503
    assert response.json() == {"status": "down"}
