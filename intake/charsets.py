"""Vietnamese text from bytes: UTF-8, windows-1258 and the legacy 8-bit font encodings TCVN3 (ABC) and VNI.

Mail written with the old .VnTime (TCVN3) or VNI-Times fonts arrives labelled latin-1/windows-1252, or not
labelled at all, and reads as "C«ng v¨n" or "Coâng vaên". `decode_bytes` tries every reading and keeps the
one whose words look most like Vietnamese syllables (character statistics over whole words), so that a real
latin-1 text stays latin-1 and a TCVN3 or VNI text comes out as Unicode NFC (TCVN 6909:2001).
"""

import codecs
import re
import unicodedata
from dataclasses import dataclass

from core.text import nfc

GRAVE, HOOK, TILDE, ACUTE, DOT = "\u0300", "\u0309", "\u0303", "\u0301", "\u0323"
TONE_MARKS = frozenset((GRAVE, HOOK, TILDE, ACUTE, DOT))

TCVN3 = "tcvn3"
VNI = "vni"
CP1258 = "windows-1258"
CP1252 = "windows-1252"
UTF8 = "utf-8"

ENCODING_LABELS = {
    TCVN3: "TCVN3 (ABC)",
    VNI: "VNI-Windows",
    CP1258: "Windows-1258",
}


def _cp1252_char(byte):
    try:
        return bytes([byte]).decode("cp1252")
    except UnicodeDecodeError:  # 0x81, 0x8D, 0x8F, 0x90, 0x9D are unassigned in cp1252
        return chr(byte)


# TCVN 5712:1993. Bytes 0xA0-0xFF as in the VN1 table (glibc's TCVN5712-1); VN3, the ABC fonts' subset,
# leaves the capitals at 0xAF, 0xBA, 0xBF-0xC5, 0xCD, 0xD9-0xDB, 0xE0, 0xF0 and 0xFF unused and writes the
# other toned capitals as a base capital followed by one of the tone marks at 0xB0-0xB4.
# Bytes 0x80-0x9F keep their windows-1252 meaning (smart quotes, dashes), as the .VnTime fonts do.
_TCVN3_HIGH = (
    "\u00a0ĂÂÊÔƠƯĐăâêôơưđẰ"  # 0xA0-0xAF
    "\u0300\u0309\u0303\u0301\u0323àảãáạẲằẳẵắẴ"  # 0xB0-0xBF: combining grave, hook, tilde, acute, dot
    "ẮẦẨẪẤỀặầẩẫấậèỂẻẽ"  # 0xC0-0xCF
    "éẹềểễếệìỉỄẾỒĩíịò"  # 0xD0-0xDF
    "Ổỏõóọồổỗốộờởỡớợù"  # 0xE0-0xEF
    "ỖủũúụừửữứựỳỷỹýỵỐ"  # 0xF0-0xFF
)
TCVN3_TABLE = {byte: chr(byte) for byte in range(0x80)}
TCVN3_TABLE.update({byte: _cp1252_char(byte) for byte in range(0x80, 0xA0)})
TCVN3_TABLE.update({0xA0 + offset: char for offset, char in enumerate(_TCVN3_HIGH)})


_WORD = re.compile(r"\S+")


def _vntimeh_capitals(word):
    """Capitals typed with the .VnTimeH font use the lower-case codes: "TØNH" is "TỈNH", "ñY" is "ỦY"."""
    letters = [char for char in word if char.isalpha()]
    if any(char.isascii() and char.islower() for char in letters):
        return word
    upper_ascii = sum(char.isascii() and char.isupper() for char in letters)
    seen_lower = False
    for char in letters:
        if not char.isascii() and char.islower():
            seen_lower = True
        elif seen_lower and char.isupper():
            return word.upper()
    return word.upper() if upper_ascii >= 2 else word


def decode_tcvn3(data: bytes) -> str:
    text = nfc("".join(TCVN3_TABLE[byte] for byte in data))
    return _WORD.sub(lambda match: _vntimeh_capitals(match.group(0)), text)


# VNI-Windows: a base letter followed by a byte that adds the tone, the circumflex or breve, or both.
# Lower-case and capital letters have their own sets of modifier bytes; both are accepted after either.
VNI_TONES = {"ù": ACUTE, "ø": GRAVE, "û": HOOK, "õ": TILDE, "ï": DOT,
             "Ù": ACUTE, "Ø": GRAVE, "Û": HOOK, "Õ": TILDE, "Ï": DOT}
VNI_CIRCUMFLEX = {"â": "", "á": ACUTE, "à": GRAVE, "å": HOOK, "ã": TILDE, "ä": DOT,
                  "Â": "", "Á": ACUTE, "À": GRAVE, "Å": HOOK, "Ã": TILDE, "Ä": DOT}  # after a, e, o
VNI_BREVE = {"ê": "", "é": ACUTE, "è": GRAVE, "ú": HOOK, "ü": TILDE, "ë": DOT,
             "Ê": "", "É": ACUTE, "È": GRAVE, "Ú": HOOK, "Ü": TILDE, "Ë": DOT}  # after a
# Letters VNI writes with one byte; ơ and ư may still take a tone byte after them.
VNI_SINGLE = {"ô": "ơ", "ö": "ư", "ñ": "đ", "í": "í", "ì": "ì", "æ": "ỉ", "ó": "ĩ", "ò": "ị", "î": "ỵ",
              "Ô": "Ơ", "Ö": "Ư", "Ñ": "Đ", "Í": "Í", "Ì": "Ì", "Æ": "Ỉ", "Ó": "Ĩ", "Ò": "Ị", "Î": "Ỵ"}
_VNI_VOWELS = frozenset("aeiouyAEIOUY")


def decode_vni(data: bytes) -> str:
    chars = [_cp1252_char(byte) for byte in data]
    out, i = [], 0
    while i < len(chars):
        char, following = chars[i], chars[i + 1] if i + 1 < len(chars) else ""
        if char in VNI_SINGLE:
            letter = VNI_SINGLE[char]
            if letter in "ơưƠƯ" and following in VNI_TONES:
                out.append(letter + VNI_TONES[following])
                i += 2
                continue
            out.append(letter)
        elif char in _VNI_VOWELS and following in VNI_TONES:
            out.append(char + VNI_TONES[following])
            i += 2
            continue
        elif char in "aeoAEO" and following in VNI_CIRCUMFLEX:
            out.append(char + "\u0302" + VNI_CIRCUMFLEX[following])
            i += 2
            continue
        elif char in "aA" and following in VNI_BREVE:
            out.append(char + "\u0306" + VNI_BREVE[following])
            i += 2
            continue
        else:
            out.append(char)
        i += 1
    return nfc("".join(out))


def decode_cp1258(data: bytes, errors="strict") -> str:
    # windows-1258 writes most toned letters as base letter + combining tone mark.
    return nfc(data.decode("cp1258", errors=errors))


def decode_cp1252(data: bytes) -> str:
    return "".join(_cp1252_char(byte) if byte >= 0x80 else chr(byte) for byte in data)


LEGACY_DECODERS = {CP1252: decode_cp1252, CP1258: lambda data: decode_cp1258(data, errors="replace"),
                   TCVN3: decode_tcvn3, VNI: decode_vni}


# --- How Vietnamese a text looks ----------------------------------------------------------------

def _vietnamese_letters():
    letters = set("đĐ")
    for base in "aăâeêioôơuưy":
        for tone in ("", *TONE_MARKS):
            letter = nfc(base + tone)
            letters.update((letter, letter.upper()))
    return frozenset(letters)


VIETNAMESE_LETTERS = _vietnamese_letters()
_ONSETS = "ngh|ng|nh|ch|gh|gi|kh|ph|qu|th|tr|[bcdđghklmnpqrstvx]"
_NUCLEI = (
    "a ă â e ê i o ô ơ u ư y ai ao au ay âu ây eo êu ia iê iu oa oă oe oi oo ôi ơi ua uâ uê ui uô uơ ưa ưi ưu "
    "ươ uy yê iêu oai oao oay oeo uây uôi ươi ươu uya uyê uyu yêu"
).split()
_SYLLABLE = re.compile(
    rf"^(?:{_ONSETS})?(?:{'|'.join(sorted(_NUCLEI, key=len, reverse=True))})(?:ch|ng|nh|[cmnpt])?$"
)
_WORD_SPLIT = re.compile(r"[\s0-9!-/:-@\[-`{-~\u2010-\u201f]+")


def is_vietnamese_syllable(word):
    if not (word.islower() or word.isupper() or word.istitle()):  # "khÈn" is TCVN3 read as latin-1
        return False
    if any(not (char.isascii() and char.isalpha()) and char not in VIETNAMESE_LETTERS for char in word):
        return False
    decomposed = unicodedata.normalize("NFD", word.lower())
    if sum(char in TONE_MARKS for char in decomposed) > 1:
        return False
    toneless = nfc("".join(char for char in decomposed if char not in TONE_MARKS))
    return bool(_SYLLABLE.match(toneless))


def vietnamese_score(text):
    """+1 for every word with a non-ASCII letter that is a Vietnamese syllable, -1 for every other one."""
    score = 0
    for word in _WORD_SPLIT.split(nfc(text)):
        if word and not word.isascii():
            score += 1 if is_vietnamese_syllable(word) else -1
    return score


# --- Choosing a reading ---------------------------------------------------------------------------

_WESTERN = {"", "us-ascii", "ascii", "iso-8859-1", "iso8859-1", "latin1", "latin-1", "l1", "windows-1252",
            "cp1252", "iso-8859-15", "latin-9", "x-unknown", "unknown", "unknown-8bit", "x-user-defined"}
_ALIASES = {"utf8": UTF8, "unicode-1-1-utf-8": UTF8, "cp1258": CP1258, "windows-1258": CP1258,
            "x-viet-vni": VNI, "vni": VNI, "x-vni": VNI, "tcvn": TCVN3, "tcvn3": TCVN3, "x-viet-tcvn": TCVN3,
            "x-viet-tcvn5712": TCVN3, "tcvn-5712": TCVN3, "tcvn5712-1": TCVN3, "abc": TCVN3}


def normalize_charset(label):
    label = (label or "").strip().strip("\"'").lower()
    label = label.split("*", 1)[0]  # RFC 2231 language suffix: utf-8*vi
    return _ALIASES.get(label, label)


@dataclass
class Decoded:
    text: str
    encoding: str
    lossy: bool = False  # some bytes could not be decoded and were replaced

    @property
    def legacy(self):
        """The legacy encoding that was converted from, when it was one."""
        return self.encoding if self.encoding in ENCODING_LABELS else ""


def _best_legacy_reading(data, preferred=CP1252):
    readings = {name: decode(data) for name, decode in LEGACY_DECODERS.items()}
    scores = {name: vietnamese_score(text) for name, text in readings.items()}
    best = max(scores, key=lambda name: (scores[name], name == preferred))
    # A legacy reading must be clearly better than the label's own, or the label wins.
    if best != preferred and scores[best] - scores[preferred] < 2:
        best = preferred
    return Decoded(readings[best], best)


def decode_bytes(data: bytes, declared: str | None = None) -> Decoded:
    """Decode text whose charset label (if any) may be missing or wrong; never raises."""
    charset = normalize_charset(declared)
    if data.isascii():
        return Decoded(data.decode("ascii"), charset or "us-ascii")
    if charset in (UTF8, *_WESTERN):
        try:
            return repair_text(nfc(data.decode("utf-8")), encoding=UTF8)
        except UnicodeDecodeError:
            if charset == UTF8:
                return Decoded(nfc(data.decode("utf-8", errors="replace")), UTF8, lossy=True)
        return _best_legacy_reading(data)
    if charset in LEGACY_DECODERS:
        if charset == CP1258:
            try:
                return Decoded(decode_cp1258(data), CP1258)
            except UnicodeDecodeError:
                return Decoded(decode_cp1258(data, errors="replace"), CP1258, lossy=True)
        return Decoded(LEGACY_DECODERS[charset](data), charset)
    try:
        codecs.lookup(charset)
    except LookupError:  # a label no codec knows: read it as if unlabelled
        return _best_legacy_reading(data)
    try:
        return Decoded(nfc(data.decode(charset)), charset)
    except UnicodeDecodeError:
        return Decoded(nfc(data.decode(charset, errors="replace")), charset, lossy=True)


def repair_text(text: str, encoding: str = UTF8) -> Decoded:
    """Undo TCVN3/VNI text that was already turned into Unicode as if it were latin-1 ("C«ng v¨n")."""
    if text.isascii():
        return Decoded(text, encoding)
    try:
        data = text.encode("cp1252")
    except UnicodeEncodeError:
        try:
            data = text.encode("latin-1")
        except UnicodeEncodeError:  # real Vietnamese Unicode (ộ, ư…) is outside both
            return Decoded(text, encoding)
    reading = _best_legacy_reading(data)
    if reading.encoding == CP1252:
        return Decoded(text, encoding)
    return reading
