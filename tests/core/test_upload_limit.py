"""An upload larger than any request may be is answered 413 from its Content-Length, before the body is read."""

from pathlib import Path

import pytest

from documents.models import Outgoing
from tests.documents.conftest import pdf_bytes, pdf_upload

pytestmark = pytest.mark.django_db


def test_an_oversized_upload_is_refused_unread_with_a_vietnamese_page(client_for, specialist, settings):
    settings.MAX_REQUEST_MB = 1
    # The declared length is all the portal looks at: the 10 bytes behind it are never read.
    response = client_for(specialist).generic("POST", "/outgoing/new/", b"0123456789",
                                              content_type="multipart/form-data; boundary=x",
                                              CONTENT_LENGTH=str(3 * 1024 * 1024))
    page = response.content.decode()
    assert response.status_code == 413
    assert "Dữ liệu gửi lên nặng 3,0 MB, vượt giới hạn 1 MB." in page and "Không có gì được lưu" in page


def test_a_real_oversized_draft_stores_nothing(client_for, specialist, leader, unit, settings):
    settings.MAX_REQUEST_MB = 1
    response = client_for(specialist).post("/outgoing/new/", {
        "doc_type": "CV", "summary": "x", "drafting_unit": unit.pk, "signer": leader.pk, "archive_copies": 2,
        "main_file": pdf_upload(), "attachments": [pdf_upload("lon.pdf", data=pdf_bytes() + b"%" * 1024 * 1024)],
    })
    assert response.status_code == 413 and not Outgoing.objects.exists()
    root = Path(settings.MEDIA_ROOT)
    assert not root.exists() or not any(p.is_file() for p in root.rglob("*"))


def test_a_draft_within_the_limit_goes_through(client_for, specialist, leader, unit, settings):
    settings.MAX_REQUEST_MB = 1
    response = client_for(specialist).post("/outgoing/new/", {
        "doc_type": "CV", "summary": "x", "drafting_unit": unit.pk, "signer": leader.pk, "archive_copies": 2,
        "main_file": pdf_upload(),
    })
    assert response.status_code == 302 and Outgoing.objects.count() == 1
