"""The broker is not on the clerk's critical path.

A web process of its own (tests/portal/web_process.py, settings from its environment as in production)
talks to Redis through a port of this test's that refuses connections, or accepts them and never answers.
Logging in (password and TOTP, both using the cache), the desk and issuing a document must answer within
their usual time; the deliveries stay pending. When Redis answers again the same process queues new work,
and beat's recovery sends what could not be queued.
"""

import json
import select
import socket
import subprocess
import sys
import threading
import time
import uuid
from urllib.parse import urlsplit

import pytest
import redis
from django.db import connection

from documents import tasks
from documents.models import Delivery, Incoming, Outgoing
from tests import factories
from tests.conftest import ROOT, _worker_env
from tests.documents.conftest import approved, to_agency
from tests.smtp import free_port

BOUND_SECONDS = 3.0
ANSWER_TIMEOUT = 60


class UnreliableRedis:
    """A port in front of the real Redis that refuses connections, accepts them and never answers
    ("hang"), or forwards them."""

    def __init__(self, target):
        self.target, self.port = target, free_port()
        self.mode, self.listener, self.sockets = None, None, []
        self.lock = threading.Lock()

    def switch(self, mode):
        with self.lock:
            self.mode = mode
            for sock in self.sockets:  # clients must notice and connect again
                _close(sock)
            self.sockets = []
            if mode == "refuse" and self.listener:
                _close(self.listener)
                self.listener = None
            elif mode != "refuse" and not self.listener:
                self.listener = socket.socket()
                self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                self.listener.bind(("127.0.0.1", self.port))
                self.listener.listen(64)
                threading.Thread(target=self._accept, args=(self.listener,), daemon=True).start()

    def close(self):
        self.switch("refuse")

    def _accept(self, listener):
        while True:
            try:
                client, _address = listener.accept()
            except OSError:
                return
            with self.lock:
                self.sockets.append(client)
                if self.mode == "forward":
                    upstream = socket.create_connection(self.target)
                    self.sockets.append(upstream)
                    for source, sink in ((client, upstream), (upstream, client)):
                        threading.Thread(target=_pump, args=(source, sink), daemon=True).start()


def _close(sock):
    try:
        sock.shutdown(socket.SHUT_RDWR)  # wakes a thread blocked in accept() or recv()
    except OSError:
        pass
    sock.close()


def _pump(source, sink):
    try:
        while data := source.recv(65536):
            sink.sendall(data)
    except OSError:
        pass


class WebProcess:
    def __init__(self, env, log_path):
        self.log = open(log_path, "wb")
        self.log_path = log_path
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.portal.web_process"], cwd=ROOT, env=env, stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, stderr=self.log, text=True,
        )

    def request(self, method, path, data=None):
        self.process.stdin.write(json.dumps({"method": method, "path": path, "data": data}) + "\n")
        self.process.stdin.flush()
        readable, _w, _x = select.select([self.process.stdout], [], [], ANSWER_TIMEOUT)
        assert readable, f"no answer to {method} {path} in {ANSWER_TIMEOUT} s"
        line = self.process.stdout.readline()
        assert line, "the web process died:\n" + self.log_path.read_text()
        return json.loads(line)

    def stop(self):
        self.process.stdin.close()
        try:
            self.process.wait(15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(5)
        self.log.close()


@pytest.fixture
def real_redis(redis_url):
    parts = urlsplit(redis_url)
    return parts, redis.Redis(host=parts.hostname, port=parts.port or 6379, db=int(parts.path.strip("/") or 0))


@pytest.fixture
def unreliable_redis(real_redis):
    parts, _client = real_redis
    proxy = UnreliableRedis((parts.hostname, parts.port or 6379))
    yield proxy
    proxy.close()


@pytest.fixture
def queue(real_redis):
    name = f"broker-down-{uuid.uuid4().hex}"
    yield name
    _parts, client = real_redis
    for key in client.scan_iter(f"*{name}*"):  # the queue and kombu's bindings of it
        client.delete(key)


@pytest.fixture
def web(transactional_db, real_redis, unreliable_redis, queue, tmp_path, settings):
    parts, _client = real_redis
    env = _worker_env(connection.settings_dict["NAME"], {
        "DJANGO_SETTINGS_MODULE": "tests.portal.web_settings",
        "REDIS_URL": f"redis://127.0.0.1:{unreliable_redis.port}{parts.path or '/0'}",
        # Issuing seals with a timestamp and revocation data from the suite's demo PKI services.
        "PKI_DEMO_SERVICE_URL": settings.PKI_DEMO_SERVICE_URL, "PKI_TSA_URL": settings.PKI_TSA_URL,
    })
    env["CELERY_QUEUE"] = queue  # a queue no worker of another test reads
    process = WebProcess(env, tmp_path / "web.log")
    yield process
    process.stop()


def _queued(client, queue, task=None):
    """How many messages wait on the queue (of one task, when named)."""
    messages = [message for key in client.scan_iter(f"{queue}*") for message in client.lrange(key, 0, -1)]
    if task is None:
        return len(messages)
    return sum(json.loads(message)["headers"]["task"] == task for message in messages)


# Alone under pytest-xdist: with Redis hanging, issuing spends a bounded wait of a second on it plus sealing the
# document (CPU), and beside another test the sealing took 3.44 s against the 3 s bound (load 5-7, a full -n 2 run).
# It waited twice (two tasks queued) until portal.publishing: 3.18 s alone on a slower machine (02/12/2026).
@pytest.mark.serial
@pytest.mark.parametrize("fault", ["refuse", "hang"])
def test_logging_in_and_issuing_answer_in_time_while_redis_is_unreachable_and_work_resumes_after(
        fault, web, unreliable_redis, real_redis, queue, certified, unit, specialist, leader, clerk, other_agency):
    _parts, redis_client = real_redis
    secret = factories.totp_enable(clerk.user)
    factories.totp_enable(leader.user)
    first, second = (approved(specialist, leader, to_agency(other_agency), summary=f"Văn bản {n}") for n in (1, 2))
    unreliable_redis.switch(fault)

    web.request("GET", "/accounts/login/")  # the first request imports the views: not timed
    answers = {
        "login": web.request("POST", "/accounts/login/", {"login": clerk.user.email, "password": factories.PASSWORD}),
        "totp": web.request("POST", "/accounts/2fa/authenticate/", {"code": factories.totp_code(secret)}),
        "dashboard": web.request("GET", "/dashboard/"),
        "issue": web.request("POST", f"/outgoing/{first.pk}/action/issue/"),
        "document": web.request("GET", f"/outgoing/{first.pk}/"),
        "login page": web.request("GET", "/accounts/login/"),
    }
    assert answers["login"]["status"] == 302 and "/accounts/2fa/authenticate/" in answers["login"]["location"]
    assert answers["totp"]["status"] == 302 and answers["totp"]["location"] in ("/", "/dashboard/"), answers
    assert answers["issue"]["status"] == 302 and answers["issue"]["location"].endswith(f"/outgoing/{first.pk}/")
    assert answers["dashboard"]["status"] == answers["document"]["status"] == 200
    slow = {name: round(answer["seconds"], 2) for name, answer in answers.items() if answer["seconds"] > BOUND_SECONDS}
    assert slow == {}, f"answered slower than {BOUND_SECONDS} s with Redis {fault}"

    first.refresh_from_db()
    assert first.status == Outgoing.Status.ISSUED and first.number == 1
    deliveries = list(first.deliveries.all())
    assert deliveries and all(d.status == Delivery.Status.PENDING and d.queued_at is None for d in deliveries)
    assert _queued(redis_client, queue) == 0

    # Redis answers again: the same web process queues the next document's work at once.
    unreliable_redis.switch("forward")
    answer = web.request("POST", f"/outgoing/{second.pk}/action/issue/")
    assert answer["status"] == 302 and answer["seconds"] < BOUND_SECONDS
    # The fan-out of the document, and the reading of its signed file's text (ocr) for search.
    assert _queued(redis_client, queue, "documents.tasks.outgoing_deliver") == 1
    assert _queued(redis_client, queue) == 2

    # Beat's recovery finds what could not be queued and it goes out.
    tasks.deliveries_recover.delay()
    for delivery in deliveries:
        delivery.refresh_from_db()
        assert delivery.status == Delivery.Status.SENT
    assert Incoming.objects.filter(agency=other_agency, delivery__outgoing=first).count() == 1


@pytest.mark.parametrize("fault", ["refuse", "hang"])
def test_the_cache_counts_in_memory_while_redis_is_unreachable_and_goes_back_to_redis(fault, unreliable_redis,
                                                                                      real_redis, caplog):
    from core.cache import FallbackRedisCache

    parts, redis_client = real_redis
    prefix = f"broker-down-{uuid.uuid4().hex}"
    cache = FallbackRedisCache(f"redis://127.0.0.1:{unreliable_redis.port}{parts.path or '/0'}", {
        "KEY_PREFIX": prefix,
        "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5, "RETRY_SECONDS": 0.5},
    })
    unreliable_redis.switch(fault)
    start = time.monotonic()
    cache.add("tries", 0)
    for _ in range(5):  # a rate limit keeps counting, in this process's memory
        cache.incr("tries")
    assert cache.get("tries") == 5
    assert time.monotonic() - start < 1.5, "Redis is asked once per RETRY_SECONDS, not once per call"
    assert [r.levelname for r in caplog.records if r.name == "core.cache"] == ["ERROR"]
    assert not list(redis_client.scan_iter(f"{prefix}*"))

    unreliable_redis.switch("forward")
    time.sleep(0.6)
    cache.set("tries", 1)
    assert cache.get("tries") == 1
    assert len(list(redis_client.scan_iter(f"{prefix}*"))) == 1
    assert [r.levelname for r in caplog.records if r.name == "core.cache"] == ["ERROR", "WARNING"]
    cache.delete("tries")


def _noop():
    return None


def test_a_request_waits_for_a_hanging_broker_once_and_the_next_request_tries_again(unreliable_redis, real_redis,
                                                                                  settings):
    """Issuing queues two tasks: with Redis hanging each publish waited out the timeout (two seconds in all). After
    a failure the process does not try again until the next request (portal.publishing)."""
    from celery import Celery
    from django.core.signals import request_started
    from django.db import close_old_connections
    from kombu.exceptions import OperationalError

    parts, _client = real_redis
    app = Celery("broker-down-test", task_cls="portal.publishing:PublishOnceTask", set_as_current=False)
    app.conf.update(broker_url=f"redis://127.0.0.1:{unreliable_redis.port}{parts.path or '/0'}",
                    broker_connection_timeout=settings.REDIS_CONNECT_TIMEOUT,
                    broker_transport_options=settings.CELERY_BROKER_TRANSPORT_OPTIONS,
                    task_publish_retry_policy=settings.CELERY_TASK_PUBLISH_RETRY_POLICY,
                    task_default_queue=f"broker-down-{uuid.uuid4().hex}")
    task = app.task(name="broker_down.noop")(_noop)
    unreliable_redis.switch("hang")

    def publish():
        start = time.monotonic()
        with pytest.raises(OperationalError):
            task.delay()
        return time.monotonic() - start

    # Requests start as Django's test client starts them: without closing the database connections.
    request_started.disconnect(close_old_connections)
    try:
        request_started.send(sender=None)
        first, second = publish(), publish()
        assert first >= settings.REDIS_SOCKET_TIMEOUT * 0.9 and second < 0.1, (first, second)
        request_started.send(sender=None)  # the next request asks the broker again
        assert publish() >= settings.REDIS_SOCKET_TIMEOUT * 0.9
    finally:
        request_started.connect(close_old_connections)
        app.close()
