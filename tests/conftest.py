import fcntl
import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from celery._state import _set_task_join_will_block
from django.conf import settings

from tests import factories
from tests.pki_services import _pki_services_urls, pki_services  # noqa: F401 - fixtures (autouse)
from tests.smtp import SmtpSink

ROOT = Path(__file__).resolve().parent.parent


# pytest-xdist (`make test` runs two worker processes, `--dist loadgroup`). Each worker has its own test database
# (pytest-django), Redis database (tests/settings.py) and temporary directories; servers the tests start listen on free
# ports. Tests sharing a costly session fixture are sent to one worker, so that it is built once per run rather than
# once per worker; the two installations of tests/exchange share fixed Redis databases and PostgreSQL names, so they
# never run on two workers at once.
XDIST_GROUP_OF_FIXTURE = {
    "installations": "exchange-installations",  # EXCHANGE_TEST_REDIS_DBS, flushed; <DATABASE_URL's name>_one/_two
    "primary": "pg-cluster",  # tests/deploy: a private PostgreSQL primary, migrated (≈ 20 s)
    "_migrated_sqlite": "sqlite",  # make run's SQLite database, migrated once (20–60 s)
    "collected_static": "collectstatic",  # tests/portal/test_production.py: collectstatic (≈ 25 s)
}


@pytest.hookimpl(tryfirst=True)  # before xdist's own, which reads the groups off the marks
def pytest_collection_modifyitems(config, items):
    for item in items:
        groups = [group for fixture, group in XDIST_GROUP_OF_FIXTURE.items() if fixture in item.fixturenames]
        if groups and not item.get_closest_marker("xdist_group"):
            item.add_marker(pytest.mark.xdist_group(groups[0]))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item, nextitem):
    """A test marked `serial` runs with no other test beside it: under xdist it waits for the other workers' tests to
    end, and they wait for it (a readers-writer lock on files of the run's temporary directory, the serial test first
    in line). Without xdist there is nothing to wait for."""
    lock_dir = _xdist_lock_dir(item.config)
    if lock_dir is None:
        return (yield)
    serial = item.get_closest_marker("serial") is not None
    with open(lock_dir / "serial.turnstile", "a") as turnstile, open(lock_dir / "serial.lock", "a") as lock:
        fcntl.flock(turnstile, fcntl.LOCK_EX)  # a serial test waiting holds it: no new test starts meanwhile
        fcntl.flock(lock, fcntl.LOCK_EX if serial else fcntl.LOCK_SH)
        if not serial:
            fcntl.flock(turnstile, fcntl.LOCK_UN)
        try:
            return (yield)
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
            fcntl.flock(turnstile, fcntl.LOCK_UN)


def _xdist_lock_dir(config):
    if not hasattr(config, "workerinput"):  # not an xdist worker
        return None
    return config._tmp_path_factory.getbasetemp().parent  # the run's directory; each worker's is popen-gw<n> in it


@pytest.fixture(autouse=True)
def _eager_tasks_unless_a_worker_runs():
    """Tasks run in-process in ordinary tests; the celery_worker fixture switches to the real queue."""
    from portal.celery import app

    before = app.conf.task_always_eager, app.conf.task_eager_propagates
    app.conf.task_always_eager, app.conf.task_eager_propagates = True, True
    yield
    app.conf.task_always_eager, app.conf.task_eager_propagates = before


@pytest.fixture(scope="session")
def pki_var_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("pki-var")


@pytest.fixture(autouse=True)
def _demo_ca_in_tmp(settings, pki_var_dir):
    """The demo CA lives in a per-session temporary VAR_DIR, never in the checkout's var/."""
    settings.VAR_DIR = pki_var_dir
    settings.PKI_TRUST_ROOTS = []
    settings.PKI_TRUST_DEMO_CA = True


@pytest.fixture(autouse=True)
def _vietnamese_to_start_with():
    """Each test starts in the default language: a request in English leaves its thread in English."""
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _own_cache_keys(settings):
    """Rate limits (allauth's, the lookup page's) and used TOTP codes live in the real cache; a fresh
    key prefix per test keeps one test's attempts from counting against the next, or the next run."""
    settings.CACHES = {
        name: {**conf, "KEY_PREFIX": f"test-{uuid.uuid4().hex}"} for name, conf in settings.CACHES.items()
    }


@pytest.fixture(autouse=True)
def _fast_and_isolated(settings, tmp_path):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.SECURE_SSL_REDIRECT = False
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture
def agency(db):
    return factories.make_agency("Bộ Nội vụ", short_name="BNV", code="000.00.00.G09", domain="moha.gov.vn")


@pytest.fixture
def certified(agency):
    """The agency with a certificate from the demo CA, so that it can sign."""
    from pki.demo import issue_certificate

    issue_certificate(agency)
    return agency


@pytest.fixture
def other_agency(db):
    return factories.make_agency("Ủy ban nhân dân tỉnh Quảng Ngãi", code="000.00.00.H55", domain="quangngai.gov.vn")


@pytest.fixture
def unit(agency):
    return factories.make_unit(agency, "Văn phòng Bộ", "VP")


@pytest.fixture
def admin_member(agency, unit):
    """An agency admin with TOTP set up: changing anyone's roles asks for it."""
    member = factories.make_member(agency, "admin", unit=unit, position="Quản trị")
    member.user.totp_secret = factories.totp_enable(member.user)
    return member


@pytest.fixture
def leader(agency, unit):
    return factories.make_member(agency, "leader", unit=unit, position="Bộ trưởng")


@pytest.fixture
def clerk(agency, unit):
    return factories.make_member(agency, "clerk", unit=unit, position="Văn thư")


@pytest.fixture
def specialist(agency, unit):
    return factories.make_member(agency, "specialist", unit=unit)


@pytest.fixture
def citizen(db):
    return factories.make_citizen("dan@example.com", full_name="Trần Thị Dân")


def login(client, user, *, passed_totp=True):
    """Log in without the forms; the session counts as having just passed TOTP (as allauth records it)
    unless passed_totp=False, for the tests about two-factor itself."""
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    if passed_totp:
        from allauth.account.internal.flows.login import (
            _AUTHENTICATION_METHODS_USER_SESSION_KEY,
            AUTHENTICATION_METHODS_SESSION_KEY,
        )
        from allauth.account.internal.userkit import user_id_to_str

        session = client.session
        session[AUTHENTICATION_METHODS_SESSION_KEY] = [
            {"method": "password", "at": time.time()}, {"method": "mfa", "at": time.time(), "type": "totp"},
        ]
        session[_AUTHENTICATION_METHODS_USER_SESSION_KEY] = user_id_to_str(user)
        session.save()
    return client


@pytest.fixture
def client_for(client):
    return lambda member_or_user: login(client, getattr(member_or_user, "user", member_or_user))


# A real Celery worker process on Redis, reading the same test database.

def _worker_env(database_name, extra=None):
    env = dict(os.environ)
    env["MEDIA_ROOT"] = str(settings.MEDIA_ROOT)
    env["PORTAL_VAR_DIR"] = str(settings.VAR_DIR)
    # A worker that finishes a signature reaches the same demo OCSP/TSA services as the test (tests/pki_services.py).
    env["PKI_DEMO_SERVICE_URL"], env["PKI_TSA_URL"] = settings.PKI_DEMO_SERVICE_URL, settings.PKI_TSA_URL
    env.update(extra or {})
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith("postgres"):
        env["DATABASE_URL"] = url.rsplit("/", 1)[0] + "/" + database_name
    env["CELERY_QUEUE"] = settings.CELERY_TASK_DEFAULT_QUEUE
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    return env


@pytest.fixture(scope="session")
def redis_url():
    url = os.environ.get("REDIS_URL") or settings.REDIS_URL
    if not url:
        pytest.fail("REDIS_URL must point at the real Redis for worker tests (make test sets it).")
    return url


@pytest.fixture
def worker_env():
    """Extra environment for the worker process; a test module overrides this fixture to add some."""
    return {}


@pytest.fixture
def celery_worker(transactional_db, redis_url, tmp_path, worker_env):
    """Start `celery worker` as a separate process; yields a handle that can kill and restart it."""
    from django.db import connection

    from portal.celery import app

    app.conf.task_always_eager = False
    # Eager tasks run concurrently in the live server's threads can leave Celery's process-wide
    # "joining would block" flag set (its save/restore is not thread-safe); this process is no worker.
    _set_task_join_will_block(False)
    app.control.purge()
    log = tmp_path / "worker.log"
    handle = WorkerProcess(_worker_env(connection.settings_dict["NAME"], worker_env), log)
    handle.start()
    yield handle
    handle.stop()


class WorkerProcess:
    def __init__(self, env, log_path):
        self.env, self.log_path, self.process = env, log_path, None

    def start(self, concurrency=2, queues=None, args=()):
        """By default the worker consumes every queue (portal/queues.py), as `make run`'s does."""
        from portal.celery import app

        queues = queues or [queue.name for queue in settings.CELERY_TASK_QUEUES]

        self.log = open(self.log_path, "ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "portal", "worker", "--loglevel=INFO", "--include=devtools.tasks",
             f"--concurrency={concurrency}", "--without-gossip", "--without-mingle",
             "-Q", ",".join(queues), "-n", f"test-{os.getpid()}-{time.monotonic_ns()}@%h", *args],
            cwd=ROOT, env=self.env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError("celery worker exited:\n" + self.log_path.read_text())
            if app.control.inspect(timeout=0.5).ping():
                return
        raise RuntimeError("celery worker did not answer:\n" + self.log_path.read_text())

    def kill(self):
        """SIGKILL the whole worker (main process and pool children), as a crash would."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(10)

    def stop(self):
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.kill()
        self.log.close()


# Headless Chromium (Debian's package) driven by Playwright.

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail("Debian's chromium is missing: `make test` installs it (apt-get install chromium).")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-dev-shm-usage"],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh", base_url=live_server.url)
    page = context.new_page()
    page.set_default_timeout(15000)
    yield page
    context.close()


@pytest.fixture(scope="session", autouse=True)
def _live_server_speaks_plain_http():
    """The live server builds its middleware once, before per-test settings apply, and SecurityMiddleware
    reads SECURE_SSL_REDIRECT then: switched off for the session so the browser is not sent to https://."""
    from django.test.utils import override_settings

    with override_settings(SECURE_SSL_REDIRECT=False):
        yield


# A real SMTP server on loopback, in its own process.

@pytest.fixture
def smtp_sink(tmp_path, settings):
    sink = SmtpSink(tmp_path).start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", sink.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 10
    yield sink
    sink.stop()


def _sqlite_env(folder):
    """A process of make run's embedded set-up (SQLite in `folder`, tasks in-process, no Redis)."""
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{folder / 'db.sqlite3'}", "PORTAL_VAR_DIR": str(folder),
           "DJANGO_SETTINGS_MODULE": "portal.settings", "DEBUG": "1"}
    env.pop("REDIS_URL", None)
    return env


@pytest.fixture(scope="session")
def _migrated_sqlite(tmp_path_factory):
    folder = tmp_path_factory.mktemp("sqlite")
    subprocess.run([sys.executable, str(ROOT / "manage.py"), "migrate", "-v0"], cwd=ROOT, env=_sqlite_env(folder),
                   check=True, timeout=600)
    return folder / "db.sqlite3"


@pytest.fixture
def sqlite_env(_migrated_sqlite, tmp_path):
    """The environment of a process on make run's SQLite database in tmp_path, already migrated: a copy of one
    database migrated once per run (the tests comparing SQLite with PostgreSQL each migrated their own: 20–60 s)."""
    import sqlite3

    source, copy = sqlite3.connect(_migrated_sqlite), sqlite3.connect(tmp_path / "db.sqlite3")
    with copy:
        source.backup(copy)  # the online backup API: whatever is still in the write-ahead log comes along
    source.close()
    copy.close()
    return _sqlite_env(tmp_path)
