"""Text folding for search: case, Vietnamese diacritics and punctuation are ignored
("ha tinh" finds "Hà Tĩnh", "buu chinh vien thong" finds "Bưu chính, Viễn thông")."""

import re
import unicodedata

from unidecode import unidecode

PUNCTUATION_RE = re.compile(r"[^\w@.&]+")
# A dot belongs to a word only inside it (codes 000.00.00.G22, addresses); "TP." loses it.
LOOSE_DOT_RE = re.compile(r"(?<!\w)\.|\.(?!\w)")


def nfc(text):
    return unicodedata.normalize("NFC", text or "")


def fold(text):
    """Lower-case ASCII words separated by single spaces; đ/Đ become d, punctuation a space."""
    ascii_text = PUNCTUATION_RE.sub(" ", unidecode(nfc(text)).lower())
    return " ".join(LOOSE_DOT_RE.sub(" ", ascii_text).split())
