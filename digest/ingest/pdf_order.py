"""Put a PDF page's printed lines in reading order: XY cut into columns and bands, paragraph starts.

The XY cut splits at vertical gutters and reads columns left to right; where no gutter runs all the
way down (a headline or a lead spanning columns), it splits into bands top to bottom first. A body
line that starts well right of its column's left edge starts a paragraph; wrapped headline and
caption lines are joined, and every line keeps its place in reading order with its kind.
"""

from __future__ import annotations

from itertools import pairwise

from digest.ingest.pdf_lines import PdfLine, join_text

_INDENT = 1.5  # in characters: a paragraph start is indented by two, ragged lines by less than one
_PARAGRAPH_MARK = "\u3000\u3000"


def xy_cut(lines: list[PdfLine], min_gap: float) -> list[list[PdfLine]]:
    """Order lines for reading: columns left to right, bands top to bottom, recursively."""
    if len(lines) <= 1:
        return [lines] if lines else []
    for split in (_columns(lines, min_gap), _bands(lines, min_gap)):
        if len(split) > 1:
            return [leaf for part in split for leaf in xy_cut(part, min_gap)]
    return [sorted(lines, key=lambda line: (-line.y1, line.x0))]


def _columns(lines: list[PdfLine], min_gap: float) -> list[list[PdfLine]]:
    """Split where a vertical strip at least ``min_gap`` wide is free of text from top to bottom."""
    groups: list[list[PdfLine]] = []
    right = float("-inf")
    for line in sorted(lines, key=lambda line: line.x0):
        if line.x0 - right >= min_gap:
            groups.append([])
        groups[-1].append(line)
        right = max(right, line.x1)
    return groups


_Gaps = list[tuple[float, float]]


def _bands(lines: list[PdfLine], min_gap: float) -> list[list[PdfLine]]:
    """Split top to bottom where the column structure changes, e.g. above and below a spanning headline.

    Rows (lines overlapping vertically) join the current band while some vertical gap is free in
    all of them. A row with no gap inside the band's width ("spanning") joins a spanning band, and
    a band of rows that each leave room at a new row's gap (lines of one column, before the
    neighbouring column starts) becomes a column band with it.
    """
    left, right = min(line.x0 for line in lines), max(line.x1 for line in lines)
    rows: list[list[PdfLine]] = []
    bottom = float("inf")
    for line in sorted(lines, key=lambda line: -line.y1):
        if rows and line.y1 - bottom > 0.3 * (line.y1 - line.y0):
            rows[-1].append(line)
        else:
            rows.append([line])
        bottom = min(bottom, line.y0) if len(rows[-1]) > 1 else line.y0

    def free(row: list[PdfLine]) -> _Gaps:
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

    bands: list[tuple[list[list[PdfLine]], _Gaps]] = []
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


def reading_order(columns: list[list[PdfLine]]) -> list[tuple[str, str]]:
    """Every line in reading order with its kind: body lines with paragraph starts marked by two
    ideographic spaces, headlines and captions where they stand, wrapped ones joined ("" is body).

    A headline above its article comes before the article's text, so segmentation sees where each
    article starts; a caption comes where its photo stands.
    """
    out: list[tuple[str, str]] = []
    last: PdfLine | None = None  # the head or caption line just emitted, which the next may continue
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
                out[-1] = (join_text(out[-1][0], line.text), line.kind)
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


def _continues(last: PdfLine, line: PdfLine) -> bool:
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
