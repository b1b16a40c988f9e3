"""An untrusted signature checked on /verify/ is an ordinary answer: one log line, never a traceback."""

import logging

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from pki.demo import issue_certificate, new_ca
from pki.signing import StampInfo, sign_pdf
from tests.documents.conftest import pdf_bytes

pytestmark = pytest.mark.django_db


def test_an_untrusted_signature_writes_one_log_line_without_a_traceback(client, other_agency, caplog):
    unknown = issue_certificate(other_agency, ca=new_ca("CA không rõ nguồn gốc"))
    signed = sign_pdf(pdf_bytes(), certificate=unknown, stamp=StampInfo(
        agency_name=other_agency.name, number_notation="12/UBND-VP", signed_at=timezone.now(),
    ))
    caplog.clear()
    with caplog.at_level(logging.DEBUG):
        response = client.post("/verify/", {"file": SimpleUploadedFile("van-ban.pdf", signed, "application/pdf")})
    assert response.status_code == 200 and 'data-verdict="untrusted"' in response.content.decode()
    noted = [r for r in caplog.records if r.levelno >= logging.INFO]
    assert len(noted) == 1, [(r.name, r.getMessage()) for r in noted]
    assert "Failed to build path" in noted[0].getMessage() and "PathBuildingError" in noted[0].getMessage()
    assert not noted[0].exc_info and "Traceback" not in caplog.text
