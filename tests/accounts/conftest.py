import re

import pytest


@pytest.fixture
def link_in():
    """The path of the first link in a plain-text e-mail (links carry SITE_URL or the request's host)."""

    def find(message):
        url = re.search(r"https?://[^/\s]+(/\S+)", message.body)
        assert url, message.body
        return url.group(1)

    return find
