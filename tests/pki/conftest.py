import io
import shutil
import subprocess

import pytest
from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

from pki import demo
from pki.signing import SERIF


@pytest.fixture
def certificate(agency):
    return demo.issue_certificate(agency)


def make_pdf(pages=2, *, pagesize=A4, encrypt=None, text="Công văn số 15/BNV-VP về việc thử nghiệm ký số"):
    pdfmetrics.registerFont(TTFont("TestSerif", str(SERIF)))
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=pagesize, invariant=1, encrypt=encrypt)
    pdf.setTitle("Tệp thử")
    for page in range(pages):
        pdf.setFont("TestSerif", 12)
        pdf.drawString(72, pagesize[1] - 100, f"{text} — trang {page + 1}")
        pdf.showPage()
    pdf.save()
    return buffer.getvalue()


@pytest.fixture
def pdf_bytes():
    return make_pdf()


def pdftotext(data, tmp_path, *args):
    """Text of page 1 as poppler renders it (annotation appearances included)."""
    if not shutil.which("pdftotext"):
        pytest.fail("pdftotext is missing: `make test` installs poppler-utils (TEST_APT_PACKAGES).")
    path = tmp_path / "doc.pdf"
    path.write_bytes(data)
    result = subprocess.run(
        ["pdftotext", "-f", "1", "-l", "1", *args, str(path), "-"], capture_output=True, check=True, timeout=60
    )
    return result.stdout.decode("utf-8")
