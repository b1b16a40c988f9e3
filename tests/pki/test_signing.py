import datetime
import re
from io import BytesIO
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.signers.pdf_signer import PdfSigningSession
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

from pki import demo, signing
from pki.errors import CertificateExpired, InvalidPdf
from pki.services import certificate_install
from pki.signing import StampInfo, sign_pdf, stamp_attachment
from pki.validation import trust_roots

from .conftest import make_pdf, pdftotext

SIGNED_AT = datetime.datetime(2026, 11, 21, 2, 30, tzinfo=datetime.UTC)  # 09:30 in Hà Nội
STAMP = StampInfo(
    agency_name="Bộ Nội vụ", number_notation="15/QĐ-BNV", signed_at=SIGNED_AT,
    signer_name="Nguyễn Văn An", verify_url="https://congvanban.gov.vn/xac-thuc/7Q2K9D",
)


def _pyhanko_status(data, **context):
    signature = PdfFileReader(BytesIO(data)).embedded_signatures[-1]
    vc = ValidationContext(trust_roots=trust_roots(), allow_fetching=False, **context)
    return signature, validate_pdf_signature(signature, signer_validation_context=vc)


def _annotation_rects(data):
    page = PdfFileReader(BytesIO(data)).root["/Pages"]["/Kids"][0].get_object()
    media = [float(v) for v in page["/MediaBox"]]
    rects = []
    for ref in page["/Annots"]:
        annot = ref.get_object()
        if annot.get("/FT") == "/Sig" or annot.get("/Subtype") == "/Widget":
            rects.append([float(v) for v in annot["/Rect"]])
    return media, rects


def _appearance(data, index=-1):
    """The content stream and resources of a signature widget's normal appearance."""
    page = PdfFileReader(BytesIO(data)).root["/Pages"]["/Kids"][0].get_object()
    widgets = [r.get_object() for r in page["/Annots"] if r.get_object().get("/Subtype") == "/Widget"]
    appearance = widgets[index]["/AP"]["/N"].get_object()
    return appearance


def _words(data, tmp_path):
    """(word, xMin, yMin, xMax, yMax) of page 1 from pdftotext -bbox (y from the top)."""
    html = pdftotext(data, tmp_path, "-bbox")
    page = re.search(r'<page width="([\d.]+)" height="([\d.]+)"', html)
    words = [
        (w, float(x0), float(y0), float(x1), float(y1))
        for x0, y0, x1, y1, w in re.findall(
            r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>', html
        )
    ]
    return float(page.group(1)), float(page.group(2)), words


def test_iso_time_is_shown_in_vietnam_time_with_offset():
    assert signing.iso_vietnam(SIGNED_AT) == "2026-11-21T09:30:00+07:00"
    with pytest.raises(ValueError):
        signing.iso_vietnam(datetime.datetime(2026, 11, 21, 9, 30))


def test_signed_pdf_validates_against_the_demo_ca(certificate, pdf_bytes):
    signed = sign_pdf(pdf_bytes, certificate=certificate, stamp=STAMP)

    embedded, status = _pyhanko_status(signed)
    assert status.intact and status.valid and status.trusted
    assert status.coverage.name == "ENTIRE_FILE"
    assert embedded.sig_object["/SubFilter"] == "/ETSI.CAdES.detached"
    signed_attrs = embedded.signer_info["signed_attrs"]
    assert "signing_certificate_v2" in [a["type"].native for a in signed_attrs]
    assert embedded.self_reported_timestamp == SIGNED_AT
    assert signed.startswith(pdf_bytes)  # an incremental update: the original bytes stay untouched


def test_stamp_shows_agency_number_time_signer_and_short_url(certificate, pdf_bytes, tmp_path):
    signed = sign_pdf(pdf_bytes, certificate=certificate, stamp=STAMP)

    text = pdftotext(signed, tmp_path)
    assert "Bộ Nội vụ" in text
    assert "Số, ký hiệu: 15/QĐ-BNV" in text
    assert "Thời gian ký: 2026-11-21T09:30:00+07:00" in text
    assert "Người ký: Nguyễn Văn An" in text
    assert "congvanban.gov.vn/xac-thuc/7Q2K9D" in text
    assert "https://" not in text


def test_stamp_has_a_qr_code_only_when_there_is_a_verify_url(certificate, pdf_bytes, tmp_path):
    with_url = sign_pdf(pdf_bytes, certificate=certificate, stamp=STAMP)
    without = sign_pdf(pdf_bytes, certificate=certificate, stamp=StampInfo("Bộ Nội vụ", "15/QĐ-BNV", SIGNED_AT))

    assert "/QR" in _appearance_xobject_names(with_url)
    assert "/QR" not in _appearance_xobject_names(without)
    assert "Kiểm tra" not in pdftotext(without, tmp_path)


def _appearance_xobject_names(data):
    names = set()
    todo = [_appearance(data)]
    while todo:
        stream = todo.pop()
        xobjects = stream.get("/Resources", {}).get("/XObject", {})
        for name, ref in xobjects.items():
            names.add(name)
            todo.append(ref.get_object())
    return names


def test_stamp_sits_at_the_bottom_right_inside_page_one(certificate, pdf_bytes):
    signed = sign_pdf(pdf_bytes, certificate=certificate, stamp=STAMP)

    (x0, y0, x1, y1), rects = _annotation_rects(signed)
    [(left, bottom, right, top)] = rects
    assert x0 <= left < right <= x1 and y0 <= bottom < top <= y1
    assert left > (x0 + x1) / 2 and top < y0 + (y1 - y0) / 4


def test_stamp_scales_with_the_page(certificate):
    small = sign_pdf(make_pdf(1, pagesize=(300, 420)), certificate=certificate, stamp=STAMP)
    (x0, y0, x1, y1), [(left, bottom, right, top)] = _annotation_rects(small)
    assert x0 <= left < right <= x1 and y0 <= bottom < top <= y1


def test_attachment_stamp_is_text_only_at_the_top_right_in_10pt_black(certificate, pdf_bytes, tmp_path):
    stamped = stamp_attachment(pdf_bytes, certificate=certificate, stamp=STAMP)

    _, status = _pyhanko_status(stamped)
    assert status.intact and status.valid and status.trusted
    width, height, words = _words(stamped, tmp_path)
    notation = next(w for w in words if w[0] == "15/QĐ-BNV")
    moment = next(w for w in words if w[0] == "2026-11-21T09:30:00+07:00")
    for _word, left, top, right, bottom in (notation, moment):
        assert left > width / 2 and right <= width and top >= 0 and bottom < height / 8
    assert notation[2] < moment[2]  # number first, time on the line below
    assert moment[3] <= width - 30  # inside the right margin
    # Glyph widths are right (Times New Roman metrics at 10 pt): the line is as wide as the font says.
    assert abs((moment[3] - moment[1]) - signing.text_width(moment[0], 10)) < 3
    appearance = _appearance(stamped)
    content = _flatten(appearance)
    assert b"/F1 10 Tf" in content and b"0 0 0 rg" in content
    assert not any("QR" in name for name in _appearance_xobject_names(stamped))
    assert b"/Im" not in content and b"BI " not in content  # no image, only text
    fonts = _fonts(appearance)
    assert any("LiberationSerif" in name for name in fonts)


def _flatten(stream):
    parts = [stream.data]
    for ref in stream.get("/Resources", {}).get("/XObject", {}).values():
        parts.append(_flatten(ref.get_object()))
    return b"\n".join(parts)


def _fonts(stream):
    names = []
    resources = stream.get("/Resources", {})
    for ref in resources.get("/Font", {}).values():
        names.append(str(ref.get_object()["/BaseFont"]))
    for ref in resources.get("/XObject", {}).values():
        names.extend(_fonts(ref.get_object()))
    return names


def test_fonts_are_embedded_so_vietnamese_renders(certificate, pdf_bytes):
    signed = sign_pdf(pdf_bytes, certificate=certificate, stamp=STAMP)
    appearance = _appearance(signed)
    font = next(iter(_font_objects(appearance)))
    descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"].get_object()
    assert "/FontFile2" in descriptor
    assert "/ToUnicode" in font


def _font_objects(stream):
    resources = stream.get("/Resources", {})
    for ref in resources.get("/Font", {}).values():
        yield ref.get_object()
    for ref in resources.get("/XObject", {}).values():
        yield from _font_objects(ref.get_object())


def test_document_can_carry_the_leaders_and_the_attachment_signatures(certificate, pdf_bytes):
    once = sign_pdf(pdf_bytes, certificate=certificate, stamp=STAMP)
    twice = stamp_attachment(once, certificate=certificate, stamp=STAMP)

    signatures = PdfFileReader(BytesIO(twice)).embedded_signatures
    assert len({s.field_name for s in signatures}) == 2
    vc = ValidationContext(trust_roots=trust_roots(), allow_fetching=False)
    assert all(validate_pdf_signature(s, signer_validation_context=vc).bottom_line for s in signatures)


def test_signing_time_is_converted_to_vietnam_time(certificate, pdf_bytes, tmp_path):
    moment = datetime.datetime(2026, 11, 21, 9, 30, tzinfo=ZoneInfo("Europe/Paris"))
    stamped = stamp_attachment(pdf_bytes, certificate=certificate, stamp=StampInfo("Bộ Nội vụ", "01/BNV-VP", moment))
    assert "2026-11-21T15:30:00+07:00" in pdftotext(stamped, tmp_path)


def test_signer_is_kept_per_certificate_and_container_reserved_up_front(certificate, pdf_bytes, monkeypatch):
    kept = signing.kept_signer(certificate)
    assert signing.kept_signer(certificate) is kept

    def trial_signature(*args, **kwargs):
        raise AssertionError("pyHanko was asked to size the container with a trial signature")

    monkeypatch.setattr(PdfSigningSession, "estimate_signature_container_size", trial_signature)
    signed = sign_pdf(pdf_bytes, certificate=certificate, stamp=STAMP)

    embedded, _ = _pyhanko_status(signed)
    used = len(embedded.pkcs7_content) * 2
    assert used <= kept.bytes_reserved < used + 4096


def test_reservation_fits_a_larger_key_and_longer_chain(agency, pdf_bytes):
    root = demo.new_ca("Root CA thử nghiệm RSA 4096", key_size=4096)
    cert, key, chain = demo.issue_keypair(agency.name, ca=root, key_size=4096)
    record = certificate_install(agency=agency, certificate=cert, private_key=key, chain=chain)

    signed = sign_pdf(pdf_bytes, certificate=record, stamp=STAMP)

    _, status = _pyhanko_status(signed)
    assert status.intact and status.valid


def test_a_replaced_certificate_is_not_signed_with_the_old_key(agency, certificate, pdf_bytes):
    sign_pdf(pdf_bytes, certificate=certificate, stamp=STAMP)
    newer = demo.issue_certificate(agency)

    signed = sign_pdf(pdf_bytes, certificate=newer, stamp=STAMP)

    embedded, _ = _pyhanko_status(signed)
    assert embedded.signer_cert.serial_number == int(newer.serial_number, 16)


def test_expired_certificate_cannot_sign(agency, pdf_bytes):
    expired = demo.issue_certificate(agency, not_after=timezone.now() - datetime.timedelta(minutes=1))
    with pytest.raises(CertificateExpired):
        sign_pdf(pdf_bytes, certificate=expired, stamp=STAMP)


@pytest.mark.parametrize("garbage", [b"", b"not a pdf at all", b"%PDF-1.7\n%%EOF", b"%PDF-1.4\n" + b"\x00" * 500])
def test_garbage_raises_invalid_pdf(certificate, garbage):
    for sign in (sign_pdf, stamp_attachment):
        with pytest.raises(InvalidPdf) as caught:
            sign(garbage, certificate=certificate, stamp=STAMP)
        assert "PDF" in str(caught.value)


def test_truncated_pdf_raises_invalid_pdf(certificate, pdf_bytes):
    with pytest.raises(InvalidPdf):
        sign_pdf(pdf_bytes[: len(pdf_bytes) // 3], certificate=certificate, stamp=STAMP)


def test_encrypted_pdf_raises_invalid_pdf(certificate):
    locked = make_pdf(encrypt="mat-khau")
    with pytest.raises(InvalidPdf) as caught:
        sign_pdf(locked, certificate=certificate, stamp=STAMP)
    assert "mật khẩu" in str(caught.value)
