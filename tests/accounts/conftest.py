import re
import uuid

import pytest


@pytest.fixture(autouse=True)
def _own_cache_keys(settings):
    """allauth keeps rate limits and used TOTP codes in the (real) cache; a fresh key prefix per test
    keeps one test's logins from counting against the next test, or against the next run of the suite."""
    settings.CACHES = {
        name: {**conf, "KEY_PREFIX": f"test-{uuid.uuid4().hex}"} for name, conf in settings.CACHES.items()
    }


@pytest.fixture
def link_in():
    """The path of the first link in a plain-text e-mail (links carry SITE_URL or the request's host)."""

    def find(message):
        url = re.search(r"https?://[^/\s]+(/\S+)", message.body)
        assert url, message.body
        return url.group(1)

    return find
