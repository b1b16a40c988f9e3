"""Vietnamese text for search: folding (case and diacritics off, đ = d), words, notation keys, queries, snippets.

Both sides of every comparison go through `fold`, in Python, so PostgreSQL and SQLite compare the same strings and
give the same results; PostgreSQL only adds indexes (see search/migrations/0002_postgresql.py).
"""

import re
import unicodedata
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import mark_safe

_NON_WORD = re.compile(r"[^0-9a-z]+")
_PHRASE_SEPARATORS = re.compile(r'"([^"]*)"|[,;]')
SNIPPET_CHARS = 220


def _fold_char(char):
    if char in "đĐ":
        return "d"
    base = unicodedata.normalize("NFD", char)[0]
    return base.lower() if base.isascii() else char.lower()


class _Folding(dict):
    """Each character's fold, worked out the first time it is met: `str.translate` then folds a text in C."""

    def __missing__(self, code):
        folded = self[code] = _fold_char(chr(code))
        return folded


_FOLDING = _Folding()


def fold(text):
    """Lower case, no diacritics, đ as d, one character for one character of the NFC text (so positions in the
    folded text are positions in the original: snippets highlight the original)."""
    return unicodedata.normalize("NFC", text or "").translate(_FOLDING)


def word_list(text):
    return [word for word in _NON_WORD.split(fold(text)) if word]


def words(text):
    """The folded words of `text` between single spaces, with a space at each end: a phrase is found with
    LIKE '% w1 w2 %', words in order, whole words only ("15" is not in "115")."""
    found = word_list(text)
    return f" {' '.join(found)} " if found else ""


def number_key(text):
    """A number and notation in any spelling as one key: 15/QĐ-BNV, 15/qd-bnv and 15 qđ bnv give 15qdbnv."""
    return "".join(word_list(text))


@dataclass(frozen=True)
class Query:
    text: str
    phrases: tuple  # each a tuple of folded words, all required, each in its order
    key: str  # number_key of the whole query when it looks like a number or notation, else ""

    def __bool__(self):
        return bool(self.phrases)

    @property
    def all_words(self):
        return [word for phrase in self.phrases for word in phrase]


def query_parse(text):
    """What a person typed, as phrases: a quoted part is a phrase; the rest is cut at commas and semicolons.
    Vietnamese words are made of syllables, so the syllables typed together are kept together and in order
    ("thien tai" finds "thiên tai" and never "tai thiên")."""
    text = (text or "").strip()[:200]
    phrases, position = [], 0
    for match in _PHRASE_SEPARATORS.finditer(text):
        phrases.append(text[position:match.start()])
        if match.group(1) is not None:
            phrases.append(match.group(1))
        position = match.end()
    phrases.append(text[position:])
    folded = tuple(tuple(found) for found in (word_list(phrase) for phrase in phrases) if found)
    key = number_key(text)
    looks_like_number = any(char.isdigit() for char in key) and any(char.isalpha() for char in key)
    return Query(text=text, phrases=folded, key=key if looks_like_number else "")


def _pattern(phrase):
    # Whole words of the folded text, any non-word characters between them.
    return r"(?<![0-9a-z])" + r"[^0-9a-z]+".join(re.escape(word) for word in phrase) + r"(?![0-9a-z])"


def snippet(text, query, length=SNIPPET_CHARS):
    """A piece of `text` around the first match of a phrase of `query`, every match in it marked (HTML-safe)."""
    text = unicodedata.normalize("NFC", text or "")
    folded = fold(text)
    patterns = [re.compile(_pattern(phrase)) for phrase in query.phrases]
    starts = [found.start() for found in (pattern.search(folded) for pattern in patterns) if found]
    if not starts:
        piece_start, piece_end = 0, min(len(text), length)
    else:
        piece_start = max(0, min(starts) - length // 3)
        piece_end = min(len(text), piece_start + length)
    spans = sorted(span for pattern in patterns for span in
                   (found.span() for found in pattern.finditer(folded, piece_start, piece_end)))
    parts, position = [], piece_start
    for start, end in spans:
        if start < position:
            continue
        parts.append(escape(text[position:start]))
        parts.append(f"<mark>{escape(text[start:end])}</mark>")
        position = end
    parts.append(escape(text[position:piece_end]))
    prefix = "…" if piece_start > 0 else ""
    suffix = "…" if piece_end < len(text) else ""
    return mark_safe(prefix + "".join(parts).strip() + suffix)
