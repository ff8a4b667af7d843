"""Join a PDF page's glyphs into printed lines: body, headline and caption type, each line's text and box.

Glyphs are sorted into type by font size against the page's dominant (body) size, joined into line
pieces (same row, no gap wider than 0.3 characters), and pieces of one printed line that stand apart
(a byline set flush right) are joined again when the lines above and below run across the gap.
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from dataclasses import dataclass
from typing import Literal

from digest.ingest.pdf_glyphs import Glyph

LineKind = Literal["body", "headline", "caption"]

HEADLINE_RATIO = 1.2  # type this much larger than body text is a headline (or kicker, subhead)
CAPTION_RATIO = 0.9  # type this much smaller is a caption (or a credit line)
# In characters: a wider gap between glyphs ends a line piece. Gutters are half a character or more;
# justified CJK lines spread their characters far less. A line split by mistake is joined again.
_SPLIT_GAP = 0.3


@dataclass(frozen=True, slots=True)
class PdfLine:
    kind: LineKind
    text: str
    x0: float
    x1: float
    y0: float
    y1: float
    size: float


def printed_lines(glyphs: list[Glyph], body_size: float) -> list[PdfLine]:
    """The page's printed lines, in no particular order, each of one type."""
    by_kind: dict[LineKind, list[Glyph]] = {"body": [], "headline": [], "caption": []}
    for glyph in glyphs:
        ratio = glyph.size / body_size
        kind: LineKind = (
            "headline" if ratio >= HEADLINE_RATIO else "caption" if ratio <= CAPTION_RATIO else "body"
        )
        by_kind[kind].append(glyph)
    pieces = [piece for kind, group in by_kind.items() for piece in _pieces(group, kind)]
    return _rejoin(pieces)


def _pieces(glyphs: list[Glyph], kind: LineKind) -> list[PdfLine]:
    """Join glyphs of one type into line pieces: one row, no gap wider than ``_SPLIT_GAP``."""
    rows: list[list[Glyph]] = []
    row_centre = 0.0
    for glyph in sorted(glyphs, key=lambda g: -(g.y0 + g.y1)):
        centre = (glyph.y0 + glyph.y1) / 2
        if rows and row_centre - centre <= glyph.size / 2:
            rows[-1].append(glyph)
        else:
            rows.append([glyph])
            row_centre = centre
    pieces: list[PdfLine] = []
    for row in rows:
        row.sort(key=lambda g: g.x0)
        run: list[Glyph] = []
        for glyph in row:
            if run and glyph.x0 - run[-1].x1 > _SPLIT_GAP * max(glyph.size, run[-1].size):
                pieces.extend(_piece(run, kind))
                run = []
            # The same glyph printed again almost on top of itself is fake bold, not text.
            if run and glyph.text == run[-1].text and abs(glyph.x0 - run[-1].x0) < glyph.size * 0.3:
                continue
            run.append(glyph)
        pieces.extend(_piece(run, kind))
    return pieces


def _piece(run: list[Glyph], kind: LineKind) -> list[PdfLine]:
    inked = [glyph for glyph in run if not glyph.text.isspace()]
    if not inked:
        return []
    # Text from glyphs alone: a drawn space is kept, a visual gap becomes a space only between two
    # Latin letters or digits, so no space ever appears between CJK characters that stand apart.
    text = ""
    previous: Glyph | None = None
    for glyph in run:
        if glyph.text.isspace():
            text += " " if text and not text.endswith(" ") else ""
            continue
        if previous is not None and glyph.x0 - previous.x1 > glyph.size * 0.25:
            text = join_text(text, glyph.text)
        else:
            text += glyph.text
        previous = glyph
    size = Counter(round(glyph.size, 1) for glyph in inked).most_common(1)[0][0]
    return [
        PdfLine(
            kind,
            text.strip(),
            min(g.x0 for g in inked),
            max(g.x1 for g in inked),
            min(g.y0 for g in inked),
            max(g.y1 for g in inked),
            size,
        )
    ]


def join_text(left: str, right: str) -> str:
    """Concatenate, with a space only where two Latin words or numbers would otherwise run together."""
    if left and right and _latin(left[-1]) and _latin(right[0]):
        return f"{left} {right}"
    return left + right


def _latin(char: str) -> bool:
    return char.isalnum() and unicodedata.east_asian_width(char) not in ("W", "F")


def _rejoin(pieces: list[PdfLine]) -> list[PdfLine]:
    """Join the pieces of one printed line that a wide gap split (a byline set flush right).

    A gap inside a column has the neighbouring lines running across it; a gutter has none. The
    nearest lines above and below, where there are any, must all cross the gap.
    """
    result: list[PdfLine] = []
    for row in _rows(pieces):
        merged = [row[0]]
        for piece in row[1:]:
            left = merged[-1]
            if piece.kind == left.kind and _bridged(left, piece, pieces):
                merged[-1] = PdfLine(
                    left.kind,
                    join_text(left.text, piece.text),
                    left.x0,
                    piece.x1,
                    min(left.y0, piece.y0),
                    max(left.y1, piece.y1),
                    left.size,
                )
            else:
                merged.append(piece)
        result.extend(merged)
    return result


def _rows(pieces: list[PdfLine]) -> list[list[PdfLine]]:
    """Pieces of one kind and size standing on the same row, left to right."""
    rows: dict[tuple[LineKind, float, int], list[PdfLine]] = {}
    for piece in pieces:
        rows.setdefault((piece.kind, piece.size, round((piece.y0 + piece.y1) / piece.size)), []).append(piece)
    return [sorted(row, key=lambda p: p.x0) for row in rows.values()]


def _bridged(left: PdfLine, right: PdfLine, pieces: list[PdfLine]) -> bool:
    reach = 2.5 * left.size
    span = [p for p in pieces if p.kind == left.kind and p.x0 < right.x1 and p.x1 > left.x0]
    above = [p for p in span if left.y1 <= p.y0 <= left.y1 + reach]
    below = [p for p in span if left.y0 - reach <= p.y1 <= left.y0]

    def crossed(lines: list[PdfLine]) -> bool:
        return any(p.x0 <= left.x1 and p.x1 >= right.x0 for p in lines)

    return bool(above or below) and (not above or crossed(above)) and (not below or crossed(below))
