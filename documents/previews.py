"""Page images of a draft's main file, where the drafter marks the signer's place (docs/signatures.md).

poppler renders them (`pdfinfo` for the page boxes, `pdftoppm` for the pixels), once per file: the cache
under VAR_DIR is keyed by the file's SHA-256, so a new main file gets new images and an old one costs nothing.
The images are only ever served through the draft's own permission check (documents.views.signing).
"""

import json
import os
import re
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

# Width in CSS pixels of a page image; the page shows it at exactly this size, so a click's coordinates
# (an <input type="image"> sends them, no script needed) are pixels of the image.
PREVIEW_WIDTH = 620
POPPLER_TIMEOUT = 30
_BOX = re.compile(r"^Page\s+(\d+)\s+CropBox:\s+([-\d.]+)\s+([-\d.]+)\s+([-\d.]+)\s+([-\d.]+)", re.MULTILINE)
_ROT = re.compile(r"^Page\s+(\d+)\s+rot:\s+(\d+)", re.MULTILINE)


@dataclass(frozen=True)
class Page:
    """One page's visible area (CropBox) in PDF points, and the size of its preview image in pixels."""

    index: int
    x0: float
    y0: float
    width: float
    height: float
    rotation: int = 0

    @property
    def scale(self):
        """PDF points per image pixel."""
        return self.width / PREVIEW_WIDTH

    @property
    def image_height(self):
        return round(self.height / self.scale)

    def point_at(self, px, py):
        """The PDF point (x, y from the lower left) under pixel (px, py) of the image (from its top left)."""
        px = min(max(float(px), 0), PREVIEW_WIDTH)
        py = min(max(float(py), 0), self.image_height)
        return round(self.x0 + px * self.scale, 1), round(self.y0 + self.height - py * self.scale, 1)

    def percent_box(self, box):
        """A box (x0, y0, x1, y1) in points as CSS percentages of the image: left, top, width, height."""
        bx0, by0, bx1, by1 = box
        return {
            "left": round(100 * (bx0 - self.x0) / self.width, 2),
            "top": round(100 * (self.y0 + self.height - by1) / self.height, 2),
            "width": round(100 * (bx1 - bx0) / self.width, 2),
            "height": round(100 * (by1 - by0) / self.height, 2),
        }


KEEP_DAYS = 7  # page images nobody looked at for this long are removed (page_previews_purge)


def _root():
    return Path(settings.VAR_DIR) / "cache" / "previews"


def _cache_dir(sha256):
    directory = _root() / sha256[:2] / sha256
    directory.mkdir(parents=True, exist_ok=True)
    os.utime(directory)  # last use, for purge_stale
    return directory


def purge_stale(*, days=KEEP_DAYS):
    """Remove the page images of files nobody previewed for `days` days; returns how many files' images went."""
    cutoff = time.time() - days * 86400
    removed = 0
    for directory in _root().glob("??/*"):
        if directory.is_dir() and directory.stat().st_mtime < cutoff:
            shutil.rmtree(directory, ignore_errors=True)
            removed += 1
    return removed


def _write_atomically(path, data):
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    os.replace(temporary, path)


def _unreadable():
    return ValidationError(_("Không dựng được hình trang của tệp văn bản chính để chọn vị trí chữ ký."),
                           code="preview_failed")


def _poppler(args, pdf_bytes, *after):
    """stdout of a poppler tool run on the PDF (written to a temporary file), `after` following its name."""
    with tempfile.NamedTemporaryFile(suffix=".pdf") as source:
        source.write(pdf_bytes)
        source.flush()
        try:
            done = subprocess.run([*args, source.name, *after], capture_output=True, timeout=POPPLER_TIMEOUT,
                                  check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise _unreadable() from exc
    if done.returncode != 0:
        raise _unreadable()
    return done.stdout


def pages(pdf_bytes, sha256):
    """Every page of the PDF (Page), read once per file."""
    cached = _cache_dir(sha256) / "pages.json"
    if cached.exists():
        return [Page(**row) for row in json.loads(cached.read_text())]
    text = _poppler(["pdfinfo", "-f", "1", "-l", "100000", "-box"], pdf_bytes).decode("utf-8", "replace")
    rotations = {int(n): int(r) % 360 for n, r in _ROT.findall(text)}
    result = []
    for number, x0, y0, x1, y1 in _BOX.findall(text):
        x0, y0, x1, y1 = float(x0), float(y0), float(x1), float(y1)
        result.append(Page(int(number) - 1, min(x0, x1), min(y0, y1), abs(x1 - x0), abs(y1 - y0),
                           rotations.get(int(number), 0)))
    if not result:
        raise _unreadable()
    _write_atomically(cached, json.dumps([page.__dict__ for page in result]).encode())
    return result


def page_image(pdf_bytes, sha256, index):
    """PNG bytes of page `index` (0-based), PREVIEW_WIDTH pixels wide."""
    cached = _cache_dir(sha256) / f"page-{index}-{PREVIEW_WIDTH}.png"
    if cached.exists():
        return cached.read_bytes()
    number = str(index + 1)
    with tempfile.TemporaryDirectory() as directory:
        prefix = Path(directory) / "page"
        _poppler(["pdftoppm", "-png", "-f", number, "-l", number, "-scale-to-x", str(PREVIEW_WIDTH),
                  "-scale-to-y", "-1", "-singlefile"], pdf_bytes, str(prefix))
        image = prefix.with_suffix(".png")
        if not image.exists():
            raise _unreadable()
        data = image.read_bytes()
    _write_atomically(cached, data)
    return data
