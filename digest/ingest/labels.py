"""What a line of a page can be (``Label``), what each line says by itself (``own_cue``), the
width of the column a line stands in (``ColumnMeasure``), and the drafts that reading a page makes.

``reading`` decides what every line is from these and from the lines around it.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import overload

from digest.ingest import cues
from digest.ingest.byline import Byline, split_byline
from digest.ingest.clean import TERMINAL, Line, display_width


class Label(StrEnum):
    HEADER = "header"
    EDITORS = "editors"
    COLUMN = "column"
    FURNITURE = "furniture"
    KICKER = "kicker"
    HEADLINE = "headline"
    SUBHEAD = "subhead"
    BYLINE = "byline"  # a byline line that opens an article
    LEAD = "lead"  # a lead (本报讯) and the first words of the body
    BODY = "body"
    SECTION = "section"  # a section head inside an article (its own paragraph of the body)
    CLOSE = "close"  # a closing byline, maybe after the article's last words
    ORIGIN = "origin"  # a source note (据新华社) closing the article
    CAPTION = "caption"
    CREDIT = "credit"  # a photo credit inside an article
    LOOSE = "loose"  # outside every article: matched to one as headline or caption, or unplaced
    UNPLACED = "unplaced"


# Lines of these kinds say nothing about where articles are; the page's own matter.
PAGE_MATTER = frozenset({Label.HEADER, Label.EDITORS, Label.COLUMN, Label.FURNITURE})
DISPLAY = frozenset({Label.HEADLINE, Label.KICKER, Label.SUBHEAD})
# A line ending like this is mid-sentence or introduces what follows: never a headline.
RUNS_ON = re.compile(r"[，、；：,;:（(“‘《—]$")
_MEASURE_QUANTILE = 0.85
_MODE_MIN = 0.4
_BLOCK_MIN = 4  # plain lines a block needs to measure its own column
_BLOCK_BOUNDS = frozenset(
    {"lead", "byline", "close", "origin", "column", "header", "editors"}
)  # share of nearby lines that must have one width for it to be the measure
_WINDOW = 6  # neighbouring lines on each side that estimate the column width


@dataclass
class Draft:
    """One article as the labels found it, before its text is joined."""

    lead: str | None = None
    body: list[Line] = field(default_factory=list)
    display: list[tuple[Label, Line]] = field(default_factory=list)  # kicker/headline/subhead, in order
    writers: list[str] = field(default_factory=list)
    photographers: list[str] = field(default_factory=list)
    captions: list[str] = field(default_factory=list)
    origin: str | None = None
    closed: bool = False
    sections: set[int] = field(default_factory=set)  # body indices that are section heads

    def add_byline(self, byline: Byline | None) -> None:
        if byline is None:
            return
        self.writers.extend(w for w in byline.writers if w not in self.writers)
        self.photographers.extend(p for p in byline.photographers if p not in self.photographers)

    def add_photographers(self, names: Sequence[str]) -> None:
        self.photographers.extend(n for n in names if n not in self.photographers)


@dataclass
class Labelled:
    """The page's lines with their labels and article numbers (1-based; 0: none), and the drafts."""

    lines: list[Line]
    labels: list[Label]
    owners: list[int]
    drafts: list[Draft]
    loose: list[int]  # indices of lines outside every article, in page order


# -- the cue each line carries on its own ------------------------------------------------------------

# Characters a line must contain (or start/end with) for a cue to be worth a regular expression.
_START_CUES = frozenset("■□◎●◆◇○★☆△▲↑↓←→◀▶【[〖［—－-―本记通文图特实上下左右第责编校美版组排审值终制设星周农")
_END_CUES = frozenset("）)摄")


def own_cue(line: Line, style: cues.HouseStyle) -> Label | None:
    """The label a line's own text gives it, or None for a plain line.

    Cheap character tests come first: most lines of a page are plain text and never reach a regular
    expression.
    """
    text = line.text
    if style.furniture and cues.is_house_furniture(text, style):
        return Label.FURNITURE
    if line.kind:
        return _layout_cue(text, line.kind, style)
    head = text[:14]
    if (style.leads or "报" in head or "社" in head or "网" in head) and cues.match_lead(text, style):
        return Label.LEAD
    if (
        len(text) <= 48
        and ("版" in text or "星期" in text or "周" in text or "农历" in text or "总第" in text)
        and cues.is_header_line(text)
    ):
        return Label.HEADER
    found = None
    if text[0] in _START_CUES or style.bylines or style.furniture:
        found = _start_cue(text, style)
    if found is None and text[-1] in _END_CUES:
        found = _end_cue(text)
    if found is None and len(text) <= 16 and "日" in text and cues.is_date_line(text):
        found = Label.HEADER
    if found is None and len(text) <= 8 and cues.is_column_name(text):
        found = Label.COLUMN
    return found


def _layout_cue(text: str, kind: str, style: cues.HouseStyle) -> Label:
    """A line the layout set in large type (a head) or small type (a caption, a credit, or the
    page's header and footer lines, which papers set small too)."""
    if cues.is_editor_line(text):
        return Label.EDITORS
    if cues.is_header_line(text) or cues.is_date_line(text):
        return Label.HEADER
    if kind == "headline":
        found = _start_cue(text, style)
        return found if found in (Label.SUBHEAD, Label.KICKER, Label.COLUMN) else Label.HEADLINE
    return _end_cue(text) or Label.CAPTION


def _start_cue(text: str, style: cues.HouseStyle) -> Label | None:
    """Cues a line shows at its start: editors, a bracketed name, a subhead, a caption, a byline."""
    if cues.is_editor_line(text):
        return Label.EDITORS
    inner = cues.bracketed(text)
    if inner is not None:
        return Label.COLUMN if len(inner) <= 6 and not RUNS_ON.search(inner) else Label.KICKER
    if cues.subhead_text(text) is not None:
        return Label.SUBHEAD
    if cues.is_caption_start(text):
        return Label.CAPTION
    if cues.match_byline_open(text, style) is not None:
        return Label.BYLINE
    return None


def _end_cue(text: str) -> Label | None:
    """Cues a line shows at its end: a closing byline, a source note, a jump line, a photo credit."""
    if split_byline(text) is not None:
        return Label.CLOSE
    if cues.match_origin(text) is not None:
        return Label.ORIGIN
    if cues.is_jump(text):
        return Label.BODY
    if text[-1] == "摄" and cues.match_credit(text) is not None:
        return Label.CAPTION
    return None


class LineWidths(Sequence[float]):
    """Display widths of the lines, computed for the lines that are measured: most never are."""

    def __init__(self, lines: Sequence[Line]) -> None:
        self._lines = lines
        self._widths: list[float | None] = [None] * len(lines)

    def __len__(self) -> int:
        return len(self._lines)

    @overload
    def __getitem__(self, i: int) -> float: ...
    @overload
    def __getitem__(self, i: slice) -> Sequence[float]: ...
    def __getitem__(self, i: int | slice) -> float | Sequence[float]:
        if isinstance(i, slice):
            return [self[k] for k in range(*i.indices(len(self)))]
        found = self._widths[i]
        if found is None:
            found = self._widths[i] = display_width(self._lines[i].text)
        return found


class ColumnMeasure:
    """Per line, the width of the column it stands in, from nearby plain lines that run on.

    Lines that end a sentence are often paragraph ends (short) and are left out, as are lines with a
    cue of their own; a page mixing column widths gets each line's own neighbourhood. Computed only
    for the lines that ask: most lines continue a sentence and never need it.
    """

    def __init__(self, lines: Sequence[Line], own: Sequence[Label | None], widths: Sequence[float]) -> None:
        self._widths = widths
        self._plain = [i for i, line in enumerate(lines) if own[i] is None and not TERMINAL.search(line.text)]
        # Lines where one article ends or another begins: a column's width is measured between them,
        # since the next article may stand in a column of another width.
        self._bounds = [i for i, label in enumerate(own) if label in _BLOCK_BOUNDS]
        self._cache: dict[int, float] = {}

    def __getitem__(self, i: int) -> float:
        found = self._cache.get(i)
        if found is None:
            found = self._cache[i] = self._measure(i)
        return found

    def _measure(self, i: int) -> float:
        plain = self._plain
        k = bisect_left(plain, i)
        window = [j for j in plain[max(0, k - _WINDOW) : k + _WINDOW + 1] if j != i]
        b = bisect_left(self._bounds, i)
        low = self._bounds[b - 1] if b else -1
        high = self._bounds[b] if b < len(self._bounds) else len(self._widths)
        block = [j for j in window if low < j < high]
        near = sorted(self._widths[j] for j in (block if len(block) >= _BLOCK_MIN else window))
        if not near:
            return self._widths[i]
        # Most plain lines fill the column exactly: the commonest width is the measure. Short lines
        # (headlines, header words, first lines that lost their indent) and lines a hanging
        # punctuation mark made longer are fewer. Without a clear commonest width (a dump whose
        # widths wander), an upper quantile.
        width, seen = _mode(near)
        if seen >= _MODE_MIN * len(near):
            return width
        return near[int(len(near) * _MEASURE_QUANTILE)]


def _mode(ordered: Sequence[float]) -> tuple[float, int]:
    """The commonest value of a sorted sequence (the larger on a tie) and how often it occurs."""
    best, best_run = ordered[0], 0
    run = 0
    for k, value in enumerate(ordered):
        run = run + 1 if k and value == ordered[k - 1] else 1
        if run >= best_run:
            best, best_run = value, run
    return best, best_run
