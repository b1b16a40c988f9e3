"""Encoders into the legacy Vietnamese encodings, written from the byte tables independently of intake.charsets,
so that a slip in the decoder's tables shows up as a failed round trip instead of being mirrored."""

import unicodedata

GRAVE, HOOK, TILDE, ACUTE, DOT = "\u0300", "\u0309", "\u0303", "\u0301", "\u0323"
TONES = (GRAVE, HOOK, TILDE, ACUTE, DOT)
CIRCUMFLEX, BREVE, HORN = "\u0302", "\u0306", "\u031b"


def _split(char):
    """'ệ' -> ('ê', DOT): the letter with its vowel mark, and its tone mark (or "")."""
    decomposed = unicodedata.normalize("NFD", char)
    tone = next((mark for mark in decomposed if mark in TONES), "")
    letter = unicodedata.normalize("NFC", "".join(mark for mark in decomposed if mark not in TONES))
    return letter, tone


# TCVN3 (ABC): each lower-case vowel has five bytes, in the order grave, hook, tilde, acute, dot below.
TCVN3_TONED = {
    "a": b"\xb5\xb6\xb7\xb8\xb9", "ă": b"\xbb\xbc\xbd\xbe\xc6", "â": b"\xc7\xc8\xc9\xca\xcb",
    "e": b"\xcc\xce\xcf\xd0\xd1", "ê": b"\xd2\xd3\xd4\xd5\xd6", "i": b"\xd7\xd8\xdc\xdd\xde",
    "o": b"\xdf\xe1\xe2\xe3\xe4", "ô": b"\xe5\xe6\xe7\xe8\xe9", "ơ": b"\xea\xeb\xec\xed\xee",
    "u": b"\xef\xf1\xf2\xf3\xf4", "ư": b"\xf5\xf6\xf7\xf8\xf9", "y": b"\xfa\xfb\xfc\xfd\xfe",
}
TCVN3_LETTERS = {"Ă": 0xA1, "Â": 0xA2, "Ê": 0xA3, "Ô": 0xA4, "Ơ": 0xA5, "Ư": 0xA6, "Đ": 0xA7,
                 "ă": 0xA8, "â": 0xA9, "ê": 0xAA, "ô": 0xAB, "ơ": 0xAC, "ư": 0xAD, "đ": 0xAE}
TCVN3_TONE_MARKS = dict(zip(TONES, b"\xb0\xb1\xb2\xb3\xb4", strict=True))


def _tcvn3_letter(letter):
    # Punctuation such as "—" keeps its windows-1252 byte, as in the .VnTime fonts.
    return bytes([TCVN3_LETTERS[letter]]) if letter in TCVN3_LETTERS else letter.encode("cp1252")


def encode_tcvn3(text):
    """As the .VnTime fonts write it; toned capitals are a capital followed by a separate tone mark."""
    out = bytearray()
    for char in unicodedata.normalize("NFC", text):
        letter, tone = _split(char)
        if not tone:
            out += _tcvn3_letter(letter)
        elif letter in TCVN3_TONED:
            out.append(TCVN3_TONED[letter][TONES.index(tone)])
        else:
            out += _tcvn3_letter(letter) + bytes([TCVN3_TONE_MARKS[tone]])
    return bytes(out)


# VNI-Windows: base letter + one modifier byte (lower- and upper-case sets); some letters are one byte.
VNI_TONE = {False: dict(zip(TONES, "øûõùï", strict=True)), True: dict(zip(TONES, "ØÛÕÙÏ", strict=True))}
VNI_CIRCUMFLEX = {False: dict(zip(("", *TONES), "âàåãáä", strict=True)),
                  True: dict(zip(("", *TONES), "ÂÀÅÃÁÄ", strict=True))}
VNI_BREVE = {False: dict(zip(("", *TONES), "êèúüéë", strict=True)),
             True: dict(zip(("", *TONES), "ÊÈÚÜÉË", strict=True))}
VNI_I = {False: dict(zip(TONES, "ìæóíò", strict=True)), True: dict(zip(TONES, "ÌÆÓÍÒ", strict=True))}
VNI_SINGLE = {"ơ": "ô", "ư": "ö", "đ": "ñ", "Ơ": "Ô", "Ư": "Ö", "Đ": "Ñ"}


def encode_vni(text):
    out = []
    for char in unicodedata.normalize("NFC", text):
        letter, tone = _split(char)
        upper = letter.isupper()
        decomposed = unicodedata.normalize("NFD", letter)
        base, marks = decomposed[0], decomposed[1:]
        if letter in VNI_SINGLE:
            out.append(VNI_SINGLE[letter] + (VNI_TONE[upper][tone] if tone else ""))
        elif CIRCUMFLEX in marks:
            out.append(base + VNI_CIRCUMFLEX[upper][tone])
        elif BREVE in marks:
            out.append(base + VNI_BREVE[upper][tone])
        elif base in "iI" and tone:
            out.append(VNI_I[upper][tone])
        elif base in "yY" and tone == DOT:
            out.append("Î" if upper else "î")
        elif tone:
            out.append(base + VNI_TONE[upper][tone])
        else:
            out.append(letter)
    return "".join(out).encode("cp1252")


def encode_cp1258(text):
    """windows-1258 has few precomposed letters: the rest is a letter plus a combining tone byte."""
    out = bytearray()
    for char in unicodedata.normalize("NFC", text):
        try:
            out += char.encode("cp1258")
        except UnicodeEncodeError:
            letter, tone = _split(char)
            out += letter.encode("cp1258") + tone.encode("cp1258")
    return bytes(out)
