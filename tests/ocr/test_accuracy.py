"""OCR of Vietnamese scans, measured: one run of OCRmyPDF over a PDF whose first page has a text layer and whose
other five are scans rendered from known text (bench/README.md, "OCR accuracy")."""

import pytest

from ocr import extraction
from ocr.models import FileText
from tests.ocr import pages

# Measured on this machine (Debian 12, Tesseract 5.3.0, tesseract-ocr-vie 4.1.0, OCRmyPDF 14.0.1): 0.000 on every
# page. The bounds leave room for another Tesseract build: a wrong or missing diacritic on one word in twenty.
PAGE_CER_BOUND = 0.05
ALL_CER_BOUND = 0.02

pytestmark = pytest.mark.skipif(not extraction.tools_present(),
                                reason="needs ocrmypdf, tesseract-ocr-vie and pdftotext (make system-test-deps)")


def test_vietnamese_scans_are_recognised_within_the_measured_error_rate(tmp_path, settings):
    settings.OCR_JOBS = 2
    source = pages.mixed_pdf(tmp_path / "scan.pdf")
    original = source.read_bytes()
    method, texts, ocr_pdf = extraction.file_pages(source, tmp_path)

    assert method == FileText.Method.OCR and len(texts) == 1 + len(pages.TEXTS)
    # The page with its own text layer keeps that text (not OCR'd again: --skip-text).
    assert texts[0] == pages.TEXT_LAYER_PAGE
    errors = {pages.NAMES[i]: pages.cer(pages.reference(i), text) for i, text in enumerate(texts[1:])}
    assert all(rate <= PAGE_CER_BOUND for rate in errors.values()), errors
    total = sum(pages.distance(pages._canonical(pages.reference(i)), pages._canonical(text))
                for i, text in enumerate(texts[1:]))
    assert total / sum(len(pages._canonical(pages.reference(i))) for i in range(len(pages.TEXTS))) <= ALL_CER_BOUND
    # Diacritics are read, and NFC: "Quyết định" is one code point per letter.
    assert "Quyết định" in texts[2] and "\u0301" not in "".join(texts)
    # The copy is a PDF/A whose text layer a PDF reader finds; the original was only read.
    data = ocr_pdf.read_bytes()
    assert data.startswith(b"%PDF-") and b"pdfaid:part" in data
    assert "Độc lập - Tự do - Hạnh phúc" in " ".join(extraction.pdf_pages_text(ocr_pdf)[3].split())
    assert source.read_bytes() == original
