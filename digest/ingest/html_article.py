"""Find the article on an HTML page: Founder e-paper article pages and generic article pages.

A Founder page holds its text in #ozoom or <founder-content>, with the headline (<h1>), kicker (<h3>)
and subhead (<h2>) around it. A generic page's text is its articleBody, its longest <article> or the
element whose paragraphs hold the most text, and its headline the nearest <h1>, else the page title.
"""

from __future__ import annotations

import re
from itertools import islice

from digest.ingest.html_text import normalise, text_of
from digest.ingest.html_tree import Element, remove, remove_all, text_content, xpath_all, xpath_first

_TITLE_SEPARATOR = re.compile(r"\s+[-–—|｜]\s+|\s*(?:_|\||｜|--|——)\s*")
# How far up from <h1> to look for its kicker (<h3>) and subhead (<h2>), and for an <h1> near an article.
_NEAR_LEVELS = 4
# Navigation, sidebars and page headers and footers, but not an article's own <header> (it holds the
# <h1>) and nothing that wraps the article. One XPath, so libxml2 does the per-node tests.
_BOILERPLATE_XPATH = (
    "//*[self::nav or self::aside or self::footer or (self::header and not(ancestor::article))]"
    "[not(.//article or .//*[@itemprop='articleBody'])]"
)
# An upper bound on Python-side work, so hostile pages with 10^5 headings stay linear: how many <h1>s
# to try.
_MAX_HEADINGS = 20


def founder_headings(root: Element) -> tuple[str | None, str | None, str | None]:
    """Headline (<h1>), kicker (<h3>) and subhead (<h2>) of a Founder e-paper article page.

    Usually they sit just above the body, in some templates inside it; either way they are removed
    from the tree once read, so they never turn up again as body paragraphs.
    """
    h1 = next(root.iter("h1"), None)
    anchor = root if h1 is None else h1
    h3 = _near_heading(anchor, "h3")
    h2 = _near_heading(anchor, "h2")
    # An empty <h1> is how these pages print an article without a headline; no fallback then.
    headline = _title_fallback(root) if h1 is None else text_of(h1) or None
    kicker = text_of(h3) or None if h3 is not None else None
    subhead = text_of(h2) or None if h2 is not None else None
    remove_all(el for el in (h1, h2, h3) if el is not None)
    return headline, kicker, subhead


def _near_heading(anchor: Element, tag: str) -> Element | None:
    """The closest ``tag`` element around ``anchor``, searching wider one ancestor at a time.

    The first level that has such an element decides, even when it is empty: these pages print an
    empty <h3> for "no kicker", and searching wider would pick up a sidebar heading instead.
    """
    scope: Element | None = anchor
    for _ in range(_NEAR_LEVELS):
        if scope is None:
            break
        el = next(scope.iter(tag), None)
        if el is not None:
            return el
        scope = scope.getparent()
    return None


def generic_article(root: Element, *, has_item_body: bool) -> tuple[Element, str | None]:
    """The element holding the article text, and the article's headline."""
    remove_all(xpath_all(root, _BOILERPLATE_XPATH))
    # Explicit None tests: an lxml element without children is falsy, so `a or b` would skip it.
    body = xpath_first(root, "//*[@itemprop='articleBody']") if has_item_body else None
    if body is None:
        body = max(root.iter("article"), key=lambda el: len(text_content(el)), default=None)
    if body is None:
        body = _densest(root)
    if body is None:
        body = next(root.iter("body"), root)
    for h1 in islice(body.iter("h1"), _MAX_HEADINGS):
        if text := text_of(h1):
            remove(h1)  # the headline is not body text
            return body, text
    # Templates often put the <h1> beside the text container rather than in it.
    scope = body.getparent()
    for _ in range(_NEAR_LEVELS - 1):
        if scope is None:
            break
        for h1 in islice(scope.iter("h1"), _MAX_HEADINGS):
            if text := text_of(h1):
                return body, text
        scope = scope.getparent()
    return body, _title_fallback(root)


def _densest(root: Element) -> Element | None:
    """The element whose own <p> children hold the most text: where the article body usually is."""
    scores: dict[Element, int] = {}
    for p in root.iter("p"):
        parent = p.getparent()
        if parent is not None and parent.tag != "figcaption":  # a caption is never the article
            scores[parent] = scores.get(parent, 0) + len(text_content(p).strip())
    best = max(scores, key=scores.__getitem__, default=None)
    return best if best is not None and scores[best] > 0 else None


def _title_fallback(root: Element) -> str | None:
    for meta in root.iter("meta"):
        if meta.get("property") == "og:title" and (og_title := normalise(meta.get("content") or "")):
            return og_title
    title = next((text for el in root.iter("title") if (text := text_of(el))), None)
    if title is None:
        return None
    # "Headline_Channel_Site", "Headline - Site", "Headline--Paper": the headline comes first.
    parts = [part for part in _TITLE_SEPARATOR.split(title) if part.strip()]
    return parts[0].strip() if parts else None
