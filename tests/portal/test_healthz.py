import json

import pytest

from portal.celery import app


@pytest.mark.django_db
def test_healthz_reports_in_process_tasks_when_no_broker_is_configured(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"]["ok"] is True
    assert body["broker"]["mode"] == "in-process"


@pytest.mark.worker
def test_healthz_sees_database_broker_and_a_real_worker(client, celery_worker):
    response = client.get("/healthz")
    body = response.json()
    assert response.status_code == 200, body
    assert body["database"] == {"ok": True, "vendor": "postgresql"}
    assert body["broker"]["ok"] is True
    assert body["workers"]["ok"] is True and body["workers"]["count"] >= 1


@pytest.mark.django_db
def test_healthz_answers_503_when_no_worker_listens(client, redis_url, settings):
    settings.HEALTHZ_WORKER_TIMEOUT = 0.3
    app.conf.task_always_eager = False
    response = client.get("/healthz")
    assert response.status_code == 503
    body = json.loads(response.content)
    assert body["status"] == "down"
    assert body["broker"]["ok"] is True
    assert body["workers"]["ok"] is False


@pytest.mark.django_db
def test_healthz_answers_503_when_the_broker_is_down(client):
    app.conf.task_always_eager = False
    url = app.conf.broker_url
    app.conf.broker_url = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    try:
        response = client.get("/healthz")
    finally:
        app.conf.broker_url = url
    assert response.status_code == 503
    body = response.json()
    assert body["broker"]["ok"] is False
    assert "Error" in body["broker"]["error"]
    assert body["workers"]["ok"] is False

