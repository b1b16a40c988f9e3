import json
import os
import shutil
import subprocess
import sys
import uuid

import pytest

from tests.conftest import ROOT

from .pgcluster import Cluster, private_dir


@pytest.fixture(scope="session")
def wal_archive():
    """Where the private primary archives its WAL (archive_command as docs/deploy.md writes it)."""
    path = private_dir("portal-wal-")
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="session")
def primary(wal_archive):
    """A private PostgreSQL primary as the deployment guide sets one up (streaming replication allowed, WAL archived),
    with the portal's database migrated: `portal`; pg_stat_statements tells which statements it (or a replica) ran."""
    cluster = Cluster.create(archive_mode="on", archive_command=f"'test ! -f {wal_archive}/%f && cp %p {wal_archive}/%f'",
                             shared_preload_libraries="'pg_stat_statements'")
    try:
        cluster.sql("CREATE DATABASE portal")
        cluster.sql("CREATE EXTENSION pg_stat_statements", database="portal")  # which server ran what (replicas too)
        subprocess.run([sys.executable, "manage.py", "migrate", "--no-input", "-v0"], cwd=ROOT, check=True,
                       env={**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings",
                            "DATABASE_URL": cluster.url("portal")})
        yield cluster
    finally:
        cluster.remove()


class Portal:
    """The portal in a process of its own (tests/deploy/portal_driver.py) on the private clusters."""

    def __init__(self, var_dir, **environment):
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.portal.web_settings", "PORTAL_VAR_DIR": str(var_dir),
               "MEDIA_ROOT": str(var_dir / "media"), **environment}
        env.pop("REDIS_URL", None)  # tasks in-process, cache in var_dir: nothing shared with the suite
        self.process = subprocess.Popen([sys.executable, "-m", "tests.deploy.portal_driver"], cwd=ROOT, env=env,
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)

    def __call__(self, op, **arguments):
        self.process.stdin.write(json.dumps({"op": op, **arguments}) + "\n")
        self.process.stdin.flush()
        line = self.process.stdout.readline()
        assert line, f"the portal process ended (exit {self.process.wait()})"
        return json.loads(line)

    def close(self):
        self.process.stdin.close()
        self.process.wait(timeout=30)


@pytest.fixture
def portal_on(tmp_path):
    """portal_on(DATABASE_URL=…, …): a portal process with that environment, ended after the test."""
    started = []

    def start(**environment):
        started.append(Portal(tmp_path / f"var{len(started)}", **environment))
        return started[-1]

    yield start
    for portal in started:
        portal.close()


def register(portal, who):
    """A clerk registers a paper document with its scan; the page after the action shows it. Returns its summary."""
    summary = f"Về việc kiểm tra bản sao {uuid.uuid4().hex[:8]}"
    after = portal("paper", who=who, summary=summary)
    assert after["status"] == 200 and after["path"].startswith("/incoming/")
    assert summary in after["body"]
    return summary
