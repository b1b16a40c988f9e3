"""edXML envelopes: what is written is read back the same, signed by the agency, and checked."""

import datetime

import pytest

from exchange import edxml
from exchange.packages import outgoing_envelope

pytestmark = pytest.mark.django_db


def active_certificate(agency):
    return agency.certificates.get(is_active=True)


def test_a_document_envelope_reads_back_field_for_field_and_byte_for_byte(issued, agency):
    envelope = outgoing_envelope(issued)
    data = edxml.envelope_bytes(envelope, certificate=active_certificate(agency))
    read = edxml.envelope_read(data)
    assert read.message == envelope
    assert "BEGIN CERTIFICATE" in read.signer_pem
    assert [a.data for a in read.message.attachments] == [f.signed.read() for f in
                                                           sorted(issued.files.all(), key=lambda f: f.kind != "main")]


def test_a_status_envelope_reads_back(certified, agency):
    status = edxml.StatusMessage(document_id="000.00.00.H40,2026/11/30,12/UBND-VP", from_code=agency.code,
                                 to_code="000.00.00.H40", code="02", reason="Gửi nhầm cơ quan",
                                 staff_name="Nguyễn Thị Văn Thư",
                                 at=datetime.datetime(2026, 12, 1, 9, 30, tzinfo=datetime.UTC))
    read = edxml.envelope_read(edxml.envelope_bytes(status, certificate=active_certificate(agency)))
    assert read.message == status
