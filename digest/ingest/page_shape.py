"""How a page is set, and what each of its lines looks like against it, read before the pass starts.

PageShape holds the page's lines with their own cues (``labels.own_cue``), their widths, the width of
the column each stands in and whether the page keeps paragraph indents; its questions (how short is
this line, does the next one run on, does an article open below) read only the page, never what the
pass (``reading``) has decided so far, so the pass can ask them about lines it has not reached yet.
"""

from __future__ import annotations

import re

from digest.ingest import cues
from digest.ingest.clean import TERMINAL, Line
from digest.ingest.labels import PAGE_MATTER, RUNS_ON, ColumnMeasure, Label, LineWidths, own_cue

# Punctuation inside a sentence: a paragraph's first line usually has some, a head often has none.
INNER_PUNCT = re.compile(r"[，、；：,;:（）]")
_OPENS_WITHIN = 4  # lines below a head that a lead or byline line may be to count as its article's
SHORT = 1.0  # characters narrower (or wider) than the column for a display line
_PARAGRAPH_START = 1.5  # a next line this much short is a paragraph start that lost its indent
LOST_INDENT = (1.0, 3.5)  # how much shorter a paragraph's first line is when its indent was lost
_SPAN_MIN, _SPAN_SHARE = 3.0, 0.2  # how much wider than the column a spanning head is
NEAR_FULL = 0.8  # inside an article, a line this close to the column's width is text, not a head


class PageShape:
    def __init__(self, lines: list[Line], style: cues.HouseStyle) -> None:
        self.lines = lines
        self.style = style
        self.own = [own_cue(line, style) for line in lines]
        widths = LineWidths(lines)
        self.widths = widths
        self.columns = ColumnMeasure(lines, self.own, widths)
        # Digits and Latin letters print half as wide in some fonts and full width in others: a
        # line is short only when it is short counted either way.
        self.sizes = [float(len(line.text)) for line in lines]
        # How this page is set, from all its lines at once.
        self.indents_kept = (
            sum(1 for i, line in enumerate(lines) if line.indented and self.own[i] is None) >= 3
        )
        closes = sum(1 for label in self.own if label in (Label.CLOSE, Label.ORIGIN))
        self.closes_total = closes

    def _opens_next(self, i: int, within: int = _OPENS_WITHIN) -> bool:
        """Whether the lines after ``i`` (past other display lines) start an article: a lead or a
        byline line, at most ``within`` lines on."""
        j = self._next_after_display(i)
        return j is not None and j - i <= within and self.own[j] in (Label.LEAD, Label.BYLINE)

    def _looks_display(self, j: int) -> bool:
        text = self.lines[j].text
        return not TERMINAL.search(text) and not RUNS_ON.search(text) and abs(self._gap(j)) >= SHORT

    def _gap(self, i: int) -> float:
        """How much narrower than its column line ``i`` is (negative: wider, e.g. a spanning headline)."""
        short = self.columns[i] - self.sizes[i]
        if short > 0:
            return short
        # Lines of a neighbouring, wider column run a few characters over; a head spanning columns
        # runs well over.
        over = self.widths[i] - self.columns[i]
        return -over if over >= max(_SPAN_MIN, _SPAN_SHARE * self.columns[i]) else 0.0

    def _lost_indent(self, i: int) -> bool:
        """About two characters short on a page without indents: a paragraph start, not a head.

        Not when it reads as a head: two phrases set apart by a space, or a phrase without a comma
        above a line that is itself a paragraph start (short too)."""
        if self.indents_kept or not LOST_INDENT[0] <= self._gap(i) <= LOST_INDENT[1]:
            return False
        return not self._reads_as_head(i)

    def _reads_as_head(self, i: int) -> bool:
        """Set like a head: no punctuation inside a sentence, and either two phrases apart (多地出现
        高温天气 专家提醒注意防暑) or a paragraph starting right below it."""
        text = self.lines[i].text
        if INNER_PUNCT.search(text):
            return False
        return spaced_phrases(text) or self._next_starts_paragraph(i)

    def _next_starts_paragraph(self, i: int, short: float = _PARAGRAPH_START) -> bool:
        j = i + 1
        if j >= len(self.lines) or self.own[j] is not None or TERMINAL.search(self.lines[j].text):
            return False
        return self._gap(j) >= short

    def _next_runs_on(self, i: int) -> bool:
        """Whether the line after ``i`` is plain text (the rest of a paragraph)."""
        if i + 1 >= len(self.lines) or self.own[i + 1] not in (None, Label.CLOSE, Label.ORIGIN):
            return False
        j = i + 1
        if self.indents_kept and self.lines[j].indented and not self.lines[i].indented:
            return False  # the next line starts a paragraph of its own: line i stands alone
        text = self.lines[j].text
        return (
            bool(TERMINAL.search(text))
            or bool(RUNS_ON.search(text))
            or self.widths[j] >= NEAR_FULL * self.columns[j]
        )

    def _next_after_display(self, i: int) -> int | None:
        for j in range(i + 1, len(self.lines)):
            own = self.own[j]
            if own in (Label.KICKER, Label.SUBHEAD, Label.CAPTION):
                continue
            if own is None and self._looks_display(j):
                continue
            return j
        return None

    def _sentence_ahead(self, i: int) -> bool:
        for j in range(i, len(self.lines)):
            own = self.own[j]
            if own in (Label.CLOSE, Label.ORIGIN) or (own is None and TERMINAL.search(self.lines[j].text)):
                return True
            # A caption, or the page's own matter (a footer the layout put between two lines of a
            # column), does not end the text that runs past it.
            if own is not None and own is not Label.CAPTION and own not in PAGE_MATTER:
                return False
        return False


# Two phrases set apart by a space (多地出现高温天气 专家提醒注意防暑) is how heads are set; running
# text has no space between Chinese characters once cleaned, except inside quoted names and slogans.
_SPACED_PHRASES = re.compile(r"[\u4e00-\u9fff”] [“\u4e00-\u9fff]")
_QUOTED = re.compile(r"“[^”]*”")


def spaced_phrases(text: str) -> bool:
    return bool(_SPACED_PHRASES.search(_QUOTED.sub("“”", text)))
