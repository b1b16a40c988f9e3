"""Each signature reported on its own (who, when, revocation at signing time, long-term data, later changes)
and Decree 30 Art. 5 on the whole document, against the demo OCSP, CRL and TSA running on loopback."""

import datetime
import time
from io import BytesIO

import pytest
from django.utils import timezone
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

from pki import demo
from pki.signing import SignerBlock, prepare_for_approval, seal_main, sign_as_signer
from pki.validation import AGENCY, GOOD, PERSON, REVOKED, TIMESTAMP, UNKNOWN, validate_pdf

from .conftest import make_pdf
from .ltv_pdfs import add_current_revocation_data, sign, simple_signer
from .test_engine import SEAL_PNG

pytestmark = pytest.mark.django_db


@pytest.fixture
def person(agency):
    return demo.issue_personal_keypair("Nguyễn Văn An", agency_name=agency.name, title="Chủ tịch")


@pytest.fixture
def seal(agency):
    return demo.issue_keypair(agency.name)


@pytest.fixture
def two_signatures(person, seal):
    """The signer's signature, then the agency's with a document timestamp after it (B-LTA)."""
    return sign(sign(make_pdf(), person, field="ChuKyNguoiKy"), seal, field="ChuKyCoQuan", document_timestamp=True)


def serial(keypair):
    return format(keypair[0].serial_number, "X")


def revoke_a_second_later(keypair):
    """Revocation times are written to the second: one in the timestamp's own second counts as before it."""
    time.sleep(1.1)
    demo.revoke(serial(keypair))


def test_person_and_agency_signatures_meet_article_5(two_signatures):
    report = validate_pdf(two_signatures)

    signer, agency, stamp = report.signatures
    assert (signer.kind, agency.kind, stamp.kind) == (PERSON, AGENCY, TIMESTAMP)
    assert report.meets_article_5 and report.article_5_problems == []
    assert report.article_5_text.startswith("Đáp ứng Điều 5")
    assert all(s.ok for s in report.signatures) and report.last_signer is agency
    assert signer.who == "Cá nhân: Nguyễn Văn An (Chủ tịch, Bộ Nội vụ)"
    assert agency.who == "Cơ quan, tổ chức: Bộ Nội vụ"
    assert "Demo CA – Cổng trao đổi văn bản" in signer.issuer
    assert signer.timestamped_at and signer.when.startswith("Có dấu thời gian của Demo TSA")
    assert signer.revocation == GOOD and signer.long_term == "B-LTA"
    assert signer.changes == agency.changes == stamp.changes == "permitted"
    assert stamp.changes_text.startswith("Chỉ bổ sung dữ liệu kiểm tra")
    assert stamp.when.startswith("Dấu thời gian lúc") and stamp.timestamped_at
    assert [row.state for row in signer.rows()] == ["pass"] * 7


def test_only_the_agency_signature_is_flagged(seal):
    report = validate_pdf(sign(make_pdf(), seal, field="ChuKyCoQuan"))

    [only] = report.signatures
    assert only.kind == AGENCY and only.ok and only.long_term == "B-LT"
    assert not report.meets_article_5
    assert report.article_5_problems == ["Thiếu chữ ký số của người có thẩm quyền."]
    assert "Thiếu chữ ký số của người có thẩm quyền" in report.article_5_text


def test_only_the_person_signature_is_flagged(person):
    report = validate_pdf(sign(make_pdf(), person, field="ChuKyNguoiKy"))
    assert report.article_5_problems == ["Thiếu chữ ký số của cơ quan, tổ chức."]


def drawn_over(data):
    writer = IncrementalPdfFileWriter(BytesIO(data), strict=False)
    writer.add_stream_to_page(0, writer.add_object(generic.StreamObject(stream_data=b"BT /F1 24 Tf 72 72 Td (SUA) Tj ET")))
    out = BytesIO()
    writer.write(out)
    return out.getvalue()


def test_a_file_changed_after_the_last_signature_is_not_valid(two_signatures):
    report = validate_pdf(drawn_over(two_signatures))

    assert not report.meets_article_5 and report.status == "modified"
    for signature in report.signatures:
        assert signature.changes == "not_permitted" and signature.status == "modified" and not signature.ok
        assert signature.status_label.startswith("Không hợp lệ")
        # No line of a changed file reads as passed.
        assert {row.state for row in signature.rows()} <= {"moot", "fail"}
        assert "fail" in {row.state for row in signature.rows()}


@pytest.mark.django_db(transaction=True)
def test_certificate_revoked_after_signing_with_long_term_data_stays_valid_at_signing_time(
        person, seal, pki_services):
    signed = sign(sign(make_pdf(), person, field="ChuKyNguoiKy"), seal, field="ChuKyCoQuan")
    revoke_a_second_later(person)
    # The file now carries the proof of the revocation too (OCSP and CRL issued after it).
    report = validate_pdf(add_current_revocation_data(signed, pki_services.url, person[0]))

    signer = report.signatures[0]
    assert signer.revocation == GOOD and signer.revoked_at and signer.revoked_at > signer.timestamped_at
    assert signer.ok and signer.status_label == "Hợp lệ tại thời điểm ký"
    assert "bị thu hồi sau đó" in signer.revocation_text
    assert report.meets_article_5


@pytest.mark.django_db(transaction=True)
def test_revocation_shown_in_the_file_makes_a_signature_without_timestamp_invalid(person, seal, pki_services):
    # Same revocation, but the signing time is only claimed: nothing proves the signature came before it.
    signed = sign(sign(make_pdf(), person, field="ChuKyNguoiKy", timestamp=False, long_term=False), seal,
                  field="ChuKyCoQuan")
    demo.revoke(serial(person))
    report = validate_pdf(add_current_revocation_data(signed, pki_services.url, person[0]))

    signer = report.signatures[0]
    assert signer.revocation == REVOKED and signer.status == "revoked" and not signer.ok
    assert "không có dấu thời gian chứng minh" in signer.revocation_text
    assert report.article_5_problems == ["Chữ ký số của người có thẩm quyền không hợp lệ."]


@pytest.mark.django_db(transaction=True)
def test_certificate_revoked_before_signing_is_not_valid(person, pki_services):
    demo.revoke(serial(person), at=timezone.now() - datetime.timedelta(hours=1))
    # pyHanko refuses to sign B-LT with it; signed without that check, the file then gets OCSP and CRL.
    signed = sign(make_pdf(), person, field="ChuKyNguoiKy", long_term=False)
    report = validate_pdf(add_current_revocation_data(signed, pki_services.url, person[0]))

    [signer] = report.signatures
    assert signer.timestamped_at and signer.revocation == REVOKED and signer.revoked_at < signer.timestamped_at
    assert signer.status == "revoked" and signer.status_label == "Không hợp lệ: chứng thư số đã bị thu hồi"
    assert "trước thời điểm ký" in signer.revocation_text


def test_signature_without_timestamp_or_revocation_data_says_so(person):
    report = validate_pdf(sign(make_pdf(), person, field="ChuKyNguoiKy", timestamp=False, long_term=False))

    [signer] = report.signatures
    assert signer.ok and signer.revocation == UNKNOWN and signer.long_term == ""
    assert signer.status_label == "Hợp lệ tại thời điểm kiểm tra"  # not "at signing time": nothing proves when
    assert "thời gian do người ký tự khai" in signer.when
    assert signer.revocation_text.startswith("Không rõ")
    states = {row.label: row.state for row in signer.rows()}
    assert states["Thời điểm ký"] == states["Thu hồi tại thời điểm ký"] == states["Dữ liệu kiểm tra dài hạn"] == "warn"


def test_document_timestamp_is_reported_as_such(two_signatures):
    stamp = validate_pdf(two_signatures).signatures[-1]

    assert stamp.kind == TIMESTAMP and stamp.ok
    assert stamp.who == "Tổ chức cấp dấu thời gian: Demo TSA – Cổng trao đổi văn bản"
    assert stamp.kind_label == "Dấu thời gian của tài liệu"


def test_a_certificate_the_portal_does_not_hold_is_classified_by_its_subject(agency):
    stranger = demo.new_ca("CA lạ")
    person = demo.issue_personal_keypair("Lê Thị Bình", agency_name="Sở Nội vụ", title="Giám đốc", ca=stranger)
    organisation = demo.issue_keypair("Sở Nội vụ", ca=stranger)
    signed = sign(sign(make_pdf(), person, field="A", timestamp=False, long_term=False), organisation, field="B",
                  timestamp=False, long_term=False)

    first, second = validate_pdf(signed).signatures
    assert (first.kind, second.kind) == (PERSON, AGENCY)
    assert not first.trusted and first.status == "untrusted"


@pytest.mark.parametrize("garbage", [b"", b"rubbish", b"%PDF-1.7\n%%EOF", None])
def test_garbage_gives_an_error_never_an_exception(garbage):
    report = validate_pdf(garbage)
    assert report.status == "error" and report.error and not report.meets_article_5


@pytest.mark.django_db(transaction=True)
def test_the_engines_document_revoked_after_signing_is_valid_at_signing_time_and_meets_article_5(
        agency, person, seal, pki_services):
    """End to end with pki.signing: prepared, signed by the person, sealed (B-LTA), then the person's
    certificate revoked and the proof of it added to the file."""
    prepared = prepare_for_approval(make_pdf(), places={}, verify_url="https://cong.example.vn/v/ABC")
    approved = sign_as_signer(prepared, signer=simple_signer(*person), block=SignerBlock(name="Nguyễn Văn An",
                              position="CHỦ TỊCH"), places={}, signed_at=timezone.now())
    issued = seal_main(approved, signer=simple_signer(*seal), agency_name=agency.name, number_notation="15/QĐ-BNV",
                       issued_at=timezone.now(), seal_png=SEAL_PNG)
    revoke_a_second_later(person)

    report = validate_pdf(add_current_revocation_data(issued, pki_services.url, person[0]))

    signer, sealed, stamp = report.signatures
    assert (signer.kind, sealed.kind, stamp.kind) == (PERSON, AGENCY, TIMESTAMP)
    assert signer.ok and signer.revocation == GOOD and signer.revoked_at and signer.long_term == "B-LTA"
    assert signer.changes == "permitted" and signer.changes_level == "FORM_FILLING"
    assert sealed.ok and sealed.long_term == "B-LTA" and stamp.ok
    assert report.meets_article_5
