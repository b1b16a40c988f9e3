"""The suite runs with production settings (DEBUG off), which refuse to start without their own keys.

These test-only keys are put into the environment before portal.settings reads it, so subprocesses the
tests start (workers, gunicorn, settings probes) inherit them too.
"""

import os

os.environ.setdefault("SECRET_KEY", "test-only-secret-key-0c7f3a9e5b1d4f2a8e6c0b9d7a5f3e1c")
os.environ.setdefault("FIELD_ENCRYPTION_KEY", "dGVzdC1vbmx5LWZpZWxkLWVuY3J5cHRpb24ta2V5LTA=")

from portal.settings import *  # noqa: E402, F403

INSTALLED_APPS = [*INSTALLED_APPS, "devtools"]  # noqa: F405 - manage.py seed_demo, as make run has it

# Production keeps a connection per thread for a minute (DB_CONN_MAX_AGE). The suite's live servers serve each request
# in a thread of their own: their connections close with the request, or the test database could not be dropped at
# the end of the run while one of them was still open.
DATABASES["default"]["CONN_MAX_AGE"] = 0  # noqa: F405
if "replica" in DATABASES:  # noqa: F405 - DATABASE_REPLICA_URL set: the same for the replica's connections
    DATABASES["replica"]["CONN_MAX_AGE"] = 0  # noqa: F405
