import datetime
import hashlib
from io import BytesIO

import pytest
from cryptography.hazmat.primitives import serialization
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

from pki import demo
from pki.services import certificate_install
from pki.signing import StampInfo, sign_pdf, stamp_attachment
from pki.validation import validate_pdf

from .conftest import make_pdf

STAMP = StampInfo("Bộ Nội vụ", "15/QĐ-BNV", datetime.datetime(2026, 11, 21, 2, 30, tzinfo=datetime.UTC))


@pytest.fixture
def signed(certificate, pdf_bytes):
    return sign_pdf(pdf_bytes, certificate=certificate, stamp=STAMP)


def test_signed_file_is_valid_and_trusted(signed):
    report = validate_pdf(signed)

    assert report.signed and report.all_valid_and_trusted and report.status == "valid"
    assert report.sha256 == hashlib.sha256(signed).hexdigest()
    [signature] = report.signatures
    assert signature.signer_name == "Bộ Nội vụ"
    assert "Bộ Nội vụ" in signature.signer_subject
    assert "Demo CA – Cổng trao đổi văn bản" in signature.issuer
    assert signature.claimed_at == STAMP.signed_at
    assert signature.intact and signature.valid and signature.trusted
    assert signature.covers_whole_file and not signature.modified_after_signing
    assert signature.summary.startswith("Chữ ký số của cơ quan, tổ chức – Cơ quan, tổ chức: Bộ Nội vụ: Hợp lệ")
    assert not signature.error


def test_tampered_file_is_flagged(signed):
    # Change one byte of the signed content (the producer string) without touching the structure.
    tampered = bytearray(signed)
    tampered[signed.index(b"ReportLab PDF Library")] = ord("X")

    report = validate_pdf(bytes(tampered))

    assert report.status == "tampered" and not report.all_valid_and_trusted
    [signature] = report.signatures
    assert not signature.intact
    assert "bị sửa sau khi ký" in signature.summary


def test_file_changed_by_a_later_update_is_flagged(signed):
    writer = IncrementalPdfFileWriter(BytesIO(signed))
    writer.add_stream_to_page(0, writer.add_object(generic.StreamObject(stream_data=b"BT /F1 24 Tf 100 100 Td (SUA) Tj ET")))
    out = BytesIO()
    writer.write(out)

    report = validate_pdf(out.getvalue())

    [signature] = report.signatures
    assert signature.intact and signature.valid
    assert not signature.covers_whole_file and signature.modified_after_signing
    assert report.status == "modified" and not report.all_valid_and_trusted
    assert "sửa đổi nội dung sau khi ký" in signature.summary


def test_later_agency_signature_is_not_a_modification(signed, certificate):
    twice = stamp_attachment(signed, certificate=certificate, stamp=STAMP)

    report = validate_pdf(twice)

    first, second = report.signatures
    assert not first.covers_whole_file and not first.modified_after_signing
    assert "chỉ được ký thêm" in first.summary and first.changes == "permitted"
    assert second.covers_whole_file
    assert report.all_valid_and_trusted


def test_file_signed_by_an_unknown_ca_is_untrusted(agency, pdf_bytes):
    stranger = demo.new_ca("CA lạ")
    cert, key, chain = demo.issue_keypair(agency.name, ca=stranger)
    record = certificate_install(agency=agency, certificate=cert, private_key=key, chain=chain)

    report = validate_pdf(sign_pdf(pdf_bytes, certificate=record, stamp=STAMP))

    [signature] = report.signatures
    assert signature.intact and signature.valid and not signature.trusted
    assert report.status == "untrusted" and not report.all_valid_and_trusted
    assert "không tin cậy: chứng thư số không do tổ chức" in signature.summary


def test_ca_named_in_pki_trust_roots_is_trusted(settings, agency, pdf_bytes, tmp_path):
    partner = demo.new_ca("CA đối tác")
    cert, key, chain = demo.issue_keypair(agency.name, ca=partner)
    record = certificate_install(agency=agency, certificate=cert, private_key=key, chain=chain)
    roots = tmp_path / "roots.pem"
    roots.write_bytes(partner.certificate.public_bytes(serialization.Encoding.PEM))
    settings.PKI_TRUST_ROOTS = [str(tmp_path / "missing.pem"), str(roots)]

    report = validate_pdf(sign_pdf(pdf_bytes, certificate=record, stamp=STAMP))

    assert report.all_valid_and_trusted


def test_demo_ca_is_not_trusted_when_switched_off(settings, signed):
    settings.PKI_TRUST_DEMO_CA = False
    report = validate_pdf(signed)
    assert report.status == "untrusted"


def test_unsigned_file_reports_unsigned(pdf_bytes):
    report = validate_pdf(pdf_bytes)

    assert not report.signed and report.status == "unsigned" and not report.all_valid_and_trusted
    assert report.summary == "Tệp không có chữ ký số."
    assert not report.error


@pytest.mark.parametrize("garbage", [b"", b"rubbish", b"%PDF-1.7\n%%EOF", b"%PDF-1.4\n" + b"\xff" * 300, None])
def test_garbage_gets_a_report_with_an_error(garbage):
    report = validate_pdf(garbage)

    assert report.status == "error" and report.error and not report.signed
    assert report.summary == report.error


def test_encrypted_file_gets_a_report_with_an_error():
    report = validate_pdf(make_pdf(encrypt="mat-khau"))
    assert report.status == "error" and "mật khẩu" in report.error


def test_damaged_signature_gets_an_error_not_an_exception(signed):
    start = signed.index(b"/Contents <") + len(b"/Contents <")
    damaged = signed[:start] + b"00" * 40 + signed[start + 80:]

    report = validate_pdf(damaged)

    assert report.signed and not report.all_valid_and_trusted
    assert report.signatures[0].status in {"error", "tampered", "invalid"}
