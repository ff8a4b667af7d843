"""Segmentation: a page's lines become articles and the page's own matter, and nothing is lost.

``labels`` decides what every line is (body, lead, byline, headline, caption, header, …) and which
article it belongs to; this module joins each article's lines into paragraphs, gives it its head
(kicker, headline, subhead), bylines, captions and source note, matches the page's loose lines
(headlines and captions printed together after the last article) to their articles, and returns what
is left over as the page's ``unplaced`` lines, so that every printed line ends up somewhere a user
can see it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

from digest.errors import NoArticles
from digest.ingest import cues
from digest.ingest.byline import split_byline
from digest.ingest.clean import Line, clean_line, display_width, join_paragraphs, prepare_lines
from digest.ingest.dateline import find_dateline, resolve_date
from digest.ingest.labels import PAGE_MATTER, Draft, Label, Labelled
from digest.ingest.loose_lines import place_loose_lines
from digest.ingest.reading import label_lines
from digest.ingest.rejoin import rejoined
from digest.models import Article, PageInfo, PageText

# Share of a page's text that may stay unplaced before the user is warned.
UNPLACED_WARN_SHARE = 0.02
# Lines that may be a paper's recurring furniture: outside the body, and short.
_LEARNABLE = frozenset(
    {"header", "editors", "column", "furniture", "headline", "kicker", "subhead", "unplaced"}
)
_LEARNABLE_CHARS = 30
_WRAP_REST = 6  # a last head line this short is the rest of a wrapped headline
_HEADLINE_MAX = 30


@dataclass(frozen=True, slots=True)
class ExplainedLine:
    """One line of the input as segmentation saw it (``digest summarise --explain``)."""

    number: int  # the line's number in the input, 1-based
    label: str
    article: int | None  # the article's index, None for the page's own matter
    text: str


class SegmentedPage:
    """The articles of a page, its own matter, and (``lines``) how each input line was read."""

    def __init__(
        self, articles: tuple[Article, ...], page: PageInfo, prepared: Sequence[Line], labelled: Labelled
    ) -> None:
        self.articles = articles
        self.page = page
        self._prepared = prepared
        self._labelled = labelled

    @cached_property
    def lines(self) -> tuple[ExplainedLine, ...]:
        # Built when asked (--explain, the store's record): summarising a page does not need it.
        return _explained(self._prepared, self._labelled)

    def record(self) -> dict[str, list[str]]:
        """The page matter as the store keeps it, with the short lines outside the articles that
        learning a paper's recurring furniture counts (``Store.recurring_lines``)."""
        display = sorted(
            {
                line.text
                for line in self.lines
                if line.label in _LEARNABLE and len(line.text) <= _LEARNABLE_CHARS
            }
        )
        return {
            "header": list(self.page.header),
            "editors": list(self.page.editors),
            "columns": list(self.page.columns),
            "other": list(self.page.other),
            "unplaced": list(self.page.unplaced),
            "display": display,
        }

    @property
    def unplaced_share(self) -> float:
        total = sum(len(line.text) for line in self._prepared)
        lost = sum(len(text) for text in self.page.unplaced)
        return lost / total if total else 0.0


def segment(page: PageText, style: cues.HouseStyle = cues.COMMON) -> list[Article]:
    """Articles of a page in page order; raises NoArticles when the page has none."""
    return list(segment_page(page, style).articles)


def segment_page(page: PageText, style: cues.HouseStyle = cues.COMMON) -> SegmentedPage:
    """Articles, page matter and every line's label; raises NoArticles when the page has no article."""
    prepared = prepare_lines(page.lines, page.line_kinds)
    lines = rejoined(prepared)
    labelled = _single(lines, style) if page.single_article else label_lines(lines, style)
    drafts = labelled.drafts
    for draft in drafts:
        if not draft.body and draft.captions:
            # A picture item (图片新闻): a head, a photo and its caption; the caption is its text.
            draft.body = [Line(text, True, True) for text in draft.captions if text]
            draft.captions = []
    # A draft with no body text (a byline or head with nothing after it) is no article: its lines
    # go back to the page's loose lines.
    empty = {n for n, draft in enumerate(drafts, start=1) if not draft.body}
    for i, owner in enumerate(labelled.owners):
        if owner in empty:
            labelled.owners[i] = 0
            labelled.labels[i] = Label.LOOSE
            labelled.loose.append(i)
    labelled.loose.sort()
    kept = [n for n in range(1, len(drafts) + 1) if n not in empty]
    renumber = {old: new for new, old in enumerate(kept, start=1)}
    labelled.owners[:] = [renumber.get(owner, 0) for owner in labelled.owners]
    drafts = [drafts[n - 1] for n in kept]
    if not drafts:
        raise NoArticles(_no_article_message(page.source, labelled))

    bodies = [join_paragraphs(_body_lines(draft)) for draft in drafts]
    heads = [_head(draft) for draft in drafts]
    matter, unplaced = place_loose_lines(page, labelled, drafts=drafts, bodies=bodies, heads=heads)

    articles = []
    for index, (draft, paragraphs, found, head) in enumerate(
        zip(drafts, bodies, matter, heads, strict=True), start=1
    ):
        kicker, headline, subhead = head
        dateline, year, month, day = find_dateline(draft.lead, paragraphs[0] if paragraphs else "")
        if page.single_article and page.headlines:
            headline = clean_line(page.headlines[0])
        captions = [*draft.captions, *(c for c in found.captions if c not in draft.captions)]
        articles.append(
            Article(
                index=index,
                paragraphs=tuple(paragraphs),
                writers=tuple(draft.writers),
                photographers=tuple(draft.photographers),
                dateline=dateline,
                date=resolve_date(year, month, day, page.issue_date) if dateline else None,
                page_headline=headline or found.headline or None,
                kicker=kicker or (page.kicker if page.single_article else None),
                subhead=subhead or (page.subhead if page.single_article else None),
                captions=tuple(captions),
                lead=draft.lead or None,
                origin=draft.origin,
            )
        )
    info = PageInfo(
        header=_texts(labelled, Label.HEADER),
        editors=_texts(labelled, Label.EDITORS),
        columns=_texts(labelled, Label.COLUMN),
        other=_texts(labelled, Label.FURNITURE),
        unplaced=tuple(unplaced),
    )
    return SegmentedPage(tuple(articles), info, prepared, labelled)


def _explained(prepared: Sequence[Line], labelled: Labelled) -> tuple[ExplainedLine, ...]:
    """One row per input line. A line joined onto the one before it (a wrapped lead or byline
    bracket) is shown as printed, read as the line it was joined to."""
    printed = {line.number: line.text for line in prepared}
    shown = {line.number for line in labelled.lines}
    joined = {number for number in printed if number not in shown}
    if not joined:
        return tuple(
            ExplainedLine(line.number, str(label), owner or None, line.text)
            for line, label, owner in zip(labelled.lines, labelled.labels, labelled.owners, strict=True)
        )
    rows: list[ExplainedLine] = []
    for line, label, owner in zip(labelled.lines, labelled.labels, labelled.owners, strict=True):
        host = ExplainedLine(line.number, str(label), owner or None, line.text)
        follower = min((n for n in joined if n > line.number), default=None)
        if follower is not None and line.text in (
            printed[line.number] + printed[follower],
            f"{printed[line.number]} {printed[follower]}",
        ):
            rows.append(ExplainedLine(line.number, host.label, host.article, printed[line.number]))
            rows.append(ExplainedLine(follower, host.label, host.article, printed[follower]))
        else:
            rows.append(host)
    shown_now = {row.number for row in rows}
    for number in sorted(joined - shown_now):  # joined and then split again: shown on their own
        before = max((row for row in rows if row.number < number), key=lambda row: row.number)
        rows.append(ExplainedLine(number, before.label, before.article, printed[number]))
    return tuple(sorted(rows, key=lambda row: row.number))


def _no_article_message(source: str, labelled: Labelled) -> str:
    matter = sum(1 for label in labelled.labels if label in PAGE_MATTER)
    if not labelled.lines:
        return f"{source}: found no article: the page has no text"
    return (
        f"{source}: found no article: the page holds only page matter ({matter} header, editor or column "
        f"lines, {len(labelled.lines) - matter} other short lines); run `digest summarise --explain` to "
        "see how each line was read, or --single if the input is one article"
    )


def _texts(labelled: Labelled, label: Label) -> tuple[str, ...]:
    return tuple(line.text for line, lab in zip(labelled.lines, labelled.labels, strict=True) if lab is label)


def _body_lines(draft: Draft) -> list[Line]:
    """The body, with a paragraph break around each section head."""
    if not draft.sections:
        return draft.body
    out: list[Line] = []
    for k, line in enumerate(draft.body):
        if k in draft.sections or k - 1 in draft.sections:
            line = Line(line.text, True, True, line.number)  # noqa: PLW2901 - a forced paragraph start
        out.append(line)
    return out


def _head(draft: Draft) -> tuple[str | None, str | None, str | None]:
    """(kicker, headline, subhead) from the display lines printed above the article."""
    kicker = subhead = None
    titles: list[Line] = []
    for label, line in draft.display:
        if label is Label.SUBHEAD:
            text = cues.subhead_text(line.text) or line.text
            subhead = text if subhead is None else subhead + text
        elif label is Label.KICKER:
            kicker = cues.bracketed(line.text) or line.text
        else:
            titles.append(line)
    if not titles:
        if kicker is not None and subhead is None:
            return None, kicker, None  # a lone bracketed line above the article is its headline
        return kicker, None, subhead
    if kicker is None and len(titles) > 2:
        # Three lines or more: the kicker above, the headline last (with the line before it when the
        # last is only the rest of a wrapped headline).
        cut = len(titles) - (2 if len(titles[-1].text) <= _WRAP_REST else 1)
        kicker = "".join(line.text for line in titles[:cut])
        titles = titles[cut:]
    elif kicker is None and len(titles) == 2:
        first, second = titles
        # A kicker is set above the headline in smaller words; a wrapped headline's first line is
        # the longer one (it filled the measure), so a shorter first line is the kicker; and two
        # long lines are two heads, since a headline runs to some twenty characters, not forty.
        if (
            display_width(first.text) < display_width(second.text)
            or cues.looks_like_kicker(first.text)
            or len(first.text) + len(second.text) > _HEADLINE_MAX
        ):
            kicker = first.text
            titles = titles[1:]
    headline = "".join(line.text for line in titles)
    return kicker, headline, subhead


# -- an article page (one e-paper HTML page per article) -----------------------------------------------


def _single(lines: list[Line], style: cues.HouseStyle) -> Labelled:
    """Everything is one article; a lead and a closing byline are used when present."""
    draft = Draft()
    labels = [Label.BODY] * len(lines)
    if lines:
        found = cues.match_lead(lines[0].text, style)
        if found is not None:
            draft.lead = found.lead
            draft.add_byline(found.byline)
            labels[0] = Label.LEAD
            rest = [Line(found.rest, True, False, lines[0].number)] if found.rest else []
            body = rest + lines[1:]
        else:
            body = list(lines)
        if body:
            split = split_byline(body[-1].text)
            if split is not None:
                before, byline = split
                draft.add_byline(byline)
                labels[-1] = Label.CLOSE
                last = body[-1]
                body[-1] = Line(before, last.indented, last.blank_before, last.number)
        draft.body = [line for line in body if line.text]
    owners = [1] * len(lines)
    return Labelled(lines, labels, owners, [draft] if lines else [], [])
