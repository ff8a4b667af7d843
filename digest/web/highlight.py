"""Search hits marked in text: the text escaped, each occurrence of a term wrapped in <mark>.

The one place the reading room builds markup itself, so it escapes everything it did not write.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

from markupsafe import Markup, escape

_BEFORE = 40  # characters of context before the first hit in a snippet
_LENGTH = 160  # characters of a snippet


def _pattern(terms: Sequence[str]) -> re.Pattern[str] | None:
    return _compiled(tuple(terms))


@lru_cache(maxsize=64)  # a results page marks 80 texts with the same terms
def _compiled(terms: tuple[str, ...]) -> re.Pattern[str] | None:
    # Longest first, so a term that contains another is marked whole.
    ordered = sorted({t for t in terms if t}, key=len, reverse=True)
    return re.compile("|".join(map(re.escape, ordered)), re.IGNORECASE) if ordered else None


def mark(text: str, terms: Sequence[str]) -> Markup:
    """``text`` escaped, its hits in <mark>."""
    pattern = _pattern(terms)
    if pattern is None:
        return escape(text)
    out = Markup()
    last = 0
    for hit in pattern.finditer(text):
        out += escape(text[last : hit.start()]) + Markup("<mark>") + escape(hit.group()) + Markup("</mark>")
        last = hit.end()
    return out + escape(text[last:])


def snippet(text: str, terms: Sequence[str]) -> Markup:
    """The part of ``text`` around its first hit (its start where there is none), marked."""
    pattern = _pattern(terms)
    first = pattern.search(text) if pattern else None
    start = max(0, first.start() - _BEFORE) if first else 0
    end = min(len(text), start + _LENGTH)
    part = mark(text[start:end], terms)
    return (Markup("…") if start else Markup()) + part + (Markup("…") if end < len(text) else Markup())
