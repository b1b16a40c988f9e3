"""Every page carries a Content-Security-Policy that runs no inline script, and a Permissions-Policy."""

import re

import pytest
from django.http import HttpResponse
from django.test import RequestFactory

from core.middleware import SecurityHeadersMiddleware
from tests.portal.pages import main_pages

INLINE_HANDLER = re.compile(r"<[^>]*\son[a-z]+\s*=", re.IGNORECASE)
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/(?:ld\+)?json\")[^>]*>", re.IGNORECASE)


def _directives(header):
    return {part.split()[0]: part.split()[1:] for part in (p.strip() for p in header.split(";")) if part}


@pytest.mark.django_db
def test_main_pages_forbid_inline_script_and_carry_no_inline_handlers(
    client, leader, clerk, specialist, admin_member, citizen
):
    members = {"leader": leader, "clerk": clerk, "specialist": specialist, "admin": admin_member}
    for who, path, response in main_pages(client, members, citizen):
        assert response.status_code == 200, (who, path)
        policy = _directives(response["Content-Security-Policy"])
        script = policy.get("script-src", policy.get("default-src"))
        assert script == ["'self'"], (who, path, script)
        assert policy["object-src"] == ["'none'"] and policy["frame-ancestors"] == ["'none'"]
        assert "camera=()" in response["Permissions-Policy"]
        html = response.content.decode()
        assert not INLINE_HANDLER.search(html), (who, path, INLINE_HANDLER.search(html).group(0))
        assert not INLINE_SCRIPT.search(html), (who, path, INLINE_SCRIPT.search(html).group(0))


def test_a_response_with_its_own_policy_keeps_it():
    strict = "default-src 'none'; sandbox"

    def file_view(request):
        response = HttpResponse(b"%PDF-1.7", content_type="application/pdf")
        response["Content-Security-Policy"] = strict
        return response

    response = SecurityHeadersMiddleware(file_view)(RequestFactory().get("/files/1"))
    assert response["Content-Security-Policy"] == strict
    assert "Permissions-Policy" in response
