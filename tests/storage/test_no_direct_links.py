"""No page links a stored file directly: no template or code takes a file field's `.url` (with a bucket that would
be the bucket's address), and nothing serves MEDIA_URL — every file goes through a view that checks permissions."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
APPS = ["core", "accounts", "agencies", "incidents", "pki", "ocr", "intake", "documents", "exchange", "schedules",
        "meetings", "archive", "reports", "public_site", "api", "search", "portal"]
FILE_URL = re.compile(r"\.(draft|signed|approved|file|scan|ocr_pdf|raw|image|pdf|ics|source|envelope|prepared)\.url\b")


def sources():
    yield from (ROOT / "templates").rglob("*.html")
    yield from (ROOT / "templates").rglob("*.txt")
    for app in APPS:
        yield from (ROOT / app).rglob("*.py")


def test_no_template_or_code_links_a_stored_file_by_its_url():
    found = [f"{path.relative_to(ROOT)}: {match.group(0)}" for path in sources()
             for match in FILE_URL.finditer(path.read_text(encoding="utf-8"))]
    assert found == []


def test_nothing_serves_the_media_folder():
    urls = (ROOT / "portal" / "urls.py").read_text()
    assert "MEDIA_URL" not in urls and "static.serve" not in urls


@pytest.mark.django_db
def test_a_stored_file_is_not_reachable_under_media_url(client_for, specialist, leader, settings):
    from documents.services import outgoing as services
    from tests.documents.conftest import pdf_upload

    outgoing = services.outgoing_create(
        membership=specialist, main_file=pdf_upload(), attachments=[], doc_type="CV", summary="V/v thử",
        secrecy="", urgency="", drafting_unit=specialist.unit, signer=leader, archive_copies=1)
    name = outgoing.files.get().draft.name
    assert (Path(settings.MEDIA_ROOT) / name).exists()
    assert client_for(specialist).get(f"/{settings.MEDIA_URL}{name}").status_code == 404
