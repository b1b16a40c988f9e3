"""What a person does in the browser tests, written once."""

import re

from playwright.sync_api import expect

from tests import factories


def log_in(page, email, totp_secret=None, *, lands_on=r"/dashboard/$"):
    """Log in through the real form (and the TOTP step when the person has one), as a new visitor."""
    page.context.clear_cookies()
    page.goto("/accounts/login/")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", factories.PASSWORD)
    page.locator("form.portal-form button[type=submit]").first.click()
    if totp_secret:
        expect(page).to_have_url(re.compile(r"/accounts/2fa/authenticate/"))
        page.fill("input[name=code]", factories.totp_code(totp_secret))
        page.locator("form.portal-form button[type=submit]").first.click()
    if lands_on:
        expect(page).to_have_url(re.compile(lands_on))
