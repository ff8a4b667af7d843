"""The development pages (tests/data/pages) and how a page's segmentation is compared with a golden file.

Each page is invented text laid out the way county papers print (leads, byline lines, headline
blocks, trailing blocks of headlines and captions, page headers and editor footers); its golden
file says what a careful reader finds. Texts are compared without whitespace.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from digest.ingest.segment import SegmentedPage
from digest.models import Article, DocumentKind, PageText
from digest.shipped import SAMPLE_PAGE

DATA = Path(__file__).parent.parent / "data"
PAGES = sorted((DATA / "pages").glob("*.txt"))
SAMPLE = SAMPLE_PAGE
ALL_PAGES = [*PAGES, SAMPLE]


def compact(text: str | None) -> str:
    return re.sub(r"\s", "", text or "")


def page_text(path: Path) -> PageText:
    return PageText(path.name, DocumentKind.TEXT, tuple(path.read_text(encoding="utf-8").splitlines()))


def golden(path: Path) -> dict[str, Any]:
    """The page's golden file: beside it, or in tests/data for the sample that ships inside digest."""
    name = path.with_suffix(".expected.json").name
    where = DATA / name if path == SAMPLE else path.with_suffix(".expected.json")
    return json.loads(where.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def matches(article: Article, expected: dict[str, Any]) -> bool:
    text = compact(article.text)
    return text.startswith(compact(expected["starts"])) and text.endswith(compact(expected["ends"]))


@dataclass
class Score:
    found: int = 0
    expected: int = 0
    right: int = 0

    @property
    def f1(self) -> float:
        if not self.right:
            return 0.0
        precision, recall = self.right / self.found, self.right / self.expected
        return 2 * precision * recall / (precision + recall)


def boundaries(articles: tuple[Article, ...], expected: list[dict[str, Any]]) -> Score:
    """An article is right when it starts and ends where the golden one does."""
    right = sum(1 for e in expected if any(matches(a, e) for a in articles))
    return Score(len(articles), len(expected), right)


_FIELDS = (
    ("writers", "writers"),
    ("photographers", "photographers"),
    ("headline", "page_headline"),
    ("kicker", "kicker"),
    ("subhead", "subhead"),
    ("captions", "captions"),
    ("lead", "lead"),
    ("origin", "origin"),
)


def differences(found: SegmentedPage, gold: dict[str, Any]) -> Iterator[str]:
    """Every way the segmentation differs from the golden file, as readable lines."""
    for expected in gold["articles"]:
        candidates = [a for a in found.articles if matches(a, expected)]
        if not candidates:
            yield f"no article {expected['starts'][:12]}…{expected['ends'][-12:]}"
            continue
        article = candidates[0]
        for key, attribute in _FIELDS:
            if key not in expected:
                continue
            got = getattr(article, attribute)
            want = expected[key]
            if isinstance(got, tuple):
                got, want = [compact(x) for x in got], [compact(x) for x in want]
            elif key in ("headline", "kicker", "subhead", "origin"):
                got, want = compact(got) or None, compact(want) or None
            if got != want:
                yield f"article {article.index} {key}: {got!r}, expected {want!r}"
    for key in ("header", "editors", "columns"):
        want = [compact(x) for x in gold.get("page", {}).get(key, [])]
        got = [compact(x) for x in getattr(found.page, key)]
        if got != want:
            yield f"page {key}: {got}, expected {want}"
    if found.page.unplaced:
        yield f"unplaced: {list(found.page.unplaced)}"
