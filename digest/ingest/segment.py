"""Segmentation: split a page's cleaned lines into articles.

An article opens at a lead marker at the start of a line (本报讯, 本报北京7月25日电, 新华社…电, …)
and closes at its byline. Lines outside every article (mastheads, the block of headlines and captions
after the last article) are never summarised; they are offered to ``page_matter`` instead.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from digest.errors import NoArticles
from digest.ingest.byline import Byline, parse_byline, split_byline
from digest.ingest.clean import TERMINAL, Line, clean_line, join_paragraphs, prepare_lines
from digest.ingest.dateline import find_dateline, resolve_date
from digest.ingest.page_matter import assign_page_matter
from digest.models import Article, PageText

_WIRE = "本报|新华社|中新社|中新网|人民网|新华网|央视网|央广网|经济日报|工人日报|光明日报"
_LEAD = (
    r"(?P<lead>(?:[\u4e00-\u9fff]{0,8}报讯"
    rf"|(?:{_WIRE})[^，。！？\s（()]{{0,16}}?(?:电|消息)))"
    r" *(?:[（(](?P<reporters>[^（）()]{2,40})[）)])? *[：:，]? *"
)
LEAD_AT_START = re.compile("^" + _LEAD)
# A lead glued to the end of the previous article on one line: "…。（文/张三）本报讯 …".
_LEAD_INSIDE = re.compile(r"(?<=[）)。！？”]) *(?=" + _LEAD + ")")


@dataclass
class _Draft:
    lead: str
    lines: list[Line] = field(default_factory=list)
    writers: list[str] = field(default_factory=list)
    photographers: list[str] = field(default_factory=list)

    def add_byline(self, byline: Byline) -> None:
        self.writers.extend(w for w in byline.writers if w not in self.writers)
        self.photographers.extend(p for p in byline.photographers if p not in self.photographers)


def segment(page: PageText) -> list[Article]:
    """Articles of a page in page order; raises NoArticles when the page has none."""
    lines = prepare_lines(list(_split_glued_leads(page.lines)))
    if page.single_article:
        drafts, loose = _single(lines), list[Line]()
    else:
        drafts, loose = _scan(lines)
    drafts = [d for d in drafts if d.lines]
    if not drafts:
        raise NoArticles(
            f"{page.source}: found no article (no lead such as 本报讯 or 新华社…电 opens one); "
            "if the input is a single article, run again with --single"
        )
    bodies = [join_paragraphs(d.lines) for d in drafts]
    matter = assign_page_matter(
        ["".join(body) for body in bodies],
        [line.text for line in loose],
        headlines=[clean_line(h) for h in page.headlines],
        captions=[clean_line(c) for c in page.captions],
    )
    articles = []
    for index, (draft, paragraphs, found) in enumerate(zip(drafts, bodies, matter, strict=True), start=1):
        dateline, year, month, day = find_dateline(draft.lead, paragraphs[0] if paragraphs else "")
        headline = found.headline
        if page.single_article and page.headlines:
            headline = clean_line(page.headlines[0])
        articles.append(
            Article(
                index=index,
                paragraphs=tuple(paragraphs),
                writers=tuple(draft.writers),
                photographers=tuple(draft.photographers),
                dateline=dateline,
                date=resolve_date(year, month, day, page.issue_date) if dateline else None,
                page_headline=headline or None,
                kicker=page.kicker if page.single_article else None,
                subhead=page.subhead if page.single_article else None,
                captions=tuple(found.captions),
                lead=draft.lead or None,
            )
        )
    return articles


def _split_glued_leads(raw_lines: Sequence[str]) -> Iterator[str]:
    for raw in raw_lines:
        # Every lead names a paper, an agency or a site: most lines hold none of these characters.
        if "报" not in raw and "社" not in raw and "网" not in raw:
            yield raw
            continue
        cuts = [m.start() for m in _LEAD_INSIDE.finditer(raw) if m.start() > 0]
        for start, end in zip([0, *cuts], [*cuts, len(raw)], strict=True):
            yield raw[start:end]


def _open(line: Line) -> tuple[_Draft, Line | None] | None:
    """A draft article when the line starts with a lead, with the rest of the line as its first line."""
    match = LEAD_AT_START.match(line.text)
    if match is None:
        return None
    draft = _Draft(lead=match.group("lead"))
    rest = line.text[match.end() :]
    reporters = match.group("reporters")
    if reporters:
        byline = parse_byline(reporters)
        if byline is None:
            # Brackets after the lead that hold no names are body text: keep them.
            rest = line.text[match.start("reporters") - 1 :]
        else:
            draft.add_byline(byline)
    rest = rest.strip()
    return draft, (Line(rest, indented=True) if rest else None)


def _scan(lines: Sequence[Line]) -> tuple[list[_Draft], list[Line]]:
    drafts: list[_Draft] = []
    loose: list[Line] = []
    current: _Draft | None = None
    for line in lines:
        opened = _open(line)
        if opened is not None:
            if current is not None:
                loose.extend(_trim_tail(current))
            current, first = opened
            drafts.append(current)
            if first is None:
                continue
            line = first  # noqa: PLW2901 - the rest of the lead's line is read like any other line
        if current is None:
            loose.append(line)
            continue
        split = split_byline(line.text)
        if split is not None:
            before, byline = split
            if before:
                current.lines.append(Line(before, line.indented, line.blank_before))
            current.add_byline(byline)
            current = None
            continue
        current.lines.append(line)
    if current is not None:
        loose.extend(_trim_tail(current))
    return drafts, loose


def _trim_tail(draft: _Draft) -> list[Line]:
    """An article closed without a byline keeps text up to its last sentence end; what follows
    (a headline printed before the next article, captions) is not body text."""
    last = max((i for i, line in enumerate(draft.lines) if TERMINAL.search(line.text)), default=-1)
    tail = draft.lines[last + 1 :]
    del draft.lines[last + 1 :]
    return tail


def _single(lines: Sequence[Line]) -> list[_Draft]:
    """An article page: everything is one article; a lead and a byline are used when present."""
    if not lines:
        return []
    opened = _open(lines[0])
    if opened is None:
        draft, body = _Draft(lead=""), list(lines)
    else:
        draft, first = opened
        body = ([first] if first else []) + list(lines[1:])
    if body:
        split = split_byline(body[-1].text)
        if split is not None:
            before, byline = split
            draft.add_byline(byline)
            body[-1] = Line(before, body[-1].indented, body[-1].blank_before)
    draft.lines.extend(line for line in body if line.text)
    return [draft]
