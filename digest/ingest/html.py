"""Extract the article from an HTML page: Founder e-paper article pages and generic article pages.

Nothing in the page is executed or followed: scripts and frames are dropped unread, no URL is fetched,
and libxml2's own limits (nesting depth, node size) stay on so hostile markup cannot exhaust memory.
Nothing here recurses over the tree, and the per-node work is left to libxml2 where possible: plain
lxml.etree elements (no lxml.html class lookup) and serialisation instead of Python tree walks keep a
20 MB page to a few seconds.

The steps live apart: html_parsing decodes and parses the page, html_article finds the article and
its headings, html_captions takes the photo captions out and html_text splits the rest into
paragraphs; html_tree holds the small tree helpers they share.
"""

from __future__ import annotations

import re

from digest.ingest.html_article import founder_headings, generic_article
from digest.ingest.html_captions import take_captions
from digest.ingest.html_parsing import charset, decode, parse_whole, text_between_tags
from digest.ingest.html_text import paragraphs
from digest.ingest.html_tree import Element, remove_all, xpath_all, xpath_first
from digest.ingest.locator_dates import date_from_locator
from digest.models import DocumentKind, PageText

# Prefixed to every paragraph so the cleaner downstream sees an indented line, i.e. a paragraph start.
PARAGRAPH_START = "\u3000\u3000"

# Elements whose content is never article text. Form controls go too, but a <form> itself often wraps
# the whole page (ASP.NET sites), so forms are only dropped when they hold no paragraphs (_drop_forms).
_NEVER_TEXT = (
    "script",
    "style",
    "noscript",
    "iframe",
    "frame",
    "frameset",
    "template",
    "svg",
    "math",
    "object",
    "embed",
    "applet",
    "canvas",
    "audio",
    "video",
    "select",
    "textarea",
    "button",
    "input",
)
_BOILERPLATE = ("nav", "aside", "footer", "header")


def extract_html(data: bytes, source: str, declared_charset: str | None = None) -> PageText:
    """Return the article text of an HTML page; lines are empty when the page has no usable text.

    ``declared_charset`` comes from the HTTP Content-Type header and wins over the page's own <meta>,
    except for the ISO-8859-1 that servers send by default.
    """
    text = decode(data, source, charset(data, declared_charset))
    issue_date = date_from_locator(source)
    root, stopped = parse_whole(text, source)
    if stopped:
        # Markup past libxml2's limits (100,000 nested <div>s): the page's words are not lost with
        # its structure; every piece of text between tags is a paragraph.
        return PageText(
            source=source,
            kind=DocumentKind.HTML,
            lines=tuple(PARAGRAPH_START + piece for piece in text_between_tags(text)),
            single_article=True,
            issue_date=issue_date,
        )
    if root is None:
        return PageText(
            source=source, kind=DocumentKind.HTML, lines=(), single_article=True, issue_date=issue_date
        )

    remove_all(root.iter(*_NEVER_TEXT))
    _drop_forms(root)
    # XPath searches visit every node; a substring test on the source skips them on most pages.
    founder_body = (
        xpath_first(root, "//*[@id='ozoom'] | //founder-content")
        if "ozoom" in text or ("founder-content" in text)
        else None
    )
    if founder_body is not None:
        headline, kicker, subhead = founder_headings(root)
        body = founder_body
    else:
        body, headline = generic_article(root, has_item_body="articleBody" in text)
        kicker = subhead = None
    remove_all(body.iterdescendants(*_BOILERPLATE))
    captions = take_captions(body, by_class=re.search("caption", text, re.IGNORECASE) is not None)
    lines = tuple(PARAGRAPH_START + paragraph for paragraph in paragraphs(body))
    return PageText(
        source=source,
        kind=DocumentKind.HTML,
        lines=lines,
        headlines=(headline,) if headline else (),
        captions=tuple(captions),
        single_article=True,
        kicker=kicker,
        subhead=subhead,
        issue_date=issue_date,
    )


def _drop_forms(root: Element) -> None:
    remove_all(xpath_all(root, "//form[not(.//p or .//article or .//*[@id='ozoom'] or .//founder-content)]"))
