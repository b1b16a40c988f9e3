"""Two web servers as behind a load balancer: gunicorn processes of their own on free ports, in front of the same
PostgreSQL test database and Redis. A session opened by logging in on one is the session on the other, logging out
on one ends it on both, and the wrong lookup codes each server counted add up to one limit (django-ratelimit, in the
cache). Without REDIS_URL (`make run`'s embedded defaults) two processes on one machine share the same way: the
cache is kept in files under var/."""

import os
import re
import signal
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
import uuid
from http.cookies import SimpleCookie

import pytest
from django.db import connection

from tests import factories
from tests.conftest import ROOT, _worker_env
from tests.smtp import free_port
from tests.waiting import wait_for

WRONG_TRIES = 4  # the lookup page's limit of wrong codes per client address, for both servers


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


OPENER = urllib.request.build_opener(_NoRedirects)


class Server:
    """`make serve`'s gunicorn (portal/gunicorn.conf.py), one process of two threads."""

    def __init__(self, env, log_path):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path, self.log = log_path, log_path.open("wb")
        self.process = subprocess.Popen(
            [os.path.join(os.path.dirname(sys.executable), "gunicorn"), "--config", "portal/gunicorn.conf.py",
             "portal.wsgi"],
            cwd=ROOT, env={**env, "GUNICORN_BIND": f"127.0.0.1:{self.port}"}, stdout=self.log,
            stderr=subprocess.STDOUT, start_new_session=True,
        )

    def up(self):
        assert self.process.poll() is None, self.log_path.read_text()
        try:
            OPENER.open(f"{self.url}/healthz", timeout=2).close()
        except urllib.error.HTTPError:
            return True
        except OSError:
            return False
        return True

    def stop(self):
        os.killpg(self.process.pid, signal.SIGTERM)
        self.process.wait(15)
        self.log.close()


class Browser:
    """One browser whose requests the load balancer sends to either server; it keeps its cookies itself (the
    servers mark them Secure, as in production, and a cookie jar would keep them from plain http)."""

    def __init__(self):
        self.cookies = {}

    def __call__(self, server, path, data=None):
        headers = {"Host": "testserver"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        try:
            response = OPENER.open(urllib.request.Request(server.url + path, data=body, headers=headers), timeout=20)
        except urllib.error.HTTPError as exc:
            response = exc
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                if morsel["max-age"] == "0":
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
        return response.status, response.headers.get("Location", ""), response.read().decode()

    def csrf_token(self, server, path):
        status, _, page = self(server, path)
        assert status == 200, page[:300]
        return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)


@pytest.fixture(params=["redis", "embedded"])
def servers(request, transactional_db, redis_url, tmp_path):
    """Two servers on the same database; with the suite's Redis, or (embedded) with none, on one machine."""
    env = _worker_env(connection.settings_dict["NAME"], {
        "DJANGO_SETTINGS_MODULE": "tests.portal.web_settings", "SECURE_SSL_REDIRECT": "0", "WEB_CONCURRENCY": "1",
        "GUNICORN_THREADS": "2", "LOOKUP_WRONG_RATE_PER_IP": f"{WRONG_TRIES}/h",
        "TEST_CACHE_KEY_PREFIX": f"web-{uuid.uuid4().hex}",  # this test's counts only, in Redis or var/cache
    })
    if request.param == "embedded":
        env.pop("REDIS_URL")
    pair = [Server(env, tmp_path / f"web-{name}.log") for name in "ab"]
    try:
        assert wait_for(lambda: all(server.up() for server in pair), timeout=60, interval=0.2)
        yield pair
    finally:
        for server in pair:
            server.stop()


def logged_in(browser, server):
    status, location, _ = browser(server, "/accounts/password/change/")
    assert status == 200 or location.startswith("/accounts/login/"), (status, location)
    return status == 200


def test_a_session_opened_on_one_server_is_open_on_the_other_until_logged_out_on_either(servers):
    a, b = servers
    citizen = factories.make_citizen("dan@example.com")
    browser = Browser()
    assert not logged_in(browser, b)

    status, location, _ = browser(a, "/accounts/login/", {
        "login": citizen.email, "password": factories.PASSWORD,
        "csrfmiddlewaretoken": browser.csrf_token(a, "/accounts/login/")})
    assert status == 302 and not location.startswith("/accounts/login/"), location
    assert logged_in(browser, b) and logged_in(browser, a)

    session = browser.cookies["sessionid"]
    status, _, _ = browser(b, "/accounts/logout/", {"csrfmiddlewaretoken": browser.csrf_token(b, "/accounts/logout/")})
    assert status == 302 and "sessionid" not in browser.cookies
    browser.cookies["sessionid"] = session  # the old cookie, as another tab still holds it, is refused by A too
    assert not logged_in(browser, a)


def test_wrong_lookup_codes_counted_on_both_servers_add_up_to_one_limit(servers):
    a, b = servers
    browser = Browser()
    for number in range(WRONG_TRIES):  # A, B, A, B: two each, half the limit
        status, _, page = browser(servers[number % 2], f"/lookup/?code=SAIMA{number:07d}")
        assert status == 200 and "Không tìm thấy văn bản với mã này" in page
    for server in (a, b):
        status, _, page = browser(server, "/lookup/?code=SAIMA9999999")
        assert status == 429 and "nhập sai mã tra cứu quá nhiều lần" in page
