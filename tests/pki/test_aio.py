"""Signing and checking work when the calling thread already runs an event loop (async callers, Playwright)."""

import asyncio

import pytest
from django.utils import timezone

from pki.signing import StampInfo, sign_pdf
from pki.validation import validate_pdf
from tests.documents.conftest import pdf_bytes


@pytest.mark.django_db
def test_sign_and_validate_from_inside_a_running_event_loop(certificate):
    stamp = StampInfo(agency_name="Bộ Nội vụ", number_notation="07/BNV-VP", signed_at=timezone.now())

    async def inside_a_loop():
        signed = sign_pdf(pdf_bytes(), certificate=certificate, stamp=stamp)
        return validate_pdf(signed)

    report = asyncio.run(inside_a_loop())
    assert report.signed and report.all_valid_and_trusted
