"""Where the signatures, the seal, the QR code, the number and the date go on the page (docs/signatures.md).

`places` (Outgoing.signature_places): {"signer": {"page": p, "x": x, "y": y}, "number": {...}, "date": {...}},
points from the page's lower left, `page` 0-based (-1 = last page), x, y the centre of the box. Missing keys fall
back to defaults; the signer's default is the placeholder text (settings.PKI_SIGNER_PLACEHOLDER) where the PDF
has it. Boxes are (x0, y0, x1, y1) in the page's default user space.
"""

import re
import shutil
import subprocess
import tempfile
from io import BytesIO
from pathlib import Path

from django.conf import settings
from pyhanko.pdf_utils.reader import PdfFileReader

MM = 72 / 25.4
SIGNER_WIDTH, SIGNER_HEIGHT = 55 * MM, 28 * MM
SEAL_DIAMETER_MM = 36
QR_SIZE = 20 * MM
NUMBER_WIDTH, DATE_WIDTH, LINE_HEIGHT = 75 * MM, 95 * MM, 7 * MM
_HEADER_DROP = 45 * MM  # the number and date line sits this far below the top edge, under the agency name
_SIGNER_RISE = 65 * MM  # the signer's centre: 45 mm above a 20 mm bottom margin
_QR_MARGIN = 8 * MM
KEYS = ("signer", "number", "date")


def placeholder_text():
    return getattr(settings, "PKI_SIGNER_PLACEHOLDER", "[CHU_KY]")


# --- pages ------------------------------------------------------------------------------------------------

def page_count(handler):
    return int(handler.root["/Pages"]["/Count"])


def page_box(handler, index):
    """(x0, y0, x1, y1) of the page's visible area (CropBox, else MediaBox, inherited if need be)."""
    page = handler.find_page_for_modification(index)[0].get_object()
    node, box = page, None
    while node is not None and box is None:
        box = node.get("/CropBox") or node.get("/MediaBox")
        parent = node.get("/Parent")
        node = parent.get_object() if parent is not None and box is None else None
    x0, y0, x1, y1 = (float(v) for v in (box or [0, 0, 595.28, 841.89]))
    return min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1)


def _page_index(handler, page):
    count = page_count(handler)
    page = int(page)
    page = page + count if page < 0 else page
    return min(max(page, 0), count - 1)


# --- placeholder ------------------------------------------------------------------------------------------

_WORD = re.compile(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>')
_PAGE = re.compile(r'<page width="([\d.]+)" height="([\d.]+)">')


def find_placeholder(pdf_bytes, text=None):
    """{"page", "x", "y", "rect"} of the last occurrence of the placeholder word, or None.

    Text extraction is poppler's (pdftotext -bbox): it decodes embedded subset fonts through their ToUnicode
    maps, which pyHanko does not do. Without poppler the default place is used.
    """
    text = text if text is not None else placeholder_text()
    if not text or not shutil.which("pdftotext"):
        return None
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "doc.pdf"
        path.write_bytes(pdf_bytes)
        try:
            result = subprocess.run(["pdftotext", "-bbox", "-q", str(path), "-"], capture_output=True, timeout=60)
        except subprocess.TimeoutExpired:
            return None
    found = None
    for index, chunk in enumerate(result.stdout.decode("utf-8", "replace").split("<page ")[1:]):
        page = _PAGE.match("<page " + chunk)
        for x0, y0, x1, y1, word in _WORD.findall(chunk):
            if word.strip() == text:
                height = float(page.group(2))
                found = {"page": index, "x0": float(x0), "x1": float(x1),
                         "top": height - float(y0), "bottom": height - float(y1)}
    return found


def _placeholder_place(handler, found):
    x0, y0, _x1, _y1 = page_box(handler, found["page"])
    rect = (x0 + found["x0"], y0 + found["bottom"], x0 + found["x1"], y0 + found["top"])
    return {"page": found["page"], "x": (rect[0] + rect[2]) / 2, "y": (rect[1] + rect[3]) / 2, "rect": rect}


# --- places -----------------------------------------------------------------------------------------------

def _defaults(handler):
    last = page_count(handler) - 1
    x0, y0, x1, y1 = page_box(handler, 0)
    lx0, ly0, lx1, _ly1 = page_box(handler, last)
    width = x1 - x0
    return {
        "signer": {"page": last, "x": lx0 + 0.72 * (lx1 - lx0), "y": ly0 + _SIGNER_RISE},
        "number": {"page": 0, "x": x0 + 0.25 * width, "y": y1 - _HEADER_DROP},
        "date": {"page": 0, "x": x0 + 0.68 * width, "y": y1 - _HEADER_DROP},
    }


def resolve_places(handler, places, *, placeholder=None):
    """Every key of `places` filled in: the drafter's place, else the placeholder's (signer), else the default.

    Pages come back 0-based and non-negative. `placeholder` is find_placeholder()'s answer, if looked up.
    """
    resolved = _defaults(handler)
    if placeholder:
        resolved["signer"] = _placeholder_place(handler, placeholder)
    for key in KEYS:
        given = (places or {}).get(key) or {}
        if {"x", "y"} <= set(given):
            resolved[key] = {"page": given.get("page", resolved[key]["page"]), "x": float(given["x"]),
                             "y": float(given["y"])}
        resolved[key]["page"] = _page_index(handler, resolved[key]["page"])
    return resolved


def default_places(pdf_bytes) -> dict:
    """The places a draft gets when the drafter marks none: {"signer": {...}, "number": {...}, "date": {...}}."""
    handler = PdfFileReader(BytesIO(pdf_bytes), strict=False)
    places = resolve_places(handler, {}, placeholder=find_placeholder(pdf_bytes))
    return {key: {k: (round(v, 2) if isinstance(v, float) else v) for k, v in places[key].items() if k != "rect"}
            for key in KEYS}


# --- geometry ---------------------------------------------------------------------------------------------

def centred(x, y, width, height):
    return (round(x - width / 2, 2), round(y - height / 2, 2), round(x + width / 2, 2), round(y + height / 2, 2))


def signer_rect(place):
    return centred(place["x"], place["y"], SIGNER_WIDTH, SIGNER_HEIGHT)


def seal_rect(signer_box, diameter_mm=SEAL_DIAMETER_MM):
    """The seal at actual size, on the signer's centre line, its right edge a third into the signer's image."""
    diameter = diameter_mm * MM
    right = signer_box[0] + (signer_box[2] - signer_box[0]) / 3
    return centred(right - diameter / 2, (signer_box[1] + signer_box[3]) / 2, diameter, diameter)


def overlaps(a, b):
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def qr_rect(page, avoid):
    """A QR box in a corner of page 1's margins that covers nothing in `avoid` (bottom left first)."""
    x0, y0, x1, y1 = page
    m, s = _QR_MARGIN, QR_SIZE
    corners = [(x0 + m, y0 + m), (x1 - m - s, y0 + m), (x0 + m, y1 - m - s), (x1 - m - s, y1 - m - s)]
    candidates = [(round(x, 2), round(y, 2), round(x + s, 2), round(y + s, 2)) for x, y in corners]
    for rect in candidates:
        if not any(overlaps(rect, other) for other in avoid):
            return rect
    return candidates[0]


def boxes(handler, places, *, seal_diameter_mm=SEAL_DIAMETER_MM, placeholder=None):
    """{"signer"|"seal"|"qr"|"number"|"date": {"page": p, "rect": (x0, y0, x1, y1)}} for resolved places."""
    resolved = resolve_places(handler, places, placeholder=placeholder)
    signer = signer_rect(resolved["signer"])
    page = resolved["signer"]["page"]
    result = {
        "signer": {"page": page, "rect": signer},
        "seal": {"page": page, "rect": seal_rect(signer, seal_diameter_mm)},
        "number": {"page": resolved["number"]["page"],
                   "rect": centred(resolved["number"]["x"], resolved["number"]["y"], NUMBER_WIDTH, LINE_HEIGHT)},
        "date": {"page": resolved["date"]["page"],
                 "rect": centred(resolved["date"]["x"], resolved["date"]["y"], DATE_WIDTH, LINE_HEIGHT)},
    }
    avoid = [box["rect"] for box in result.values() if box["page"] == 0]
    result["qr"] = {"page": 0, "rect": qr_rect(page_box(handler, 0), avoid)}
    if placeholder and "rect" in resolved["signer"]:
        result["placeholder"] = {"page": page, "rect": tuple(round(v, 2) for v in resolved["signer"]["rect"])}
    return result


def place_boxes(pdf_bytes, places, *, seal_diameter_mm=SEAL_DIAMETER_MM) -> dict:
    """Page and rectangle of the signer's image, the seal, the QR code, the number and the date (for the preview).

    Each value: {"page": p (0-based), "rect": [x0, y0, x1, y1]}; "placeholder" too when the PDF has one.
    """
    handler = PdfFileReader(BytesIO(pdf_bytes), strict=False)
    found = None if (places or {}).get("signer") else find_placeholder(pdf_bytes)
    result = boxes(handler, places, seal_diameter_mm=seal_diameter_mm, placeholder=found)
    return {key: {"page": value["page"], "rect": list(value["rect"])} for key, value in result.items()}
