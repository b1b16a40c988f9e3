"""In headless Chromium: a citizen checks a modified copy of an issued document on /verify/ and sees no green,
a verdict that says the file was modified, every check said in words, and the issuer said in Vietnamese."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.test_accessibility import axe_page, serious_violations  # noqa: F401 (fixture)
from tests.public.conftest import issue, signed_bytes, to_citizen  # noqa: F401 (fixture)
from tests.public.test_verify import tampered
from tests.public.test_verify_verdict_words import text_added_after_signing

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]

# The signer's signature and the agency's (7 checks each), the document timestamp (5).
CHECKS = 7 + 7 + 5


def check_in_browser(page, path):
    page.goto("/verify/")
    page.set_input_files("input[name=file]", str(path))
    page.get_by_test_id("verify-submit").click()
    return page.get_by_test_id("verdict")


@pytest.mark.parametrize("modify", [tampered, text_added_after_signing], ids=["bytes-changed", "text-added"])
def test_a_modified_file_is_never_shown_green_and_says_so_in_words(page, issue, tmp_path, modify):  # noqa: F811
    outgoing = issue(to_citizen("dan@example.com"))
    path = tmp_path / "van-ban-da-sua.pdf"
    path.write_bytes(modify(signed_bytes(outgoing)))

    verdict = check_in_browser(page, path)
    expect(verdict).to_have_attribute("data-verdict", "modified")
    expect(page.get_by_test_id("verdict-title")).to_have_text("Tệp đã bị sửa đổi")
    expect(page.get_by_test_id("verdict-message")).to_contain_text(outgoing.notation)
    # Nothing on the page is painted as a pass: no green text, no green check.
    assert page.locator("main .text-success, main .bi-check-circle-fill, main .alert-success").count() == 0
    checks = page.get_by_test_id("signature-check")
    expect(checks).to_have_count(CHECKS)
    for index in range(CHECKS):
        check = checks.nth(index)
        said = check.locator("strong").inner_text()
        assert said in ("Không đạt", "Chỉ đúng với phần tệp trước khi bị sửa")
        expect(check.get_by_role("img")).to_have_attribute("aria-label", said)
    expect(page.get_by_test_id("article-5")).to_have_attribute("data-meets", "no")
    issuer = page.get_by_test_id("signature-issuer").first
    expect(issuer).to_contain_text(re.compile(r"^Tổ chức cấp chứng thư: .*Tổ chức: "))
    expect(issuer).not_to_contain_text("Common Name")


def test_the_untouched_file_is_green_with_each_check_passed_in_words(page, issue, tmp_path):  # noqa: F811
    outgoing = issue(to_citizen("dan@example.com"))
    path = tmp_path / "van-ban.pdf"
    path.write_bytes(signed_bytes(outgoing))
    expect(check_in_browser(page, path)).to_have_attribute("data-verdict", "genuine")
    expect(page.get_by_test_id("signature-check").locator("strong")).to_have_text(["Đạt"] * CHECKS)
    expect(page.get_by_test_id("article-5")).to_have_attribute("data-meets", "yes")


@pytest.mark.parametrize("modify", [None, tampered], ids=["genuine", "modified"])
def test_the_verdict_and_its_signature_report_have_no_serious_accessibility_finding(
        axe_page, issue, tmp_path, modify):  # noqa: F811
    data = signed_bytes(issue(to_citizen("dan@example.com")))
    path = tmp_path / "van-ban.pdf"
    path.write_bytes(modify(data) if modify else data)
    expect(check_in_browser(axe_page, path)).to_be_visible()
    expect(axe_page.get_by_test_id("article-5")).to_be_visible()
    assert serious_violations(axe_page) == []
