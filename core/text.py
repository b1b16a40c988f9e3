"""Text every app shares: Unicode NFC, and folding for search, where case, Vietnamese diacritics and
punctuation are ignored ("ha tinh" finds "Hà Tĩnh", "buu chinh vien thong" finds "Bưu chính, Viễn thông")."""

import re
import unicodedata

from unidecode import unidecode

PUNCTUATION_RE = re.compile(r"[^\w@.&]+")
# A dot belongs to a word only inside it (codes 000.00.00.G22, addresses); "TP." loses it.
LOOSE_DOT_RE = re.compile(r"(?<!\w)\.|\.(?!\w)")


def nfc(text):
    """Unicode NFC: one code point for "ễ", as every page, search and e-mail header expects (macOS and some
    Vietnamese keyboards send NFD, a base letter followed by combining marks). None reads as ""."""
    return unicodedata.normalize("NFC", text or "")


def fold(text):
    """Lower-case ASCII words separated by single spaces; đ/Đ become d, punctuation a space."""
    ascii_text = PUNCTUATION_RE.sub(" ", unidecode(nfc(text)).lower())
    return " ".join(LOOSE_DOT_RE.sub(" ", ascii_text).split())


# Abbreviations clerks write in names ("UBND", "Sở TT&TT"), in folded form; the "Nơi nhận" paste and the
# directory search expand them the same way.
ABBREVIATIONS = {
    "ubnd": "uy ban nhan dan",
    "hdnd": "hoi dong nhan dan",
    "tw": "trung uong",
    "tp": "thanh pho",
    "tt&tt": "thong tin va truyen thong",
    "tttt": "thong tin va truyen thong",
    "kh&dt": "ke hoach va dau tu",
    "gd&dt": "giao duc va dao tao",
    "nn&ptnt": "nong nghiep va phat trien nong thon",
    "tn&mt": "tai nguyen va moi truong",
    "cq": "co quan",
}


def expand(text):
    """Folded words with each known abbreviation written out: "so tt&tt" → "so thong tin va truyen thong"."""
    return " ".join(ABBREVIATIONS.get(word, word) for word in fold(text).split())
