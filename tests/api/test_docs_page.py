"""The API's docs page works under the portal's Content-Security-Policy: Swagger UI from our own static files,
its start-up script from our own URL, no inline script, and the published schema rendered."""

import re

import pytest
from django.contrib.staticfiles import finders
from playwright.sync_api import expect


def test_the_docs_page_has_no_inline_script_and_loads_everything_from_the_portal(client, settings):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    assert response["Content-Security-Policy"] == settings.CONTENT_SECURITY_POLICY
    html = response.content.decode()
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", html, flags=re.S)
    assert scripts and all('src="/' in attrs and not body.strip() for attrs, body in scripts)
    for url in re.findall(r'(?:src|href)="(/static/[^"?]+)', html):
        assert finders.find(url.removeprefix("/static/")), url
    start = client.get(re.search(r'<script src="(/api/docs/\?[^"]*script[^"]*)"', html).group(1).replace("&amp;", "&"))
    assert start.status_code == 200 and start["Content-Type"].startswith("application/javascript")
    assert "/api/schema/" in start.content.decode()


@pytest.mark.browser
@pytest.mark.usefixtures("transactional_db")
def test_swagger_ui_renders_the_schema_in_chromium_and_nothing_is_blocked(page):
    violations = []
    page.on("console", lambda message: violations.append(message.text)
            if "Content Security Policy" in message.text else None)
    page.goto("/api/docs/")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("API Cổng trao đổi văn bản")
    expect(page.locator(".opblock-summary-path", has_text="/api/v1/outgoing/").first).to_be_visible()
    assert violations == []
