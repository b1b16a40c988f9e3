"""What the engine refuses, with the Vietnamese message the page shows, and the appearances it falls back to."""

import subprocess
import unicodedata
from io import BytesIO

import pytest
from django.utils import timezone
from PIL import Image
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader

from pki import demo, layout
from pki.errors import (
    AlreadySigned,
    CertificateRevoked,
    InvalidImage,
    NotPrepared,
    SignerSignatureMissing,
    SigningFieldsMissing,
)
from pki.signing import (
    NUMBER_FIELD,
    SIGNER_FIELD,
    SignerBlock,
    StampInfo,
    prepare_for_approval,
    seal_main,
    sign_as_signer,
    stamp_attachment,
)

from .conftest import make_pdf, pdftotext
from .proof import prove
from .test_engine import BLOCK, SEAL_PNG, agency_keypair, fields, person, simple_signer, statuses


def _seal(approved, **kwargs):
    return seal_main(approved, signer=simple_signer(*agency_keypair()), agency_name="Bộ Nội vụ",
                     number_notation="7/BNV-VP", issued_at=timezone.now(), seal_png=SEAL_PNG, **kwargs)


def _approve(prepared, block=BLOCK, keys=None):
    return sign_as_signer(prepared, signer=simple_signer(*(keys or person())), block=block, places={},
                          signed_at=timezone.now())


@pytest.fixture
def prepared(db):
    return prepare_for_approval(make_pdf(1), places={}, verify_url="")


def test_sealing_a_document_nobody_approved_is_refused(prepared):
    with pytest.raises(SignerSignatureMissing) as refused:
        _seal(prepared)
    assert "chưa có chữ ký số hợp lệ của người có thẩm quyền" in str(refused.value)


def test_sealing_twice_is_refused_because_the_fields_are_filled(prepared):
    issued = _seal(_approve(prepared))
    with pytest.raises(SigningFieldsMissing):
        _seal(issued)


def test_sealing_an_approved_file_changed_afterwards_is_refused(prepared):
    approved = bytearray(_approve(prepared))
    at = approved.index(b"/Type /Page") if b"/Type /Page" in approved else 200
    approved[at + 1:at + 5] = b"Typo"  # a byte inside the signed range
    with pytest.raises(SignerSignatureMissing):
        _seal(bytes(approved))


def test_signing_a_file_that_was_not_prepared_is_refused(db):
    with pytest.raises(NotPrepared):
        _approve(make_pdf(1))


def test_signing_twice_is_refused(prepared):
    with pytest.raises(AlreadySigned):
        _approve(_approve(prepared))


def test_a_broken_signature_image_is_refused_with_a_message(prepared):
    with pytest.raises(InvalidImage):
        _approve(prepared, SignerBlock(name="Nguyễn Văn An", image_png=b"\x89PNG not really"))


@pytest.mark.django_db(transaction=True)
def test_a_certificate_revoked_before_signing_is_refused():
    prepared = prepare_for_approval(make_pdf(1), places={}, verify_url="")
    keys = person()
    demo.revoke(format(keys[0].serial_number, "X"))
    with pytest.raises(CertificateRevoked) as refused:
        _approve(prepared, keys=keys)
    assert "thu hồi" in str(refused.value)


def test_without_an_image_the_signers_name_is_shown_in_blue(prepared, tmp_path):
    approved = _approve(prepared, SignerBlock(name="Nguyễn Văn An"))
    assert "Nguyễn Văn An" in pdftotext(approved, tmp_path)
    widget = fields(approved)[SIGNER_FIELD]
    appearance = widget["/AP"]["/N"].get_object()
    assert b"0.05 0.2 0.75 rg" in appearance.data or b"0.05 0.2 0.75 rg" in b"".join(
        x.get_object().data for x in appearance["/Resources"]["/XObject"].values())


def test_decomposed_vietnamese_is_written_composed(prepared):
    decomposed = unicodedata.normalize("NFD", "Số 7/QĐ-UBND")
    block = SignerBlock(name=unicodedata.normalize("NFD", "Nguyễn Văn An"), position="CHỦ TỊCH")
    issued = seal_main(_approve(prepared, block), signer=simple_signer(*agency_keypair()),
                       agency_name=unicodedata.normalize("NFD", "Ủy ban nhân dân"), number_notation=decomposed,
                       issued_at=timezone.now(), seal_png=SEAL_PNG)
    _reader, found = statuses(issued)
    signer = found[SIGNER_FIELD][0].sig_object
    assert signer["/Name"] == "Nguyễn Văn An" and signer["/Reason"] == "Phê duyệt – CHỦ TỊCH"
    assert str(fields(issued)[NUMBER_FIELD]["/V"]) == unicodedata.normalize("NFC", "Số: Số 7/QĐ-UBND")


def test_page_content_added_after_the_signer_signed_is_not_form_filling(prepared):
    """The difference analysis the seal relies on is not a rubber stamp: new page content is refused."""
    approved = _approve(prepared)
    writer = IncrementalPdfFileWriter(BytesIO(approved))
    writer.add_stream_to_page(0, writer.add_object(generic.StreamObject(stream_data=b"0 0 1 rg 72 72 200 20 re f")))
    out = BytesIO()
    writer.write(out)
    _reader, found = statuses(out.getvalue())
    assert not found[SIGNER_FIELD][1].docmdp_ok


def test_an_attachment_gets_a_long_term_agency_signature(db, tmp_path):
    stamped = stamp_attachment(make_pdf(1), signer=simple_signer(*agency_keypair()), stamp=StampInfo(
        agency_name="Bộ Nội vụ", number_notation="7/BNV-VP", signed_at=timezone.now()))
    reader = PdfFileReader(BytesIO(stamped))
    assert "/DSS" in reader.root
    (embedded,) = reader.embedded_regular_signatures
    assert embedded.sig_object["/Reason"] == "Ban hành"
    unsigned = [a["type"].native for a in embedded.signer_info["unsigned_attrs"]]
    assert "signature_time_stamp_token" in unsigned
    proof = prove(stamped, tmp_path, roots=[demo.demo_ca_certificate()])
    assert proof.all_valid_and_trusted and proof.qpdf_ok, proof.pdfsig_output
    assert "7/BNV-VP" in pdftotext(stamped, tmp_path)


def test_the_qr_lands_on_its_box_even_when_the_page_leaves_a_transformation_open(db, tmp_path):
    writer = IncrementalPdfFileWriter(BytesIO(make_pdf(1)))
    writer.add_stream_to_page(0, writer.add_object(generic.StreamObject(stream_data=b"0.5 0 0 0.5 300 400 cm")))
    out = BytesIO()
    writer.write(out)
    prepared = prepare_for_approval(out.getvalue(), places={}, verify_url="https://congvanban.gov.vn/xac-thuc/7Q")
    x0, y0, x1, y1 = layout.place_boxes(out.getvalue(), {})["qr"]["rect"]
    (tmp_path / "p.pdf").write_bytes(prepared)
    subprocess.run(["pdftoppm", "-r", "72", "-gray", "-singlefile", "-png", str(tmp_path / "p.pdf"),
                    str(tmp_path / "p")], check=True, timeout=60)
    page = Image.open(tmp_path / "p.png").convert("L")
    box = page.crop((int(x0), int(page.height - y1), int(x1), int(page.height - y0)))
    dark = sum(box.histogram()[:128])
    assert dark > box.width * box.height * 0.25  # QR modules where the box says, not scaled off elsewhere
