"""Text folding for search: case and Vietnamese diacritics are ignored ("ha tinh" finds "Hà Tĩnh")."""

import unicodedata

from unidecode import unidecode


def nfc(text):
    return unicodedata.normalize("NFC", text or "")


def fold(text):
    """Lower-case ASCII form with single spaces; đ/Đ become d."""
    return " ".join(unidecode(nfc(text)).lower().split())
