"""The signing engine (docs/signatures.md, Engine API) against the demo OCSP responder and TSA on a real port:
the approval signature, the seal with the number and date filled in, B-LT/B-LTA, pyHanko's difference analysis
and poppler's pdfsig with qpdf as independent proof."""

import datetime
import unicodedata
from io import BytesIO

import pytest
from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives import serialization
from django.utils import timezone
from PIL import Image, ImageDraw
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.signers import SimpleSigner
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.dss import DocumentSecurityStore
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.registry import SimpleCertificateStore

from pki import aio, demo, layout, trust
from pki.signing import (
    DATE_FIELD,
    NUMBER_FIELD,
    SEAL_FIELD,
    SIGNER_FIELD,
    SignerBlock,
    issue_date_text,
    prepare_for_approval,
    seal_main,
    sign_as_signer,
)

from .conftest import make_pdf, pdftotext
from .proof import prove

VERIFY_URL = "https://congvanban.gov.vn/xac-thuc/7Q2K9D"
BLOCK = SignerBlock(name="Nguyễn Văn An", position="PHÓ CHỦ TỊCH", authority="KT", authority_of="CHỦ TỊCH",
                    location="Hà Nội")


def asn1(certificate):
    return asn1_x509.Certificate.load(certificate.public_bytes(serialization.Encoding.DER))


def simple_signer(certificate, key, chain):
    der = key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    return SimpleSigner(signing_cert=asn1(certificate), signing_key=asn1_keys.PrivateKeyInfo.load(der),
                        cert_registry=SimpleCertificateStore.from_certs([asn1(c) for c in chain]))


def person(name="Nguyễn Văn An"):
    return demo.issue_personal_keypair(name, agency_name="Ủy ban nhân dân tỉnh Kon Tum", title="PHÓ CHỦ TỊCH")


def agency_keypair(name="Ủy ban nhân dân tỉnh Kon Tum"):
    return demo.issue_keypair(name)


def png(color, size, *, circle=False):
    image = Image.new("RGBA", size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    if circle:
        draw.ellipse([(4, 4), (size[0] - 4, size[1] - 4)], outline=color, width=10)
    else:
        draw.line([(10, size[1] - 20), (size[0] - 10, 20)], fill=color, width=8)
    out = BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


SIGNATURE_PNG = png((20, 40, 200, 255), (400, 200))
SEAL_PNG = png((220, 0, 0, 255), (300, 300), circle=True)


def issued_document(*, image=True, pages=2):
    """(prepared, approved, issued, signer keypair, agency keypair) through the whole engine."""
    signer_keys, agency_keys = person(), agency_keypair()
    prepared = prepare_for_approval(make_pdf(pages), places={}, verify_url=VERIFY_URL)
    block = SignerBlock(**{**BLOCK.__dict__, "image_png": SIGNATURE_PNG if image else None})
    approved = sign_as_signer(prepared, signer=simple_signer(*signer_keys), block=block, places={},
                              signed_at=timezone.now())
    issued = seal_main(approved, signer=simple_signer(*agency_keys), agency_name="Ủy ban nhân dân tỉnh Kon Tum",
                       number_notation="15/QĐ-UBND", issued_at=timezone.now(), seal_png=SEAL_PNG,
                       location="Kon Tum")
    return prepared, approved, issued, signer_keys, agency_keys


def validation_context():
    return ValidationContext(trust_roots=trust.trust_roots(), allow_fetching=False, revocation_mode="soft-fail")


def statuses(data):
    reader = PdfFileReader(BytesIO(data))
    out = {}
    for embedded in reader.embedded_regular_signatures:
        out[embedded.field_name] = (embedded, aio.call(
            validate_pdf_signature, embedded, signer_validation_context=validation_context()
        ))
    return reader, out


def fields(data):
    reader = PdfFileReader(BytesIO(data))
    return {str(ref.get_object()["/T"]): ref.get_object() for ref in reader.root["/AcroForm"]["/Fields"]}


@pytest.fixture
def issued(db):
    return issued_document()


def test_the_signers_signature_and_the_seal_both_validate_and_every_change_after_the_signer_is_form_filling(issued):
    _prepared, approved, document, signer_keys, agency_keys = issued

    reader, found = statuses(document)
    signer, signer_status = found[SIGNER_FIELD]
    seal, seal_status = found[SEAL_FIELD]
    for status in (signer_status, seal_status):
        assert status.intact and status.valid and status.trusted
        assert status.docmdp_ok
    assert signer_status.modification_level <= ModificationLevel.FORM_FILLING
    assert seal_status.modification_level <= ModificationLevel.FORM_FILLING
    assert signer.signer_cert.subject.native["common_name"] == "Nguyễn Văn An"
    assert seal.signer_cert.dump() == asn1(agency_keys[0]).dump()
    # B-LTA: the last signature is a document timestamp covering the whole file
    last = reader.embedded_signatures[-1]
    assert last.sig_object["/SubFilter"] == "/ETSI.RFC3161"
    assert last.field_name not in (SIGNER_FIELD, SEAL_FIELD)
    # the approved file is exactly a prefix of the issued one: revisions only appended
    assert document.startswith(approved)


def test_signatures_are_long_term_timestamped_with_revocation_info_in_the_dss(issued):
    document = issued[2]
    reader = PdfFileReader(BytesIO(document))
    dss = reader.root["/DSS"]
    assert len(dss["/OCSPs"]) >= 2  # the signer's, the agency's (and the TSA's) certificates answered by OCSP
    for embedded in reader.embedded_regular_signatures:
        unsigned = [a["type"].native for a in embedded.signer_info["unsigned_attrs"]]
        assert "signature_time_stamp_token" in unsigned  # B-T
        # validated from what the file holds: nothing fetched, revocation info required (hard-fail)
        context = DocumentSecurityStore.read_dss(reader).as_validation_context(
            {"trust_roots": trust.trust_roots(), "allow_fetching": False, "revocation_mode": "hard-fail"}
        )
        status = aio.call(validate_pdf_signature, embedded, signer_validation_context=context)
        assert status.valid and status.intact and status.trusted, embedded.field_name


def test_metadata_records_who_why_where_and_when(issued):
    document = issued[2]
    reader = PdfFileReader(BytesIO(document))
    by_field = {s.field_name: s for s in reader.embedded_regular_signatures}
    signer = by_field[SIGNER_FIELD].sig_object
    seal = by_field[SEAL_FIELD].sig_object
    assert signer["/Name"] == "Nguyễn Văn An"
    assert signer["/Reason"] == "Phê duyệt – KT. CHỦ TỊCH, PHÓ CHỦ TỊCH"
    assert signer["/Location"] == "Hà Nội"
    assert signer["/SubFilter"] == "/ETSI.CAdES.detached"
    assert seal["/Reason"] == "Ban hành"
    assert seal["/Name"] == "Ủy ban nhân dân tỉnh Kon Tum"
    for value in (signer["/Name"], signer["/Reason"], seal["/Name"]):
        assert unicodedata.is_normalized("NFC", str(value))
    # the time: /M as the claim (PAdES forbids the CMS signing-time attribute) and the TSA's token as proof
    for embedded in by_field.values():
        claimed = embedded.self_reported_timestamp
        assert abs(timezone.now() - claimed) < datetime.timedelta(minutes=5)
        signed_attrs = [a["type"].native for a in embedded.signer_info["signed_attrs"]]
        assert "signing_time" not in signed_attrs
        token = next(a for a in embedded.signer_info["unsigned_attrs"]
                     if a["type"].native == "signature_time_stamp_token")["values"][0]
        gen_time = token["content"]["encap_content_info"]["content"].parsed["gen_time"].native
        assert abs(gen_time - claimed) < datetime.timedelta(minutes=1)
    # no DocMDP lock stricter than form filling: an approval signature, no /Perms, no field lock
    assert "/Perms" not in reader.root
    assert "/Lock" not in fields(document)[SIGNER_FIELD]


def test_number_and_date_are_filled_in_their_fields_and_shown(issued, tmp_path):
    document = issued[2]
    found = fields(document)
    assert str(found[NUMBER_FIELD]["/V"]) == "Số: 15/QĐ-UBND"
    assert str(found[DATE_FIELD]["/V"]) == issue_date_text(timezone.now(), "Kon Tum")
    text = pdftotext(document, tmp_path)
    assert "Số: 15/QĐ-UBND" in text
    assert "Kon Tum, ngày" in text


def test_pdfsig_and_qpdf_accept_the_issued_file(issued, tmp_path):
    document = issued[2]
    proof = prove(document, tmp_path, roots=[demo.demo_ca_certificate()])
    assert proof.qpdf_ok, proof.qpdf_output
    assert proof.signers_valid_and_trusted, proof.pdfsig_output
    by_field = {s.field_name: s for s in proof.signatures}
    assert by_field[SIGNER_FIELD].subfilter == "ETSI.CAdES.detached"
    assert by_field[SEAL_FIELD].subfilter == "ETSI.CAdES.detached"
    # What pdfsig 22.12 says of B-LTA, measured (the issue wants the last signature to cover the whole file
    # with ETSI.CAdES.detached): the last one, the document timestamp, covers the whole file but is a type
    # pdfsig cannot check ("unknown", "not yet verified"); the seal before it does not cover the whole file.
    (timestamp,) = proof.document_timestamps
    assert timestamp.whole_document and timestamp.subfilter == "unknown" and not timestamp.valid, proof.summary()
    assert [s.field_name for s in proof.signatures if s.whole_document] == [timestamp.field_name]
    assert not by_field[SEAL_FIELD].whole_document


def test_layout_places_the_seal_a_third_into_the_signers_image_and_the_qr_apart(db):
    pdf = make_pdf(1)
    boxes = layout.place_boxes(pdf, {}, seal_diameter_mm=36)
    signer, seal, qr = boxes["signer"]["rect"], boxes["seal"]["rect"], boxes["qr"]["rect"]
    assert seal[2] - seal[0] == pytest.approx(36 * layout.MM, abs=0.05)
    # the seal's right edge a third of the way into the signer's image, on its centre line
    assert seal[2] == pytest.approx(signer[0] + (signer[2] - signer[0]) / 3, abs=0.05)
    assert (seal[1] + seal[3]) / 2 == pytest.approx((signer[1] + signer[3]) / 2, abs=0.05)
    assert not layout.overlaps(qr, signer) and not layout.overlaps(qr, seal)
    # defaults: number top left, date top right, signer on the last page's right column
    width, height = 595.28, 841.89
    assert boxes["number"]["rect"][0] < width / 2 < boxes["date"]["rect"][2]
    assert boxes["number"]["rect"][1] > height * 0.8
    assert (signer[0] + signer[2]) / 2 == pytest.approx(0.72 * width, abs=0.05)


def test_the_qr_moves_when_the_signer_is_placed_in_its_corner(db):
    pdf = make_pdf(1)
    default_qr = layout.place_boxes(pdf, {})["qr"]["rect"]
    places = {"signer": {"page": 0, "x": default_qr[2] + 10, "y": default_qr[3]}}
    boxes = layout.place_boxes(pdf, places)
    assert boxes["qr"]["rect"] != default_qr
    assert not layout.overlaps(boxes["qr"]["rect"], boxes["signer"]["rect"])
    assert not layout.overlaps(boxes["qr"]["rect"], boxes["seal"]["rect"])


def test_the_placeholder_text_gives_the_signers_place(db):
    pdf = make_pdf(2, text="Nơi ký [CHU_KY] của lãnh đạo")
    places = layout.default_places(pdf)
    boxes = layout.place_boxes(pdf, {})
    assert places["signer"]["page"] == 1  # the last occurrence: page 2
    # make_pdf writes the text at x=72, 100 pt below the top
    assert 841.89 - 110 < places["signer"]["y"] < 841.89 - 90
    assert boxes["placeholder"]["page"] == 1
    assert boxes["signer"]["page"] == 1
    # the drafter's place wins over the placeholder
    moved = layout.place_boxes(pdf, {"signer": {"page": 0, "x": 300, "y": 200}})
    assert moved["signer"]["page"] == 0 and "placeholder" not in moved


def test_a_placeholder_set_in_settings_is_found(db, settings):
    settings.PKI_SIGNER_PLACEHOLDER = "{{ky_so}}"
    pdf = make_pdf(1, text="Chỗ ký {{ky_so}}")
    assert layout.default_places(pdf)["signer"]["y"] > 700
    assert layout.default_places(make_pdf(1))["signer"]["y"] < 300


def test_prepare_adds_empty_fields_and_the_qr_only_when_asked(db):
    prepared = prepare_for_approval(make_pdf(1), places={}, verify_url=VERIFY_URL)
    found = fields(prepared)
    assert set(found) == {NUMBER_FIELD, DATE_FIELD, SIGNER_FIELD, SEAL_FIELD}
    assert all("/V" not in f for f in found.values())
    rects = {name: [round(float(v), 2) for v in f["/Rect"]] for name, f in found.items()}
    boxes = layout.place_boxes(make_pdf(1), {})
    assert rects[SIGNER_FIELD] == boxes["signer"]["rect"] and rects[SEAL_FIELD] == boxes["seal"]["rect"]
    assert found[NUMBER_FIELD]["/FT"] == "/Tx" and found[SEAL_FIELD]["/FT"] == "/Sig"
    page = PdfFileReader(BytesIO(prepared)).root["/Pages"]["/Kids"][0].get_object()
    assert b"/PortalQR Do" in b"".join(s.get_object().data for s in page["/Contents"])
    plain = prepare_for_approval(make_pdf(1), places={}, verify_url="")
    page = PdfFileReader(BytesIO(plain)).root["/Pages"]["/Kids"][0].get_object()
    contents = page["/Contents"]
    streams = contents if isinstance(contents, list) else [contents]
    assert b"/PortalQR" not in b"".join(s.get_object().data for s in streams)


def test_issue_date_follows_decree_30(db):
    vietnam = datetime.timezone(datetime.timedelta(hours=7))
    assert issue_date_text(datetime.datetime(2026, 3, 5, 23, 0, tzinfo=datetime.UTC), "Hà Nội") == \
        "Hà Nội, ngày 06 tháng 3 năm 2026"
    assert issue_date_text(datetime.datetime(2026, 2, 14, 9, 0, tzinfo=vietnam)) == "ngày 14 tháng 02 năm 2026"
    with pytest.raises(ValueError):
        issue_date_text(datetime.datetime(2026, 2, 14, 9, 0))


def test_the_approved_file_is_b_lt_in_one_revision_covered_whole_by_the_signer(issued, tmp_path):
    approved = issued[1]
    reader = PdfFileReader(BytesIO(approved))
    assert [s.field_name for s in reader.embedded_signatures] == [SIGNER_FIELD]
    signer = reader.embedded_signatures[0]
    signer.compute_integrity_info()
    assert signer.coverage == SignatureCoverageLevel.ENTIRE_FILE
    assert len(reader.root["/DSS"]["/OCSPs"]) >= 2  # the signer's certificate and the TSA's
    proof = prove(approved, tmp_path, roots=[demo.demo_ca_certificate()])
    row = next(s for s in proof.signatures if s.field_name == SIGNER_FIELD)
    assert row.whole_document and row.valid and row.trusted and row.subfilter == "ETSI.CAdES.detached"


def _images(xobject, found=None):
    """Every image XObject reachable from a form XObject's resources."""
    found = [] if found is None else found
    for ref in xobject.get("/Resources", {}).get("/XObject", {}).values():
        child = ref.get_object()
        if child.get("/Subtype") == "/Image":
            found.append(child)
        else:
            _images(child, found)
    return found


def test_the_signature_and_seal_images_keep_their_transparency_and_the_seal_its_size(issued):
    document = issued[2]
    found = fields(document)
    for name in (SIGNER_FIELD, SEAL_FIELD):
        (image,) = _images(found[name]["/AP"]["/N"].get_object())
        assert "/SMask" in image, name  # the PNG's alpha channel, so the text under it stays visible
    seal = [float(v) for v in found[SEAL_FIELD]["/Rect"]]
    assert seal[2] - seal[0] == pytest.approx(36 * layout.MM, abs=0.05)
