"""Production as `make serve` runs it: DEBUG off, hashed static files from a real collectstatic, gunicorn."""

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request

import pytest
from django.core.management import call_command
from django.db import connection
from django.templatetags.static import static
from django.test import override_settings

from tests.conftest import ROOT, _worker_env
from tests.portal.pages import main_pages

MANIFEST = "whitenoise.storage.CompressedManifestStaticFilesStorage"


@pytest.fixture(scope="session")
def collected_static(tmp_path_factory):
    """STATIC_ROOT filled by collectstatic under the manifest storage, as in production: once per run (25 s). Per
    module it ran three times, pytest-django running this module's database tests apart from the others."""
    root = tmp_path_factory.mktemp("staticfiles")
    with override_settings(STATIC_ROOT=root, STORAGES={"staticfiles": {"BACKEND": MANIFEST}}):
        call_command("collectstatic", "--no-input", verbosity=0)
    return root


@pytest.fixture
def production_static(settings, collected_static):
    settings.DEBUG = False
    settings.STATIC_ROOT = collected_static
    settings.STORAGES = {**settings.STORAGES, "staticfiles": {"BACKEND": MANIFEST}}
    return collected_static


@pytest.mark.django_db
def test_main_pages_render_with_debug_off_and_hashed_static_files(
    client, production_static, leader, clerk, specialist, admin_member, citizen
):
    members = {"leader": leader, "clerk": clerk, "specialist": specialist, "admin": admin_member}
    seen = 0
    for who, path, response in main_pages(client, members, citizen):
        assert response.status_code == 200, (who, path, response.status_code)
        html = response.content.decode()
        assert re.search(r'/static/portal/portal\.[0-9a-f]{12}\.css', html), (who, path)
        seen += 1
    assert seen >= 20
    stylesheet = client.get(static("vendor/bootstrap/bootstrap.min.css"))
    assert stylesheet.status_code == 200
    assert "sourceMappingURL" not in b"".join(stylesheet.streaming_content).decode()


def test_collectstatic_with_manifest_storage_needs_no_missing_source_map(production_static):
    import json

    manifest = json.loads((production_static / "staticfiles.json").read_text())["paths"]
    assert "vendor/bootstrap/bootstrap.bundle.min.js" in manifest
    assert "vendor/chartjs/chart.umd.min.js.map" in manifest  # shipped, so its reference is kept and hashed


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(url, timeout=5):
    request = urllib.request.Request(url, headers={"Host": "127.0.0.1"})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return response.status, dict(response.headers), response.read()


@pytest.mark.django_db(transaction=True)
def test_gunicorn_serves_the_login_page_and_static_files_with_debug_off(tmp_path, collected_static):
    port = _free_port()
    var_dir = tmp_path / "var"
    var_dir.mkdir()
    (var_dir / "staticfiles").symlink_to(collected_static, target_is_directory=True)
    env = _worker_env(connection.settings_dict["NAME"], {
        "DEBUG": "0", "DJANGO_SETTINGS_MODULE": "portal.settings", "PORTAL_VAR_DIR": str(var_dir), "SECURE_SSL_REDIRECT": "0", "ALLOWED_HOSTS": "127.0.0.1",
        "GUNICORN_BIND": f"127.0.0.1:{port}", "WEB_CONCURRENCY": "1", "GUNICORN_THREADS": "2",
    })
    log = (tmp_path / "gunicorn.log").open("wb")
    process = subprocess.Popen(
        [os.path.join(os.path.dirname(sys.executable), "gunicorn"), "--config", "portal/gunicorn.conf.py",
         "portal.wsgi"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )
    try:
        deadline, status = time.monotonic() + 60, None
        while time.monotonic() < deadline and process.poll() is None:
            try:
                status, headers, body = _get(f"http://127.0.0.1:{port}/accounts/login/")
                break
            except OSError:
                time.sleep(0.3)
        assert status == 200, (tmp_path / "gunicorn.log").read_text()
        assert "gunicorn" in headers.get("Server", "").lower()
        page = body.decode()
        css = re.search(r'href="(/static/portal/portal\.[0-9a-f]{12}\.css)"', page)
        assert css, page[:500]
        status, headers, body = _get(f"http://127.0.0.1:{port}{css.group(1)}")
        assert status == 200 and b".navbar-portal" in body
        assert "max-age" in headers["Cache-Control"]
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(15)
        log.close()
