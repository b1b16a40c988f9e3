"""core.files decides what a file is from its bytes, and finds the active content of PDFs."""

import io
import unicodedata

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation
from reportlab.lib import pdfencrypt
from reportlab.pdfgen import canvas

from core import files
from tests.core import samples


def encrypted_pdf():
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, encrypt=pdfencrypt.StandardEncryption("user", "owner"))
    page.drawString(72, 720, "mật")
    page.showPage()
    page.save()
    return buffer.getvalue()


@pytest.mark.parametrize(("data", "kind", "content_type", "inline"), [
    (samples.pdf_bytes(), files.Kind.PDF, "application/pdf", True),
    (samples.png_bytes(), files.Kind.PNG, "image/png", True),
    (samples.png_bytes(fmt="JPEG"), files.Kind.JPEG, "image/jpeg", True),
    (samples.png_bytes(fmt="GIF"), files.Kind.GIF, "image/gif", True),
    (samples.png_bytes(fmt="WEBP"), files.Kind.WEBP, "image/webp", True),
    (samples.png_bytes(fmt="TIFF"), files.Kind.TIFF, "image/tiff", True),
    (samples.zip_bytes(), files.Kind.ZIP, "application/zip", False),
    (b"<html><script>alert(1)</script></html>", files.Kind.OTHER, "application/octet-stream", False),
    (b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', files.Kind.OTHER, "application/octet-stream", False),
])
def test_the_kind_comes_from_the_bytes(data, kind, content_type, inline):
    facts = files.inspect(data, "ten-gi-cung-duoc.pdf")
    assert (facts.kind, facts.content_type, facts.inline, facts.problem, facts.active) == (
        kind, content_type, inline, "", ())


@pytest.mark.parametrize(("sample", "words"), [
    (samples.pdf_open_action_js, ["JavaScript", "/OpenAction"]),
    (samples.pdf_names_javascript, ["JavaScript"]),
    (samples.pdf_page_aa_launch, ["/Launch", "/AA"]),
    (samples.pdf_embedded_file, ["tệp nhúng"]),
    (samples.pdf_xfa, ["XFA"]),
    (samples.pdf_with_zip_appended, ["ZIP"]),
    (samples.pdf_html_polyglot, ["HTML", "%%EOF"]),
])
def test_active_content_of_a_pdf_is_found_and_told_in_vietnamese(sample, words):
    facts = files.inspect(sample(), "to-trinh.pdf")
    assert facts.kind == files.Kind.PDF and facts.problem == ""
    told = " ".join(facts.active)
    for word in words:
        assert word in told
    with pytest.raises(ValidationError) as caught:
        files.check_pdf("to-trinh.pdf", sample())
    message = caught.value.messages[0]
    assert caught.value.code == "active_content"
    assert "“to-trinh.pdf”" in message and "nội dung chủ động" in message and "in lại ra PDF" in message


def test_a_plain_pdf_and_its_incremental_update_have_no_active_content():
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    writer = IncrementalPdfFileWriter(io.BytesIO(samples.pdf_bytes()), strict=False)
    writer.root[generic.NameObject("/Lang")] = generic.TextStringObject("vi")
    writer.update_root()
    updated = io.BytesIO()
    writer.write(updated)
    assert files.check_pdf("a.pdf", updated.getvalue()).active == ()
    assert files.check_pdf("a.pdf", samples.pdf_bytes() + b"\r\n  \n").active == ()


def test_a_font_named_like_a_keyword_is_not_active_content():
    data = samples.pdf_bytes().replace(b"/Type /Catalog", b"/Type /Catalog /Fonts [/JS-Bold /XFA+Sans]", 1)
    assert files.inspect(data).active == ()


def test_a_hex_escaped_name_is_still_javascript():
    data = samples.pdf_bytes().replace(b"/Type /Catalog", b"/Type /Catalog /Foo << /S /J#61vaScript >>", 1)
    assert any("JavaScript" in finding for finding in files.inspect(data).active)


@pytest.mark.parametrize(("data", "code", "words"), [
    (b"PK\x03\x04 this is a zip", "not_pdf", "không phải tệp PDF"),
    (samples.pdf_bytes()[:400], "corrupt", "bị hỏng"),
    (samples.FIFTEEN_BYTE_PDF, "corrupt", "bị hỏng"),
    (encrypted_pdf(), "encrypted", "mã hóa"),
])
def test_bad_pdfs_are_refused_with_a_vietnamese_message_naming_the_file(data, code, words):
    with pytest.raises(ValidationError) as caught:
        files.check_pdf("to-trinh.pdf", data)
    message = caught.value.messages[0]
    assert caught.value.code == code
    assert words in message and "“to-trinh.pdf”" in message
    assert "PdfReadError" not in message and "malformed" not in message


@pytest.mark.parametrize(("data", "words"), [
    (b"", "rỗng"),
    (samples.FIFTEEN_BYTE_PDF, "bị hỏng"),
    (samples.pdf_bytes()[:-200], "bị hỏng"),
    (encrypted_pdf(), "mã hóa"),
    (samples.PNG_HEADER_ONLY, "ảnh bị hỏng"),
    (samples.png_bytes()[:-30], "ảnh bị hỏng"),
    (b"%PDF-1.7 <html><script>alert(1)</script></html>", "bị hỏng"),
    (b"<html>not a scan</html>", "không phải bản quét"),
])
def test_a_scan_must_open_as_what_it_claims(data, words):
    with pytest.raises(ValidationError) as caught:
        files.check_scan("ban-quet.html", data)
    assert words in caught.value.messages[0]


@pytest.mark.parametrize("data", [samples.pdf_bytes(), samples.png_bytes(), samples.png_bytes(fmt="JPEG"),
                                  samples.png_bytes(fmt="TIFF")])
def test_real_scans_pass(data):
    assert files.check_scan("scan", data).problem == ""


def test_the_size_message_names_the_file_and_reads_naturally(settings):
    settings.MAX_UPLOAD_MB = 1
    with translation.override("vi"), pytest.raises(ValidationError) as caught:
        files.check_pdf("to-trinh.pdf", samples.pdf_bytes() + b"%" * (1024 * 1024 + 400 * 1024))
    assert caught.value.code == "too_large"
    assert caught.value.messages[0] == "Tệp “to-trinh.pdf” nặng 1,4 MB, vượt giới hạn 1 MB."


def test_display_names_are_nfc_without_folders():
    nfd = unicodedata.normalize("NFD", "Tờ trình.pdf")
    assert nfd != "Tờ trình.pdf"
    assert files.display_name("C:\\Users\\x\\" + nfd) == "Tờ trình.pdf"
    assert files.display_name("../../etc/" + nfd + "\x07") == "Tờ trình.pdf"
