"""A stranger's HTML or SVG, mailed to the agency and registered by the clerk, never runs in the portal's origin
when a colleague opens it; a PDF still shows in Chromium's viewer under the file's sandboxing policy."""

import re

import pytest
from django.db import connection
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect

from documents.models import IncomingFile
from documents.services import incoming as incoming_services
from intake.models import InboundMessage
from intake.services import mailbox_poll
from tests import factories
from tests.browsing import log_in
from tests.core import samples
from tests.intake.conftest import Account, dovecot, dovecot_root, make_mailbox  # noqa: F401 (fixtures)
from tests.intake.mail import build

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]
# The page CSP lets same-origin scripts run: the HTML and the SVG load their script from the next attachment,
# a .mjs file, which a name-guessed type would serve as text/javascript.
PAYLOAD = b"localStorage.setItem('pwned', 'yes'); document.title = 'pwned';"


def html_loading(file_pk):
    return f'<html><body><script src="../{file_pk}/"></script></body></html>'.encode()


def svg_loading(file_pk):
    return (f'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink">'
            f'<script xlink:href="../{file_pk}/"/></svg>').encode()


def next_file_pk():
    """The primary key the next incoming file will take (the attacker can guess it as well)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id'))", [IncomingFile._meta.db_table])
        return cursor.fetchone()[0] + 1


def test_an_emailed_html_or_svg_attachment_does_not_run_when_a_colleague_opens_it(page, dovecot, settings):  # noqa: F811
    settings.MAILBOX_ALLOW_PRIVATE_HOSTS = True
    ministry = factories.make_agency("Bộ Nội vụ", short_name="BNV", code="000.00.00.G09", domain="moha.gov.vn")
    clerk = factories.make_member(ministry, "clerk", user=factories.make_user("vanthu@moha.gov.vn"))
    colleague = factories.make_member(ministry, "leader", user=factories.make_user("lanhdao@moha.gov.vn"))
    account = Account(dovecot)
    first = next_file_pk()  # the files are registered in this order: pdf, html, svg, mjs, pdf
    account.append(build(subject="Công văn 7/UBND-VP", sender="Người lạ <la@example.com>", attachments=[
        ("Công văn 7.pdf", "application/pdf", samples.pdf_bytes()),
        ("bang-ke.html", "text/html", html_loading(first + 3)),
        ("bieu-do.svg", "image/svg+xml", svg_loading(first + 3)),
        ("ghi-chu.mjs", "text/javascript", PAYLOAD),
        ("co-ma.pdf", "application/pdf", samples.pdf_open_action_js()),
    ]))
    mailbox_poll(make_mailbox(ministry, account).pk)
    inbound = InboundMessage.objects.get()

    log_in(page, clerk.user.email)
    page.goto(f"/incoming/mailbox/{inbound.pk}/")
    flagged = page.get_by_test_id("attachment").filter(has_text="co-ma.pdf").get_by_test_id("active-content")
    expect(flagged).to_contain_text("Có nội dung chủ động")
    expect(flagged).to_contain_text("JavaScript")
    incoming = incoming_services.incoming_from_email(membership=clerk, inbound=inbound, sender_name="Người lạ",
                                                     summary="Công văn 7")
    assert list(incoming.files.order_by("pk").values_list("pk", "name"))[1:4] == [
        (first + 1, "bang-ke.html"), (first + 2, "bieu-do.svg"), (first + 3, "ghi-chu.mjs")]

    log_in(page, colleague.user.email)
    page.goto(f"/incoming/{incoming.pk}/")
    expect(page.get_by_test_id("active-content")).to_contain_text("Có nội dung chủ động")
    title = page.title()
    files = page.get_by_test_id("incoming-files").locator("li")
    for name in ("bang-ke.html", "bieu-do.svg"):
        link = files.filter(has_text=name).get_by_role("link", name="Xem")
        link.click()  # opens a new tab, as a colleague would
        page.wait_for_timeout(1000)
        try:  # and typed in the address bar
            page.goto(link.get_attribute("href"))
        except PlaywrightError as exc:
            assert "Download is starting" in str(exc)
        page.wait_for_timeout(500)
        page.goto(f"/incoming/{incoming.pk}/")
        # The script would have written to the portal origin's storage and retitled the page.
        assert page.evaluate("localStorage.getItem('pwned')") is None
        assert page.title() == title
        assert all(opened.title() != "pwned" for opened in page.context.pages)
        with page.expect_download() as download:
            link.click()
        assert download.value.suggested_filename == name

    # The PDF still shows inline, in Chromium's own viewer, sandboxed.
    href = files.filter(has_text="Công văn 7.pdf").get_by_role("link", name="Xem").get_attribute("href")
    headers = page.goto(href).all_headers()
    assert headers["content-type"] == "application/pdf" and headers["x-content-type-options"] == "nosniff"
    assert "sandbox" in headers["content-security-policy"]
    assert pdf_viewer_opened(page)


def pdf_viewer_opened(page, seconds=10):
    for _ in range(seconds * 4):
        if any(re.match(r"chrome-extension://[a-z]+/", frame.url) for frame in page.frames):
            return True
        page.wait_for_timeout(250)
    return False
