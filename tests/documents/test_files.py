import pytest
from django.core.exceptions import ValidationError
from reportlab.lib import pdfencrypt
from reportlab.pdfgen import canvas

from documents.files import check_pdf
from tests.documents.conftest import pdf_bytes, pdf_upload


def encrypted_pdf():
    import io

    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, encrypt=pdfencrypt.StandardEncryption("user", "owner"))
    page.drawString(72, 720, "mật")
    page.showPage()
    page.save()
    return buffer.getvalue()


@pytest.mark.parametrize(("data", "code", "words"), [
    (b"PK\x03\x04 this is a zip", "not_pdf", "không phải tệp PDF"),
    (pdf_bytes()[:400], "corrupt", "bị hỏng"),
    (encrypted_pdf(), "encrypted", "mã hóa"),
])
def test_bad_main_files_are_refused_with_a_clear_message(data, code, words):
    with pytest.raises(ValidationError) as caught:
        check_pdf(pdf_upload("to-trinh.pdf", data=data))
    assert caught.value.code == code
    assert words in caught.value.messages[0] and "to-trinh.pdf" in caught.value.messages[0]


def test_a_file_over_the_size_limit_is_refused(settings):
    settings.MAX_UPLOAD_MB = 1
    with pytest.raises(ValidationError, match="quá lớn"):
        check_pdf(pdf_upload(data=pdf_bytes() + b"%" * (1024 * 1024 + 1)))


def test_a_sound_pdf_passes():
    assert check_pdf(pdf_upload()).startswith(b"%PDF-")
