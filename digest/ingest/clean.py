"""Cleaning: undo what PDF extraction does to Chinese text.

Lines arrive hard-wrapped at a column width that varies within one page, with spaces inserted
between CJK characters and digits (``7月 25日``), full-width digits, Kangxi-radical look-alikes and
captions printed twice. Cleaning works on single lines first (``clean_line``), then re-joins the lines
of one article into paragraphs (``join_paragraphs``).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise
from statistics import median


def _char_table() -> dict[int, str]:
    table: dict[int, str] = {}
    # Full-width digits and Latin letters become ASCII; Chinese punctuation stays full-width.
    for start, end in ((0xFF10, 0xFF19), (0xFF21, 0xFF3A), (0xFF41, 0xFF5A)):
        for code in range(start, end + 1):
            table[code] = chr(code - 0xFEE0)
    table[0xFF05] = "%"  # ％ belongs to the number before it, and the guard compares numbers
    # Kangxi radicals (⼀ U+2F00) and CJK radical supplements look like ordinary characters but are
    # different code points; PDF fonts map glyphs to them, and then search and models fail.
    for start, end in ((0x2E80, 0x2EFF), (0x2F00, 0x2FDF)):
        for code in range(start, end + 1):
            folded = unicodedata.normalize("NFKC", chr(code))
            if folded != chr(code) and len(folded) == 1:
                table[code] = folded
    # Spaces that are not ASCII spaces become spaces; zero-width ones disappear.
    for code in (0x00A0, 0x2002, 0x2003, 0x2009, 0x202F, 0x3000):
        table[code] = " "
    for code in (0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF, 0x00AD):
        table[code] = ""
    return table


CHAR_TABLE = _char_table()

_IDEO = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_CJK_PUNCT = (
    "\u3000-\u303f\uff01-\uff0f\uff1a-\uff20\uff3b-\uff40\uff5b-\uff65"
    "\u2018\u2019\u201c\u201d\u2026\u2014\u00b7"
)
_SPACE_NEAR_PUNCT = re.compile(rf" +(?=[{_CJK_PUNCT}])|(?<=[{_CJK_PUNCT}]) +")
_SPACE_CJK_DIGIT = re.compile(rf"(?<=[{_IDEO}]) +(?=[0-9%])|(?<=[0-9%]) +(?=[{_IDEO}])")
_SPACES = re.compile(r"[ \t\f\v]+")
_DECIMAL_POINT = re.compile(r"(?<=[0-9])．(?=[0-9])")

# A sentence (and so possibly a paragraph) ends at 。！？ or an ellipsis, with closing quotes after it.
TERMINAL = re.compile(r"(?:[。！？!?]|……|…)[”’」』）)》\"']*$")


def clean_line(line: str) -> str:
    """Normalise characters and spaces in one line; leading indentation is dropped."""
    text = line.translate(CHAR_TABLE)
    text = _DECIMAL_POINT.sub(".", text)
    if " " in text or "\t" in text or "\f" in text or "\v" in text:  # most lines have no space at all
        text = _SPACES.sub(" ", text).strip()
        text = _SPACE_NEAR_PUNCT.sub("", text)
        text = _SPACE_CJK_DIGIT.sub("", text)
    else:
        text = text.strip()
    return undouble(text)


def undouble(text: str) -> str:
    """A caption printed twice on one line ("AA" or "A A") is printed once."""
    n = len(text)
    if n >= 8 and n % 2 == 0 and text[: n // 2] == text[n // 2 :]:
        return text[: n // 2]
    if n >= 9 and n % 2 == 1 and text[n // 2] == " " and text[: n // 2] == text[n // 2 + 1 :]:
        return text[: n // 2]
    return text


def is_indented(raw_line: str) -> bool:
    """Leading whitespace on an extracted line is what is left of a paragraph indent."""
    return bool(raw_line) and raw_line[0] in " \t\u3000\u00a0" and bool(raw_line.strip())


def display_width(text: str) -> float:
    """Width in full-width character cells: digits and Latin letters print half as wide."""
    if text.isascii():
        return len(text) / 2
    # Counted in C: the characters Latin-1 can encode are the narrow ones (U+0100–U+036F, accented
    # Latin beyond Latin-1, are too rare in Chinese pages to matter).
    narrow = len(text.encode("latin-1", errors="ignore"))
    return len(text) - narrow / 2


@dataclass(frozen=True, slots=True)
class Line:
    """One cleaned line and what its layout said: indented, or after a meaningful blank line."""

    text: str
    indented: bool = False
    blank_before: bool = False
    # The line's number in the input (1-based), so every printed line can be traced to where it went.
    number: int = 0
    # What the layout said of its type: "headline", "caption", or "" (body, or no layout).
    kind: str = ""


def prepare_lines(raw_lines: Sequence[str], kinds: Sequence[str] = ()) -> list[Line]:
    """Clean every line and record indentation and blank lines that separate paragraphs.

    Some extractors put a blank line after every line; those blanks carry no meaning. Blank lines
    count only where they are the exception.
    """
    nonblank = [i for i, raw in enumerate(raw_lines) if raw.strip()]
    gaps = sum(1 for a, b in pairwise(nonblank) if b > a + 1)
    blanks_mean_breaks = len(nonblank) > 1 and gaps < 0.5 * (len(nonblank) - 1)
    lines: list[Line] = []
    previous = -1
    for i in nonblank:
        text = clean_line(raw_lines[i])
        if text:
            blank = blanks_mean_breaks and previous >= 0 and i > previous + 1
            lines.append(Line(text, is_indented(raw_lines[i]), blank, i + 1, kinds[i] if kinds else ""))
        previous = i
    return lines


# How much narrower than its neighbours a line must be to count as short: a paragraph's last line
# leaves the rest of the column empty; a first line lost about two characters of indent.
_SHORT_LAST = 1.5
_FIRST_LINE_MIN, _FIRST_LINE_MAX = 1.0, 3.5
_WINDOW = 4


def join_paragraphs(lines: Sequence[Line]) -> list[str]:
    """Re-join hard-wrapped lines into paragraphs; a paragraph only ever breaks after a sentence end."""
    if not lines:
        return []
    widths = [display_width(line.text) for line in lines]
    paragraphs: list[str] = []
    current: list[str] = [lines[0].text]
    for i in range(1, len(lines)):
        if _breaks_before(lines, widths, i):
            paragraphs.append(_join(current))
            current = []
        current.append(lines[i].text)
    paragraphs.append(_join(current))
    return [p for p in paragraphs if p]


def _breaks_before(lines: Sequence[Line], widths: Sequence[float], i: int) -> bool:
    line = lines[i]
    if line.indented or line.blank_before:
        return True
    previous = lines[i - 1].text
    if not TERMINAL.search(previous):
        return False
    column = median(widths[max(0, i - 1 - _WINDOW) : i + _WINDOW])
    if widths[i - 1] <= column - _SHORT_LAST:
        return True
    shortfall = column - widths[i]
    # A line about two characters short is a first line that lost its indent, unless it ends its
    # own paragraph (then it is short for that reason and says nothing about where it starts).
    return _FIRST_LINE_MIN <= shortfall <= _FIRST_LINE_MAX and not TERMINAL.search(line.text)


def _join(parts: Sequence[str]) -> str:
    """Join wrapped lines: CJK needs no space, but two Latin words split across lines do."""
    text = ""
    for part in parts:
        if text and text[-1].isascii() and text[-1].isalnum() and part[:1].isascii() and part[:1].isalpha():
            text += " "
        text += part
    return _SPACE_CJK_DIGIT.sub("", text)
