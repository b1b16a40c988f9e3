"""Getting the text of one stored file: the PDF's text layer (poppler's pdftotext, page by page) or OCR.

OCR runs Debian's `ocrmypdf` (Tesseract with `tesseract-ocr-vie`) on a temporary copy: pages that already carry
text are left as they are (`--skip-text`), the others are recognised, and the result is a PDF/A copy with a text
layer kept in `FileText.ocr_pdf`. The original file is only read, never written — a signed file stays signed.

A worker claims a row (state running, `claimed_at` = now, attempts + 1) before working; a worker that dies leaves
the row running, and `recoverable_ids` (beat, `ocr.tasks.texts_recover`) hands it out again once the lease
(OCR_LEASE_SECONDS) has passed. Only the holder of the claim may write the result.
"""

import logging
import subprocess
import tempfile
import zipfile
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.core.files.base import File
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from PIL import Image, UnidentifiedImageError

from core.storage import TamperedFile, local_copy

from .models import FileText
from .services import announce_ready, join_pages, nfc
from .signals import text_failed

logger = logging.getLogger(__name__)

# ocrmypdf's exit codes that no retry will change: bad input, encrypted PDF.
_PERMANENT_EXIT_CODES = {2, 8}
# A page with fewer visible characters than this in its text layer is treated as a scan.
_MIN_PAGE_CHARS = 3
# An image smaller than this (pixels, either side) cannot hold a readable line of text.
_MIN_IMAGE_SIDE = 64


class PermanentError(Exception):
    """Extraction can never succeed for this file (not a PDF or an image, encrypted, damaged)."""


def _lease():
    return timedelta(seconds=getattr(settings, "OCR_LEASE_SECONDS", 900))


def _max_attempts():
    return getattr(settings, "OCR_MAX_ATTEMPTS", 3)


def _claim(file_text_id):
    """Take the row if it is pending, or running past its lease. Returns (FileText, claim time) or (None, None)."""
    now = timezone.now()
    stale = now - _lease()
    claimable = Q(state=FileText.State.PENDING) & (Q(claimed_at__isnull=True) | Q(claimed_at__lte=now))
    claimable |= Q(state=FileText.State.RUNNING, claimed_at__lte=stale)
    taken = FileText.objects.filter(claimable, pk=file_text_id, attempts__lt=_max_attempts()).update(
        state=FileText.State.RUNNING, claimed_at=now, attempts=F("attempts") + 1
    )
    if not taken:
        return None, None
    return FileText.objects.select_related("content_type").get(pk=file_text_id), now


def recoverable_ids(limit=500):
    """Rows to queue again (their queued_at set to now): running past the lease (a dead worker), and pending rows
    whose task was queued more than OCR_REQUEUE_SECONDS ago (lost with the broker, or a retry that never came),
    unless their retry time is still ahead."""
    now = timezone.now()
    stale = now - _lease()
    requeue = now - timedelta(seconds=getattr(settings, "OCR_REQUEUE_SECONDS", 1800))
    rows = FileText.objects.filter(
        Q(state=FileText.State.RUNNING, claimed_at__lte=stale)
        | (Q(state=FileText.State.PENDING) & (Q(claimed_at__isnull=True) | Q(claimed_at__lte=now))
           & (Q(queued_at__isnull=True) | Q(queued_at__lte=requeue))),
        attempts__lt=_max_attempts(),
    ).order_by("pk")
    ids = list(rows.values_list("pk", flat=True)[:limit])
    FileText.objects.filter(pk__in=ids).update(queued_at=now)
    # Rows out of attempts while running (the worker died on the last one) fail for good.
    exhausted = FileText.objects.filter(state=FileText.State.RUNNING, claimed_at__lte=stale,
                                        attempts__gte=_max_attempts())
    for file_text in exhausted:
        _fail(file_text, file_text.claimed_at, "worker lost on the last attempt")
    return ids


def _run(args, timeout):
    return subprocess.run(args, capture_output=True, timeout=timeout, check=False)


def pdf_pages_text(path):
    """The text layer of each page of the PDF at `path`, NFC (poppler's pdftotext, form feed between pages)."""
    result = _run(["pdftotext", "-enc", "UTF-8", str(path), "-"], timeout=120)
    if result.returncode != 0:
        raise PermanentError(result.stderr.decode(errors="replace").strip()[:500] or "pdftotext failed")
    pages = result.stdout.decode("utf-8", errors="replace").split("\f")
    if pages and not pages[-1].strip():
        pages.pop()
    return [nfc(page).strip() for page in pages]


# What pdftotext prints for glyphs a PDF's font does not map to Unicode. A page where they are half of the
# characters or more has no usable text layer and is recognised instead; a few (letters with diacritics a
# Latin-1 font lacks) leave the layer as it is.
_UNMAPPED = frozenset("\u25a0\ufffd")


def _garbled(page):
    unmapped = sum(1 for char in page if char in _UNMAPPED)
    return unmapped > 0 and unmapped * 2 >= sum(1 for char in page if not char.isspace())


def _has_text(page):
    return sum(1 for char in page if char.isalnum()) >= _MIN_PAGE_CHARS and not _garbled(page)


# Word processing files whose text is read from their XML (no pages: one "page"), at most this much of it.
_OFFICE_TEXT_PARTS = {"word/document.xml": "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}p",
                      "content.xml": "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}p"}
_OFFICE_MAX_XML = 50 * 1024 * 1024


def office_text(path):
    """The paragraphs of a .docx (OOXML) or .odt (OpenDocument) file, NFC, or None when it is neither."""
    from lxml import etree

    try:
        with zipfile.ZipFile(path) as archive:
            for name, paragraph_tag in _OFFICE_TEXT_PARTS.items():
                try:
                    info = archive.getinfo(name)
                except KeyError:
                    continue
                if info.file_size > _OFFICE_MAX_XML:
                    raise PermanentError("the document's text is too large to read")
                parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
                root = etree.fromstring(archive.read(info), parser)
                paragraphs = ("".join(node.itertext()) for node in root.iter(paragraph_tag))
                return nfc("\n".join(p for p in paragraphs if p.strip())).strip()
    except (zipfile.BadZipFile, etree.XMLSyntaxError, OSError, ValueError) as error:
        raise PermanentError(f"unreadable document: {error}") from None
    return None


def _kind(path):
    with open(path, "rb") as handle:
        head = handle.read(1024)
    if b"%PDF-" in head:
        return "pdf"
    if head.startswith(b"PK\x03\x04"):
        return "office"
    try:
        with Image.open(path) as image:
            image.verify()
            with Image.open(path) as again:
                if min(again.size) < _MIN_IMAGE_SIDE:
                    return "tiny"
        return "image"
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        raise PermanentError("neither a PDF, an image nor a Word or OpenDocument text") from None


def ocr_run(source, output, sidecar, *, force=False):
    """OCR `source` (a PDF or an image) into the PDF/A `output`, the recognised text of each page in `sidecar`.
    Pages with a text layer are left as they are, unless `force` (a layer of unmapped glyphs): then every page is
    rasterised and read (the copy only; the original keeps its layer)."""
    languages = getattr(settings, "OCR_LANGUAGES", "vie")
    args = [
        "ocrmypdf", "--quiet", "-l", languages, "--output-type", "pdfa", "--force-ocr" if force else "--skip-text",
        "--deskew",
        "--jobs", str(getattr(settings, "OCR_JOBS", 1)), "--image-dpi", "300", "--sidecar", str(sidecar),
        "--tesseract-timeout", str(getattr(settings, "OCR_PAGE_TIMEOUT", 180)),
        str(source), str(output),
    ]
    result = _run(args, timeout=getattr(settings, "OCR_FILE_TIMEOUT", 3600))
    if result.returncode != 0:
        message = result.stderr.decode(errors="replace").strip()[-800:] or f"ocrmypdf exit {result.returncode}"
        if result.returncode in _PERMANENT_EXIT_CODES:
            raise PermanentError(message)
        raise RuntimeError(message)
    pages = Path(sidecar).read_text(encoding="utf-8", errors="replace").split("\f")
    if pages and not pages[-1].strip():
        pages.pop()
    return [nfc(page).strip() for page in pages]


def _merge(layer, recognised):
    """Each page's text: its own text layer when it has one, else what OCR read (ocrmypdf skipped the others)."""
    pages = []
    for index in range(max(len(layer), len(recognised))):
        own = layer[index] if index < len(layer) else ""
        read = recognised[index] if index < len(recognised) else ""
        pages.append(own if _has_text(own) else ("" if read.startswith("[OCR skipped") else read))
    return pages


def file_pages(path, workdir):
    """(method, pages, path of the OCR'd PDF or None) for the file at `path`."""
    kind = _kind(path)
    if kind == "tiny":
        return "", [""], None
    if kind == "office":
        text = office_text(path)
        if text is None:
            raise PermanentError("neither a PDF, an image nor a Word or OpenDocument text")
        return FileText.Method.TEXT_LAYER, [text], None
    layer = pdf_pages_text(path) if kind == "pdf" else []
    if layer and all(_has_text(page) for page in layer):
        return FileText.Method.TEXT_LAYER, layer, None
    output, sidecar = Path(workdir) / "ocr.pdf", Path(workdir) / "ocr.txt"
    recognised = ocr_run(path, output, sidecar, force=any(_garbled(page) for page in layer))
    return FileText.Method.OCR, _merge(layer, recognised), output


def _source_file(file_text):
    model = file_text.content_type.model_class()
    owner = model._base_manager.filter(pk=file_text.object_id).first() if model else None
    if owner is None:
        raise PermanentError("the file's owner no longer exists")
    fieldfile = getattr(owner, file_text.field, None)
    if not fieldfile:
        raise PermanentError(f"no file in {file_text.field}")
    return fieldfile


def _mine(file_text, claimed_at):
    return FileText.objects.filter(pk=file_text.pk, state=FileText.State.RUNNING, claimed_at=claimed_at)


def _same_file_done(file_text):
    """Another FileText of the same bytes already read (an issued file and its recipients' incoming copies)."""
    if not file_text.sha256:
        return None
    return (FileText.objects.filter(sha256=file_text.sha256, state__in=[FileText.State.DONE, FileText.State.NO_TEXT])
            .exclude(pk=file_text.pk).order_by("pk").first())


def _finish(file_text, claimed_at, method, pages, ocr_path, ocr_name=""):
    text = join_pages(pages)
    with transaction.atomic():
        if not _mine(file_text, claimed_at).select_for_update().exists():
            return False  # another worker took the row over after our lease ran out
        if ocr_name:
            file_text.ocr_pdf.name = ocr_name  # shared with the FileText of the same bytes, never deleted by us
        elif ocr_path is not None:
            with open(ocr_path, "rb") as handle:
                file_text.ocr_pdf.save("ocr.pdf", File(handle), save=False)
        file_text.method = method
        file_text.pages = pages
        file_text.text = text
        file_text.state = FileText.State.DONE if text else FileText.State.NO_TEXT
        file_text.error = ""
        file_text.claimed_at = None
        file_text.finished_at = timezone.now()
        file_text.save(update_fields=["method", "pages", "text", "state", "error", "claimed_at", "finished_at",
                                      "ocr_pdf"])
        announce_ready(file_text)
    return True


def _fail(file_text, claimed_at, message, permanent=True):
    """Record the error: for good when permanent or out of attempts, else pending until the retry time."""
    final = permanent or file_text.attempts >= _max_attempts()
    delay = 60 * 2 ** file_text.attempts
    now = timezone.now()
    updated = _mine(file_text, claimed_at).update(
        state=FileText.State.FAILED if final else FileText.State.PENDING,
        error=message[:2000], claimed_at=None if final else now + timedelta(seconds=delay),
        finished_at=now if final else None, queued_at=None if final else now,
    )
    if updated and final:
        file_text.refresh_from_db()
        transaction.on_commit(lambda: text_failed.send(sender=FileText, file_text=file_text), robust=True)
    elif updated:
        from .tasks import text_extract

        transaction.on_commit(lambda: text_extract.apply_async([file_text.pk], countdown=delay + 1), robust=True)


def extract(file_text_id):
    """Claim the FileText and fill it. Safe to call twice: a row already done or held by a live worker is left."""
    file_text, claimed_at = _claim(file_text_id)
    if file_text is None:
        return False
    same = _same_file_done(file_text)
    if same is not None:
        # Corrections of the other copy are kept: its pages are the best text of these bytes.
        return _finish(file_text, claimed_at, same.method, list(same.pages), None, same.ocr_pdf.name)
    try:
        # The stored file may be in a bucket: OCRmyPDF and poppler read a copy on this machine's disk.
        with (tempfile.TemporaryDirectory(prefix="ocr-") as workdir,
              local_copy(_source_file(file_text), file_text.sha256) as path):
            method, pages, ocr_path = file_pages(path, workdir)
            return _finish(file_text, claimed_at, method, pages, ocr_path)
    except PermanentError as error:
        _fail(file_text, claimed_at, str(error))
    except TamperedFile as error:
        _fail(file_text, claimed_at, error.message)
    except (OSError, RuntimeError, subprocess.TimeoutExpired) as error:
        logger.warning("OCR of FileText %s failed: %s", file_text.pk, error)
        _fail(file_text, claimed_at, str(error), permanent=False)
    return False


def tools_present():
    """Whether the programs extraction needs are installed (pdftotext, ocrmypdf, tesseract with Vietnamese)."""
    from shutil import which

    if not (which("pdftotext") and which("ocrmypdf") and which("tesseract")):
        return False
    result = _run(["tesseract", "--list-langs"], timeout=30)
    return "vie" in result.stdout.decode(errors="replace").split()


__all__ = ["extract", "recoverable_ids", "file_pages", "pdf_pages_text", "ocr_run", "tools_present"]
