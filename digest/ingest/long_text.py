"""Texts far longer than any page — a year of issues in one file, a 50 MB upload — segmented a part
at a time, so that memory grows with the articles found, not with the segmenter's working state.

A broadsheet page is under 2,000 lines; the segmenter keeps a few hundred bytes of state per line
(cleaned lines, labels, drafts), which for a 50 MB text of 1.6 million lines was 400 MB on top of
the text itself. Past ``PART_LINES`` lines the text is cut into parts, each cut placed before a line
that opens an article (本报讯, 新华社…电) where one is near, else after a blank line, else where the
part is full; each part is segmented as a page of its own and its state dropped before the next. A
cut inside a printed page can part its articles from the headlines a PDF dump prints after them
(they are then placed as well as the part allows, or kept as unplaced): one page in the dozens a
part holds.

Nothing is lost at a cut: a part whose first article has no lead and no headline goes on from the
article before the cut and is appended to it (a part in which nothing opens an article is read as
one such article); the page matter of every part is kept, its unplaced lines too. A page of fewer
lines is segmented whole, exactly as segment_page does it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from functools import cached_property

from digest.errors import NoArticles
from digest.ingest import cues
from digest.ingest.segment import ExplainedLine, SegmentedPage, segment_page
from digest.models import Article, PageInfo, PageText

# Ten times the longest page of the development pages and the broadsheet tests.
PART_LINES = 20_000
# How far back from a full part a cut looks for an article's start or a blank line.
_LOOK_BACK = 2_000


def segment_long(page: PageText, style: cues.HouseStyle = cues.COMMON) -> SegmentedPage:
    """segment_page for a page of any length: whole when it is page-sized, else part by part."""
    if len(page.lines) <= PART_LINES:
        return segment_page(page, style)
    return _Parts(page, style, cuts(page.lines, style))


def cuts(lines: Sequence[str], style: cues.HouseStyle = cues.COMMON) -> list[tuple[int, int]]:
    """(start, end) of each part of ``lines``: consecutive, covering every line once."""
    parts = []
    start = 0
    while len(lines) - start > PART_LINES:
        end = start + PART_LINES
        parts.append((start, _cut_before(lines, start, end, style)))
        start = parts[-1][1]
    parts.append((start, len(lines)))
    return parts


def _cut_before(lines: Sequence[str], start: int, end: int, style: cues.HouseStyle) -> int:
    """Where to end the part that would end at ``end``: before a line that opens an article near
    it, else after a blank line, else at ``end``."""
    floor = max(start + 1, end - _LOOK_BACK)
    for i in range(end, floor - 1, -1):
        if cues.match_lead(lines[i].strip(), style):
            return i
    for i in range(end, floor - 1, -1):
        if not lines[i - 1].strip():
            return i
    return end


def _continues(article: Article) -> bool:
    """Whether a part's first article goes on from the article before the cut: it has no lead and
    no headline of its own (a page's first article has one or the other)."""
    return article.lead is None and article.page_headline is None and article.kicker is None


class _Parts(SegmentedPage):
    """A long text's articles and page matter, gathered part by part (see the module's reason)."""

    def __init__(self, page: PageText, style: cues.HouseStyle, parts: list[tuple[int, int]]) -> None:
        self._page = page
        self._style = style
        self._parts = parts
        self._merged: list[bool] = []  # per part: whether its first article went on from the last
        articles: list[Article] = []
        infos: list[PageInfo] = []
        display: set[str] = set()
        self._total = self._lost = 0
        for start, end in parts:
            found = self._segmented(start, end)
            merged = bool(articles) and _continues(found.articles[0])
            if merged:
                more = found.articles[0]
                articles[-1] = dataclasses.replace(
                    articles[-1],
                    paragraphs=articles[-1].paragraphs + more.paragraphs,
                    captions=articles[-1].captions + more.captions,
                )
            articles += found.articles[1:] if merged else found.articles
            self._merged.append(merged)
            infos.append(found.page)
            display.update(found.record()["display"])
            chars = sum(len(line) for line in self._page.lines[start:end])
            self._total += chars
            self._lost += round(found.unplaced_share * chars)
        self.articles = tuple(dataclasses.replace(a, index=i) for i, a in enumerate(articles, start=1))
        self.page = PageInfo(
            *(
                tuple(dict.fromkeys(text for info in infos for text in getattr(info, field)))
                for field in _FIELDS
            )
        )
        self._display = sorted(display)

    def _segmented(self, start: int, end: int) -> SegmentedPage:
        kinds = self._page.line_kinds[start:end] if self._page.line_kinds else ()
        part = dataclasses.replace(self._page, lines=self._page.lines[start:end], line_kinds=kinds)
        try:
            return segment_page(part, self._style)
        except NoArticles:
            if start == 0:
                raise  # the text opens with nothing to read: as segment_page says of a short one
            # Nothing here opens an article: the text goes on from the one before the cut.
            return segment_page(dataclasses.replace(part, single_article=True), self._style)

    @cached_property
    def lines(self) -> tuple[ExplainedLine, ...]:
        # Asked for by --explain only: each part is segmented again, its rows numbered in the whole.
        rows: list[ExplainedLine] = []
        before = 0  # articles in the parts before this one
        for (start, end), merged in zip(self._parts, self._merged, strict=True):
            found = self._segmented(start, end)
            offset = before - 1 if merged else before  # its first article is the one before the cut
            for row in found.lines:
                article = None if row.article is None else row.article + offset
                rows.append(dataclasses.replace(row, number=row.number + start, article=article))
            before = offset + len(found.articles)
        return tuple(rows)

    def record(self) -> dict[str, list[str]]:
        return {
            **{field: list(getattr(self.page, field)) for field in _FIELDS},
            "display": self._display,
        }

    @property
    def unplaced_share(self) -> float:
        return self._lost / self._total if self._total else 0.0


_FIELDS = tuple(field.name for field in dataclasses.fields(PageInfo))
