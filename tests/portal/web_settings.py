"""Settings of the web process tests/portal/test_broker_down.py starts: the suite's own (Redis, broker and
cache read from the environment as in production), with the suite's fast password hasher and plain
static files (as tests/conftest.py sets them)."""

from tests.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
ALLOWED_HOSTS = ["testserver"]
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}  # noqa: F405
