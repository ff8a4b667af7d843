"""A page's headlines and photo captions, matched to the articles they belong to.

Text extracted from a PDF dumps the page's headlines and captions together after the last article,
in no useful order. Each such line is matched to the article whose text shares most of its character
pairs; the first line matched to an article is its printed headline, later ones are captions.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

_NOT_CONTENT = re.compile(r"[\s\W_]+")

# Share of a line's character pairs that must occur in the article, and how far ahead of the
# runner-up the best article must be, for the line to be attached rather than dropped.
MIN_SHARE = 0.5
MIN_LEAD = 0.15
MIN_CHARS = 4


def _bigrams(text: str) -> set[str]:
    compact = _NOT_CONTENT.sub("", text)
    return {compact[i : i + 2] for i in range(len(compact) - 1)}


@dataclass
class PageMatter:
    """What matching found for one article."""

    headline: str | None = None
    captions: list[str] = field(default_factory=list)


class ArticleMatcher:
    """Scores short lines against the texts of a page's articles.

    A line's few character pairs are looked up in each article's text (a substring search in C),
    rather than every article being cut into its thousands of pairs first.
    """

    def __init__(self, texts: Sequence[str]) -> None:
        self._texts = [_NOT_CONTENT.sub("", text) for text in texts]

    def _shares(self, grams: set[str]) -> list[float]:
        return [sum(1 for gram in grams if gram in text) / len(grams) for text in self._texts]

    def shares(self, line: str) -> list[float]:
        """Per article, the share of the line's character pairs found in it."""
        grams = _bigrams(line)
        if not grams:
            return [0.0] * len(self._texts)
        return self._shares(grams)

    def best(self, line: str) -> int | None:
        """Index of the article the line belongs to, or None when no article clearly owns it."""
        grams = _bigrams(line)
        if len(grams) + 1 < MIN_CHARS or not self._texts:
            return None
        shares = sorted(((share, i) for i, share in enumerate(self._shares(grams))), reverse=True)
        share, index = shares[0]
        runner_up = shares[1][0] if len(shares) > 1 else 0.0
        if share >= MIN_SHARE and share - runner_up >= MIN_LEAD:
            return index
        return None


def assign_page_matter(
    texts: Sequence[str],
    loose_lines: Sequence[str],
    headlines: Sequence[str] = (),
    captions: Sequence[str] = (),
    *,
    has_headline: Sequence[bool] = (),
    matcher: ArticleMatcher | None = None,
) -> tuple[list[PageMatter], list[str]]:
    """Attach headlines and captions to articles; return what was attached and the lines no
    article clearly owns (for the caller to report, never to drop).

    ``headlines`` and ``captions`` are lines the layout already classified (type size in a PDF, a
    图为 mark); ``loose_lines`` are lines outside any article whose role only their order tells.
    ``has_headline`` marks articles that already have a headline printed above them; ``matcher``
    is one the caller built over the same texts.
    """
    matcher = matcher or ArticleMatcher(texts)
    found = [PageMatter() for _ in texts]
    taken = [bool(has_headline and has_headline[i]) for i in range(len(texts))]
    unmatched: list[str] = []
    for line in headlines:
        index = matcher.best(line)
        if index is None:
            unmatched.append(line)
        elif not taken[index]:
            found[index].headline = line
            taken[index] = True
        elif line != found[index].headline and line not in found[index].captions:
            found[index].captions.append(line)
    for line in captions:
        index = matcher.best(line)
        if index is None:
            unmatched.append(line)
        elif line not in found[index].captions:
            found[index].captions.append(line)
    for line in loose_lines:
        index = matcher.best(line)
        if index is None:
            unmatched.append(line)
            continue
        matter = found[index]
        if not taken[index] and not headlines:
            matter.headline = line
            taken[index] = True
        elif line != matter.headline and line not in matter.captions:
            matter.captions.append(line)
    return found, unmatched
