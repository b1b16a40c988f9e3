"""Settings of the web processes tests/portal/test_broker_down.py and test_web_servers.py start: the suite's own
(Redis, broker and cache read from the environment as in production), with the suite's fast password hasher, plain
static files (as tests/conftest.py sets them) and the cache key prefix the test gives (as tests/conftest.py gives
each test its own)."""

import os

from tests.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
ALLOWED_HOSTS = ["testserver"]
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}  # noqa: F405
CACHES["default"]["KEY_PREFIX"] = os.environ.get("TEST_CACHE_KEY_PREFIX", "")  # noqa: F405
