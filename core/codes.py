"""Codes people read aloud and type: the lookup codes of replies to citizens and the short codes of the
verification address printed in the stamp. Unguessable, with nothing that reads or sounds like something else.

Lookup codes are stored without separators in upper case; shown in groups of four (ABCD-EFGH-JKMN);
accepted typed in any case, with or without dashes and spaces.
"""

import re

from django.utils.crypto import get_random_string

# No 0/O, 1/I/L: nothing that reads or sounds like something else.
ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
LENGTH = 12  # 31**12 ≈ 7.9e17 codes, about 59 bits
GROUP = 4
_SEPARATORS = re.compile(r"[\s\-–—_.]+")


VERIFY_LENGTH = 10


def lookup_code_new():
    return get_random_string(LENGTH, ALPHABET)


def verify_code_new():
    return get_random_string(VERIFY_LENGTH, ALPHABET)


def lookup_code_normalize(text):
    """The stored form of what a person typed: separators dropped, upper case. Not checked for validity."""
    return _SEPARATORS.sub("", text or "").upper()


def lookup_code_is_well_formed(code):
    return len(code) == LENGTH and all(ch in ALPHABET for ch in code)


def lookup_code_display(code):
    """ABCDEFGHJKMN → ABCD-EFGH-JKMN."""
    code = code or ""
    return "-".join(code[i:i + GROUP] for i in range(0, len(code), GROUP))
