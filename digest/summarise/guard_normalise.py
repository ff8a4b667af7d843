"""How the faithfulness guard reads text: output and article are normalised the same way before scanning.

The cleaner's character table (full-width digits and letters to ASCII, odd spaces), a few more
full-width marks that take part in numbers and dates, a full-width decimal point between digits, and
whitespace removed except between two ASCII letters or digits.
"""

from __future__ import annotations

import re
from itertools import pairwise

# The cleaner's table is the one place that knows which code points PDF text hides digits and spaces
# behind; the guard must read model output exactly as cleaning read the article.
from digest.ingest.clean import CHAR_TABLE

_TABLE = dict(CHAR_TABLE)
# Beyond what cleaning needs: punctuation that takes part in numbers, dates and quotes.
_TABLE.update({ord("＂"): '"', ord("－"): "-", ord("／"): "/", ord("﹪"): "%"})
_DECIMAL_POINT = re.compile(r"(?<=[0-9])．(?=[0-9])")
_ASCII_ALNUM = frozenset("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")


# str.translate looks every character up in the table; a character class finds the few that need it
# ten times faster, and from_article must stay cheap.
_TRANSLATED = re.compile("[" + "".join(re.escape(chr(code)) for code in sorted(_TABLE)) + "]")


def normalise(text: str) -> str:
    """Read text as the guard compares it: ASCII digits, no spaces around CJK text."""
    text = _TRANSLATED.sub(lambda m: _TABLE[ord(m.group())], text)
    if "．" in text:  # 3．5: a full-width point inside a number is a decimal point
        text = _DECIMAL_POINT.sub(".", text)
    # A space survives only between two ASCII letters or digits, where it separates two tokens
    # ("2024 25", "iPhone 15"); between CJK text and digits it is an artefact of layout or of a model.
    parts = text.split()
    if len(parts) <= 1:
        return parts[0] if parts else ""
    joined = [parts[0]]
    for before, part in pairwise(parts):
        if before[-1] in _ASCII_ALNUM and part[0] in _ASCII_ALNUM:
            joined.append(" ")
        joined.append(part)
    return "".join(joined)
