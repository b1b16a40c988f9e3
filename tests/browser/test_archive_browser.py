"""The archive in headless Chromium: a clerk picks a folder whose sheet has bad rows and sees every one by line,
nothing imported; then uploads a ZIP and the progress bar (static/portal/archive.js polling the batch) follows a
real Celery worker to the end without the clerk reloading the page."""

import re

import pytest
from playwright.sync_api import expect

from archive.models import ArchiveBatch, ArchivedDocument
from tests import factories
from tests.archive.conftest import csv_bytes, package, row, scans_for
from tests.browser.test_accessibility import AXE, findings
from tests.browsing import log_in

pytestmark = [pytest.mark.browser, pytest.mark.worker]
DOCUMENTS = 40


@pytest.fixture
def archive_clerk(transactional_db):
    agency = factories.make_agency("Ủy ban nhân dân tỉnh Kon Tum", code="000.00.00.H34", domain="kontum.gov.vn")
    return factories.make_member(agency, "clerk", position="Văn thư",
                                 user=factories.make_user("vanthu@kontum.gov.vn", full_name="Hà Thị Lưu"))


def test_a_clerk_sees_bad_rows_then_follows_a_batch_to_the_end(page, archive_clerk, celery_worker, tmp_path):
    log_in(page, archive_clerk.user.email)
    page.get_by_test_id("nav-archive").click()
    expect(page).to_have_url(re.compile(r"/archive/batches/$"))

    # A folder whose sheet has a row without a summary and a row naming a scan that is not there.
    rows = [row(1, scan="vb0001.pdf"), row(2, scan="vb0002.pdf", **{"Trích yếu": ""}),
            row(3, scan="vb0009.pdf")]
    folder = tmp_path / "phong-1998"
    folder.mkdir()
    for name, data in scans_for(rows[:2]).items():
        (folder / name).write_bytes(data)
    (folder / "du-lieu.csv").write_bytes(csv_bytes(rows))
    page.fill("input[name=title]", "Phông 1998 (thư mục)")
    page.set_input_files("input[name=folder]", str(folder))
    page.get_by_test_id("batch-submit").click()
    expect(page.get_by_test_id("batch-rejected")).to_be_visible()
    errors = page.get_by_test_id("batch-errors").locator("li")
    expect(errors).to_have_count(2)
    expect(errors.nth(0)).to_contain_text("Dòng 3")
    expect(errors.nth(1)).to_contain_text("Dòng 4")
    expect(errors.nth(1)).to_contain_text("vb0009.pdf")
    assert not ArchivedDocument.objects.exists()

    # A good ZIP: the worker stores and reads it while the page follows.
    zip_path = tmp_path / "phong-1998.zip"
    zip_path.write_bytes(package([row(n) for n in range(1, DOCUMENTS + 1)]))
    polled = []
    page.on("request", lambda request: polled.append(request.url) if "/progress/" in request.url else None)
    page.goto("/archive/batches/")
    page.fill("input[name=title]", "Phông 1998")
    page.set_input_files("input[name=package]", str(zip_path))
    page.get_by_test_id("batch-submit").click()
    expect(page).to_have_url(re.compile(r"/archive/batches/\d+/$"))
    progress = page.get_by_test_id("batch-progress")
    expect(progress).to_be_visible()
    expect(page.get_by_test_id("batch-status")).to_have_text("Hoàn thành", timeout=90000)
    expect(progress).to_have_attribute("aria-valuenow", "100")
    expect(page.get_by_test_id("batch-documents").locator("tbody tr")).to_have_count(DOCUMENTS)
    batch = ArchiveBatch.objects.get(title="Phông 1998")
    assert batch.status == ArchiveBatch.Status.DONE
    assert polled, "the page never asked for the batch's progress"


def test_the_archive_pages_have_no_serious_accessibility_violation(browser, live_server, archive_clerk, tmp_path,
                                                                  django_capture_on_commit_callbacks):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from archive import services

    assert AXE.exists(), "axe-core is missing: `make setup-dev` installs it (npm ci)."
    with django_capture_on_commit_callbacks(execute=True):
        batch = services.batch_import(membership=archive_clerk, title="Phông 1998",
                                      package_file=SimpleUploadedFile("goi.zip", package([row(1), row(2)])))
    context = browser.new_context(locale="vi-VN", base_url=live_server.url, bypass_csp=True)
    page = context.new_page()
    log_in(page, archive_clerk.user.email)
    document = batch.documents.first()
    assert not findings(page, ["/archive/batches/", f"/archive/batches/{batch.pk}/", "/archive/documents/",
                               f"/archive/documents/{document.pk}/"])
    context.close()
