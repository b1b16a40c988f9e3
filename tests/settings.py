"""The suite runs with production settings (DEBUG off), which refuse to start without their own keys.

These test-only keys are put into the environment before portal.settings reads it, so subprocesses the
tests start (workers, gunicorn, settings probes) inherit them too.
"""

import os
from urllib.parse import urlsplit, urlunsplit

os.environ.setdefault("SECRET_KEY", "test-only-secret-key-0c7f3a9e5b1d4f2a8e6c0b9d7a5f3e1c")
os.environ.setdefault("FIELD_ENCRYPTION_KEY", "dGVzdC1vbmx5LWZpZWxkLWVuY3J5cHRpb24ta2V5LTA=")


def _redis_database_of_this_worker():
    """Under pytest-xdist (`make test` runs the suite in two processes, gw0 and gw1) each process gets a Redis database
    of its own: REDIS_URL's number plus the worker's index. Celery's queues, its control messages (a worker's ping,
    the purge before each worker test) and the tests' scans of keys are per database: on one, a test's worker would
    answer, or take the tasks of, the other process's test. Done once, in the pytest process: the processes it starts
    (Celery workers, gunicorn, drivers) inherit the result and the mark, and some set a REDIS_URL of their own."""
    worker, url = os.environ.get("PYTEST_XDIST_WORKER"), os.environ.get("REDIS_URL")
    if not worker or not url or os.environ.get("PORTAL_TEST_REDIS_WORKER") == worker:
        return
    parts = urlsplit(url)
    database = int(parts.path.strip("/") or 0) + int(worker.removeprefix("gw"))  # Redis has 16 (0-15) by default
    os.environ["REDIS_URL"] = urlunsplit(parts._replace(path=f"/{database}"))
    os.environ["PORTAL_TEST_REDIS_WORKER"] = worker


_redis_database_of_this_worker()

from portal.settings import *  # noqa: E402, F403

INSTALLED_APPS = [*INSTALLED_APPS, "devtools"]  # noqa: F405 - manage.py seed_demo, as make run has it

# Production keeps a connection per thread for a minute (DB_CONN_MAX_AGE). The suite's live servers serve each request
# in a thread of their own: their connections close with the request, or the test database could not be dropped at
# the end of the run while one of them was still open.
DATABASES["default"]["CONN_MAX_AGE"] = 0  # noqa: F405
if "replica" in DATABASES:  # noqa: F405 - DATABASE_REPLICA_URL set: the same for the replica's connections
    DATABASES["replica"]["CONN_MAX_AGE"] = 0  # noqa: F405
