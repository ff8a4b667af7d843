"""Read a newspaper page's text layer from a PDF: body lines in reading order, headlines and captions.

pdfminer.six decodes the glyphs (CID fonts and their CMaps included); the layout is done here. Its own
layout analysis (LAParams) is not used: it puts a space wherever the glyphs of a justified CJK line
stand slightly apart, its text boxes do not come out column by column, and it joins glyphs closer
than two character widths into one line, which merges neighbouring columns (gutters are half a
character to one character wide) whenever the content stream draws them row by row. Without it a
page takes about a third of the time.

The steps, per page:
1. glyphs are sorted into body, headline and caption type by font size against the dominant size;
2. glyphs of one type are joined into line pieces: same row, no gap wider than 0.3 characters;
3. pieces of one printed line that stand apart (a byline set flush right) are joined again when the
   nearest lines above and below run across the gap (a column gutter has no line across it);
4. reading order is a recursive XY cut: split at vertical gutters and read columns left to right;
   where no gutter runs all the way down (a headline or a lead spanning columns), split into bands
   top to bottom first;
5. a body line that starts well right of its column's left edge starts a paragraph; wrapped
   headline and caption lines are joined, and every line keeps its place in reading order with its
   kind (headline, caption, body), so segmentation sees each headline above its article.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from itertools import pairwise
from typing import Any, Literal

from pdfminer.converter import PDFPageAggregator
from pdfminer.layout import LTChar, LTContainer, LTItem
from pdfminer.pdfdocument import PDFDocument, PDFEncryptionError, PDFPasswordIncorrect
from pdfminer.pdfinterp import PDFPageInterpreter, PDFResourceManager
from pdfminer.pdfpage import PDFPage
from pdfminer.pdfparser import PDFParser
from pdfminer.pdftypes import resolve1
from pdfminer.psexceptions import PSException

from digest.errors import BrokenPdf, EmptyInput, ScannedPdf
from digest.models import DocumentKind, PageText

# pdfminer logs a warning for every oddity of ordinary PDFs (missing widths, unknown CMaps, repaired
# cross-reference tables); none of them is actionable for a reader. Real failures still raise.
logging.getLogger("pdfminer").setLevel(logging.ERROR)

_Kind = Literal["body", "headline", "caption"]

HEADLINE_RATIO = 1.2  # type this much larger than body text is a headline (or kicker, subhead)
CAPTION_RATIO = 0.9  # type this much smaller is a caption (or a credit line)
# In characters: a wider gap between glyphs ends a line piece. Gutters are half a character or more;
# justified CJK lines spread their characters far less. A line split by mistake is joined again.
_SPLIT_GAP = 0.3
_COLUMN_GAP = 0.25  # in body characters: the narrowest gutter the XY cut splits at
_INDENT = 1.5  # in characters: a paragraph start is indented by two, ragged lines by less than one
_PARAGRAPH_MARK = "\u3000\u3000"
# pdfminer's text for a glyph its font cannot map to Unicode.
_UNMAPPED = re.compile(r"\(cid:\d+\)")
# Some PDFs from malformed producers make pdfminer fail with plain built-in errors rather than its
# own; only pdfminer's calls are inside the try that catches these.
_MALFORMED = (ValueError, TypeError, KeyError, IndexError, AttributeError, AssertionError, RecursionError)


@dataclass(frozen=True, slots=True)
class _Glyph:
    text: str
    x0: float
    x1: float
    y0: float
    y1: float
    size: float


@dataclass(frozen=True, slots=True)
class _Line:
    kind: _Kind
    text: str
    x0: float
    x1: float
    y0: float
    y1: float
    size: float


def extract_pdf(data: bytes, source: str) -> PageText:
    """Return the text of a PDF newspaper page (or pages) with headlines and captions set apart.

    Raises EmptyInput for an empty file, BrokenPdf for a damaged, truncated or password-protected
    one and ScannedPdf when there is no usable text layer; every message says what to do next.
    """
    if not data or data.isspace():
        raise EmptyInput(f"{source}: the file is empty; check the download or the path")
    if b"%PDF-" not in data[:1024]:
        raise _broken(source, "there is no %PDF- header")
    # A cut-off download still parses: pdfminer rebuilds the cross-reference table from what is left
    # and returns part of the page, or none of it, which would then read as a scanned page.
    if b"%%EOF" not in data[-2048:]:
        raise _broken(source, "it does not end with %%EOF")

    pages, issue_date = _read(data, source)
    glyph_count = sum(1 for page in pages for glyph in page if not glyph.text.isspace())
    if glyph_count == 0:
        raise ScannedPdf(
            f"{source}: this PDF has no text layer (a scanned page?); run OCR on it first, "
            "e.g. ocrmypdf in.pdf out.pdf, then try again"
        )
    unmapped = sum(1 for page in pages for glyph in page if glyph.text == "\ufffd")
    if unmapped > glyph_count / 2:
        raise ScannedPdf(
            f"{source}: this PDF's fonts do not say which characters they draw, so its text cannot be "
            "read; run OCR on it first, e.g. ocrmypdf --force-ocr in.pdf out.pdf, then try again"
        )

    sizes = Counter(round(glyph.size, 1) for page in pages for glyph in page)
    body_size = sizes.most_common(1)[0][0]
    lines: list[str] = []
    kinds: list[str] = []
    for page in pages:
        for text, kind in _reading_order(_page_lines(page, body_size)):
            lines.append(text)
            kinds.append(kind)
    return PageText(
        source=source,
        kind=DocumentKind.PDF,
        lines=tuple(lines),
        single_article=False,
        issue_date=issue_date,
        line_kinds=tuple(kinds),
    )


def _broken(source: str, reason: str) -> BrokenPdf:
    return BrokenPdf(
        f"{source}: the PDF is damaged or truncated ({reason}); download it again or export it anew"
    )


def _read(data: bytes, source: str) -> tuple[list[list[_Glyph]], dt.date | None]:
    """Run pdfminer over every page; return each page's glyphs and the issue date from the metadata."""
    pages: list[list[_Glyph]] = []
    try:
        document = PDFDocument(PDFParser(io.BytesIO(data)))
        issue_date = _creation_date(document.info)
        resources = PDFResourceManager()
        # No LAParams: pdfminer hands over the page's glyphs as drawn, without its own grouping.
        device = PDFPageAggregator(resources, laparams=None)
        interpreter = PDFPageInterpreter(resources, device)
        for page in PDFPage.create_pages(document):
            interpreter.process_page(page)
            glyphs: list[_Glyph] = []
            _collect(device.get_result(), glyphs)
            pages.append(glyphs)
    except PDFPasswordIncorrect as exc:
        raise BrokenPdf(
            f"{source}: the PDF is password-protected; remove the password first, e.g. "
            "qpdf --decrypt --password=PASSWORD in.pdf out.pdf, then try again"
        ) from exc
    except PDFEncryptionError as exc:
        raise BrokenPdf(
            f"{source}: the PDF is encrypted in a way digest cannot open ({exc}); decrypt it first, "
            "e.g. qpdf --decrypt in.pdf out.pdf, then try again"
        ) from exc
    except PSException as exc:  # PDFSyntaxError, PDFNoValidXRef, PSEOF and the rest of pdfminer's own
        raise _broken(source, str(exc) or type(exc).__name__) from exc
    except _MALFORMED as exc:
        raise _broken(source, f"{type(exc).__name__}: {exc}") from exc
    if not pages:
        raise EmptyInput(f"{source}: the PDF has no pages; check that it is the right file")
    return pages, issue_date


def _collect(item: LTItem, out: list[_Glyph]) -> None:
    """Append the upright glyphs of ``item``, looking inside figures (form XObjects)."""
    if isinstance(item, LTChar):
        # Rotated or mirrored glyphs are margin labels and the like; their rows mean nothing here.
        if item.upright and item.size > 0:
            text = _UNMAPPED.sub("\ufffd", item.get_text())
            out.append(_Glyph(text, item.x0, item.x1, item.y0, item.y1, item.size))
    elif isinstance(item, LTContainer):
        for child in item:
            _collect(child, out)


def _creation_date(infos: list[Any]) -> dt.date | None:
    """The date in the metadata's CreationDate ("D:20240731..."), in the producer's local time.

    The date printed in the PDF's own time zone is the one meant; converting to UTC would move a
    late-evening export of a Chinese paper to the day before.
    """
    for info in infos:
        value = resolve1(info.get("CreationDate")) if isinstance(info, dict) else None
        if isinstance(value, bytes):
            value = value.decode("utf-16" if value.startswith(b"\xfe\xff") else "latin-1", errors="replace")
        match = re.match(r"\s*(?:D:)?(\d{4})(\d{2})(\d{2})", value) if isinstance(value, str) else None
        if match:
            try:
                return dt.date(*(int(part) for part in match.groups()))
            except ValueError:
                return None
    return None


def _page_lines(glyphs: list[_Glyph], body_size: float) -> list[list[_Line]]:
    """The page's lines grouped by column (XY cut leaves) in reading order."""
    by_kind: dict[_Kind, list[_Glyph]] = {"body": [], "headline": [], "caption": []}
    for glyph in glyphs:
        ratio = glyph.size / body_size
        kind: _Kind = (
            "headline" if ratio >= HEADLINE_RATIO else "caption" if ratio <= CAPTION_RATIO else "body"
        )
        by_kind[kind].append(glyph)
    pieces = [piece for kind, group in by_kind.items() for piece in _pieces(group, kind)]
    return _xy_cut(_rejoin(pieces), body_size * _COLUMN_GAP)


def _pieces(glyphs: list[_Glyph], kind: _Kind) -> list[_Line]:
    """Join glyphs of one type into line pieces: one row, no gap wider than ``_SPLIT_GAP``."""
    rows: list[list[_Glyph]] = []
    row_centre = 0.0
    for glyph in sorted(glyphs, key=lambda g: -(g.y0 + g.y1)):
        centre = (glyph.y0 + glyph.y1) / 2
        if rows and row_centre - centre <= glyph.size / 2:
            rows[-1].append(glyph)
        else:
            rows.append([glyph])
            row_centre = centre
    pieces: list[_Line] = []
    for row in rows:
        row.sort(key=lambda g: g.x0)
        run: list[_Glyph] = []
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


def _piece(run: list[_Glyph], kind: _Kind) -> list[_Line]:
    inked = [glyph for glyph in run if not glyph.text.isspace()]
    if not inked:
        return []
    # Text from glyphs alone: a drawn space is kept, a visual gap becomes a space only between two
    # Latin letters or digits, so no space ever appears between CJK characters that stand apart.
    text = ""
    previous: _Glyph | None = None
    for glyph in run:
        if glyph.text.isspace():
            text += " " if text and not text.endswith(" ") else ""
            continue
        if previous is not None and glyph.x0 - previous.x1 > glyph.size * 0.25:
            text = _join(text, glyph.text)
        else:
            text += glyph.text
        previous = glyph
    size = Counter(round(glyph.size, 1) for glyph in inked).most_common(1)[0][0]
    return [
        _Line(
            kind,
            text.strip(),
            min(g.x0 for g in inked),
            max(g.x1 for g in inked),
            min(g.y0 for g in inked),
            max(g.y1 for g in inked),
            size,
        )
    ]


def _join(left: str, right: str) -> str:
    """Concatenate, with a space only where two Latin words or numbers would otherwise run together."""
    if left and right and _latin(left[-1]) and _latin(right[0]):
        return f"{left} {right}"
    return left + right


def _latin(char: str) -> bool:
    return char.isalnum() and unicodedata.east_asian_width(char) not in ("W", "F")


def _rejoin(pieces: list[_Line]) -> list[_Line]:
    """Join the pieces of one printed line that a wide gap split (a byline set flush right).

    A gap inside a column has the neighbouring lines running across it; a gutter has none. The
    nearest lines above and below, where there are any, must all cross the gap.
    """
    result: list[_Line] = []
    for row in _rows(pieces):
        merged = [row[0]]
        for piece in row[1:]:
            left = merged[-1]
            if piece.kind == left.kind and _bridged(left, piece, pieces):
                merged[-1] = _Line(
                    left.kind,
                    _join(left.text, piece.text),
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


def _rows(pieces: list[_Line]) -> list[list[_Line]]:
    """Pieces of one kind and size standing on the same row, left to right."""
    rows: dict[tuple[_Kind, float, int], list[_Line]] = {}
    for piece in pieces:
        rows.setdefault((piece.kind, piece.size, round((piece.y0 + piece.y1) / piece.size)), []).append(piece)
    return [sorted(row, key=lambda p: p.x0) for row in rows.values()]


def _bridged(left: _Line, right: _Line, pieces: list[_Line]) -> bool:
    reach = 2.5 * left.size
    span = [p for p in pieces if p.kind == left.kind and p.x0 < right.x1 and p.x1 > left.x0]
    above = [p for p in span if left.y1 <= p.y0 <= left.y1 + reach]
    below = [p for p in span if left.y0 - reach <= p.y1 <= left.y0]

    def crossed(lines: list[_Line]) -> bool:
        return any(p.x0 <= left.x1 and p.x1 >= right.x0 for p in lines)

    return bool(above or below) and (not above or crossed(above)) and (not below or crossed(below))


def _xy_cut(lines: list[_Line], min_gap: float) -> list[list[_Line]]:
    """Order lines for reading: columns left to right, bands top to bottom, recursively."""
    if len(lines) <= 1:
        return [lines] if lines else []
    for split in (_columns(lines, min_gap), _bands(lines, min_gap)):
        if len(split) > 1:
            return [leaf for part in split for leaf in _xy_cut(part, min_gap)]
    return [sorted(lines, key=lambda line: (-line.y1, line.x0))]


def _columns(lines: list[_Line], min_gap: float) -> list[list[_Line]]:
    """Split where a vertical strip at least ``min_gap`` wide is free of text from top to bottom."""
    groups: list[list[_Line]] = []
    right = float("-inf")
    for line in sorted(lines, key=lambda line: line.x0):
        if line.x0 - right >= min_gap:
            groups.append([])
        groups[-1].append(line)
        right = max(right, line.x1)
    return groups


_Gaps = list[tuple[float, float]]


def _bands(lines: list[_Line], min_gap: float) -> list[list[_Line]]:
    """Split top to bottom where the column structure changes, e.g. above and below a spanning headline.

    Rows (lines overlapping vertically) join the current band while some vertical gap is free in
    all of them. A row with no gap inside the band's width ("spanning") joins a spanning band, and
    a band of rows that each leave room at a new row's gap (lines of one column, before the
    neighbouring column starts) becomes a column band with it.
    """
    left, right = min(line.x0 for line in lines), max(line.x1 for line in lines)
    rows: list[list[_Line]] = []
    bottom = float("inf")
    for line in sorted(lines, key=lambda line: -line.y1):
        if rows and line.y1 - bottom > 0.3 * (line.y1 - line.y0):
            rows[-1].append(line)
        else:
            rows.append([line])
        bottom = min(bottom, line.y0) if len(rows[-1]) > 1 else line.y0

    def free(row: list[_Line]) -> _Gaps:
        gaps, edge = [], left
        for line in sorted(row, key=lambda line: line.x0):
            if line.x0 - edge >= min_gap:
                gaps.append((edge, line.x0))
            edge = max(edge, line.x1)
        return [*gaps, (edge, right)] if right - edge >= min_gap else gaps

    def inner(gaps: _Gaps) -> _Gaps:
        return [(a, b) for a, b in gaps if a > left and b < right]

    def common(a: _Gaps, b: _Gaps) -> _Gaps:
        both = [(max(a0, b0), min(a1, b1)) for a0, a1 in a for b0, b1 in b]
        return [(x0, x1) for x0, x1 in both if x1 - x0 >= min_gap]

    bands: list[tuple[list[list[_Line]], _Gaps]] = []
    for row in rows:
        gaps = free(row)
        if not bands:
            bands.append(([row], inner(gaps)))
            continue
        band_rows, shared = bands[-1]
        if shared:
            shared = common(shared, gaps)
        elif inner(gaps):
            shared = inner(gaps)
            for earlier in band_rows:
                shared = common(shared, free(earlier))
        else:
            band_rows.append(row)  # spanning row in a spanning band
            continue
        if shared:
            bands[-1] = ([*band_rows, row], shared)
        else:
            bands.append(([row], inner(gaps)))
    return [[line for row in band_rows for line in row] for band_rows, _ in bands]


def _reading_order(columns: list[list[_Line]]) -> list[tuple[str, str]]:
    """Every line in reading order with its kind: body lines with paragraph starts marked by two
    ideographic spaces, headlines and captions where they stand, wrapped ones joined ("" is body).

    A headline above its article comes before the article's text, so segmentation sees where each
    article starts; a caption comes where its photo stands.
    """
    out: list[tuple[str, str]] = []
    last: _Line | None = None  # the head or caption line just emitted, which the next may continue
    for column in columns:
        body = [line for line in column if line.kind == "body"]
        edge = _left_edge([line.x0 for line in body], body[0].size) if body else 0.0
        for line in column:
            if line.kind == "body":
                indented = line.x0 - edge >= _INDENT * line.size
                out.append((_PARAGRAPH_MARK + line.text if indented else line.text, ""))
                last = None
                continue
            # A letter-spaced head ("图 片 新 闻") may fall into columns of its own: joined across.
            if last is not None and last.kind == line.kind and _continues(last, line):
                out[-1] = (_join(out[-1][0], line.text), line.kind)
            else:
                out.append((line.text, line.kind))
            last = line
    return out


def _left_edge(starts: list[float], size: float) -> float:
    """The column's left edge: the leftmost start shared by two lines (one stray line is not enough)."""
    ordered = sorted(starts)
    for first, second in pairwise(ordered):
        if second - first < size * 0.3:
            return first
    return ordered[0]


def _continues(last: _Line, line: _Line) -> bool:
    """Whether ``line`` goes on from ``last``: the next line of a wrap, or the next spaced-out letter.

    Wrapped: stacked closely and overlapping horizontally. Letter-spaced ("图 片 新 闻"): same row,
    at most one and a half characters apart, one side a single character; two headlines side by
    side in neighbouring columns are longer than that.
    """
    if abs(line.size - last.size) > 0.1 * last.size:
        return False
    wrapped = -0.3 * line.size <= last.y0 - line.y1 <= line.size and min(line.x1, last.x1) > max(
        line.x0, last.x0
    )
    spaced = (
        abs(line.y0 - last.y0) < 0.3 * line.size
        and 0 <= line.x0 - last.x1 <= 1.5 * line.size
        and min(len(line.text), len(last.text)) == 1
    )
    return wrapped or spaced
