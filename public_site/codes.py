"""Lookup codes of replies to citizens: unguessable, easy to read aloud over the phone and to type.

Stored without separators in upper case; shown in groups of four (ABCD-EFGH-JKMN); accepted typed in any
case, with or without dashes and spaces. This module imports nothing from the apps, so documents can use it.
"""

import re

from django.utils.crypto import get_random_string

# No 0/O, 1/I/L: nothing that reads or sounds like something else.
ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
LENGTH = 12  # 31**12 ≈ 7.9e17 codes, about 59 bits
GROUP = 4
_SEPARATORS = re.compile(r"[\s\-–—_.]+")


def lookup_code_new():
    return get_random_string(LENGTH, ALPHABET)


def lookup_code_normalize(text):
    """The stored form of what a person typed: separators dropped, upper case. Not checked for validity."""
    return _SEPARATORS.sub("", text or "").upper()


def lookup_code_is_well_formed(code):
    return len(code) == LENGTH and all(ch in ALPHABET for ch in code)


def lookup_code_display(code):
    """ABCDEFGHJKMN → ABCD-EFGH-JKMN."""
    code = code or ""
    return "-".join(code[i:i + GROUP] for i in range(0, len(code), GROUP))
