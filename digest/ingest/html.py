"""Extract the article from an HTML page: Founder e-paper article pages and generic article pages.

Nothing in the page is executed or followed: scripts and frames are dropped unread, no URL is fetched,
and libxml2's own limits (nesting depth, node size) stay on so hostile markup cannot exhaust memory.
Nothing here recurses over the tree, and the per-node work is left to libxml2 where possible: plain
lxml.etree elements (no lxml.html class lookup) and serialisation instead of Python tree walks keep a
20 MB page to a few seconds.
"""

from __future__ import annotations

import html as html_module
import logging
import re
from collections.abc import Iterable
from itertools import islice

from lxml import etree

from digest.errors import BinaryInput
from digest.ingest.encoding import decode_text
from digest.ingest.locator_dates import date_from_locator
from digest.models import DocumentKind, PageText

log = logging.getLogger(__name__)

Element = etree._Element

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

# Elements that start a new paragraph of their own; inline elements (span, a, font, b) do not.
_BLOCKS = (
    "p",
    "div",
    "br",
    "hr",
    "li",
    "ul",
    "ol",
    "dl",
    "dt",
    "dd",
    "table",
    "tbody",
    "thead",
    "tfoot",
    "tr",
    "td",
    "th",
    "caption",
    "section",
    "article",
    "main",
    "aside",
    "header",
    "footer",
    "nav",
    "blockquote",
    "pre",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "figure",
    "figcaption",
    "center",
    "address",
    "form",
    "fieldset",
    "details",
    "summary",
    "founder-content",
    "body",
)

# Pages declare their charset in the first few KB; scanning further only costs time on 20 MB pages.
_CHARSET_SCAN_BYTES = 8192
_META_CHARSET = re.compile(rb"<meta\b[^>]{0,512}?charset\s*=\s*[\"']?\s*([A-Za-z0-9._:-]+)", re.IGNORECASE)
_XML_ENCODING = re.compile(rb"\A\s*<\?xml\b[^>]{0,200}?encoding\s*=\s*[\"']([A-Za-z0-9._:-]+)", re.IGNORECASE)
# Servers often label every page ISO-8859-1 by default; a Chinese page's own <meta> is more reliable
# than that, and without one so is decode_text's UTF-8/GB18030 detection.
_WESTERN_CHARSETS = frozenset(
    {
        "iso-8859-1",
        "iso8859-1",
        "latin1",
        "latin-1",
        "l1",
        "us-ascii",
        "ascii",
        "windows-1252",
        "cp1252",
    }
)
# A few NUL bytes make decode_text call the page binary; HTML parsers ignore them, so do we, unless
# there are so many that the file really is binary.
_MAX_NUL_SHARE = 0.001

# lxml refuses a str that starts with an XML declaration naming an encoding; the text is decoded already.
_XML_DECLARATION = re.compile(r"\A\s*<\?xml[^>]{0,500}>")
# A Unicode noncharacter marks paragraph breaks while serialising (_paragraphs). It never occurs in
# text; _CONTROLS removes it from the input all the same, so a page cannot forge a break.
_BREAK = "\ufdd0"
_CONTROLS = re.compile("[\x00-\x08\x0b\x0e-\x1f\x7f\u200b-\u200d\u2060\ufeff\ufdd0]")
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
_WHITESPACE = re.compile(r"\s+")
_NEEDS_WORK = re.compile(r"\s|" + _CONTROLS.pattern)
_TITLE_SEPARATOR = re.compile(r"\s+[-–—|｜]\s+|\s*(?:_|\||｜|--|——)\s*")

# Image captions are a sentence or two; anything longer next to a photo is body text.
_MAX_CAPTION_CHARS = 200
# How far up from <h1> to look for its kicker (<h3>) and subhead (<h2>), and for an <h1> near an article.
_NEAR_LEVELS = 4
# Navigation, sidebars and page headers and footers, but not an article's own <header> (it holds the
# <h1>) and nothing that wraps the article. One XPath, so libxml2 does the per-node tests.
_BOILERPLATE_XPATH = (
    "//*[self::nav or self::aside or self::footer or (self::header and not(ancestor::article))]"
    "[not(.//article or .//*[@itemprop='articleBody'])]"
)
# Upper bounds on Python-side work per element, so hostile pages with 10^5 headings, images or
# nesting levels stay linear: how many <h1>s to try, how far a photo sits inside its table cell, and
# how deep a caption can be nested inside another caption.
_MAX_HEADINGS = 20
_MAX_CELL_DEPTH = 4
_MAX_CAPTION_NESTING = 8
_CAPTION_CLASS_XPATH = ".//*[contains(translate(@class, 'CAPTION', 'caption'), 'caption')]"


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
            lines=tuple(PARAGRAPH_START + piece for piece in _text_between_tags(text)),
            single_article=True,
            issue_date=issue_date,
        )
    if root is None:
        return PageText(
            source=source, kind=DocumentKind.HTML, lines=(), single_article=True, issue_date=issue_date
        )

    _remove_all(root.iter(*_NEVER_TEXT))
    _drop_forms(root)
    # XPath searches visit every node; a substring test on the source skips them on most pages.
    founder_body = (
        _first(root, "//*[@id='ozoom'] | //founder-content")
        if "ozoom" in text or ("founder-content" in text)
        else None
    )
    if founder_body is not None:
        headline, kicker, subhead = _founder_headings(root)
        body = founder_body
    else:
        body, headline = _generic_article(root, has_item_body="articleBody" in text)
        kicker = subhead = None
    _remove_all(body.iterdescendants(*_BOILERPLATE))
    captions = _take_captions(body, by_class=re.search("caption", text, re.IGNORECASE) is not None)
    lines = tuple(PARAGRAPH_START + paragraph for paragraph in _paragraphs(body))
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


# --- decoding and parsing -------------------------------------------------------------------------


def charset(data: bytes, declared: str | None) -> str | None:
    """The charset to decode ``data`` with: ``declared``, else the page's own declaration, else None.

    ``declared`` is a bare charset name (charset_of a Content-Type, not the whole header value); a
    Western one (the ISO-8859-1 servers send by default) gives way to the page's XML or <meta> charset.
    """
    if declared and declared.strip().lower() not in _WESTERN_CHARSETS:
        return declared
    head = data[:_CHARSET_SCAN_BYTES]
    match = _XML_ENCODING.search(head) or _META_CHARSET.search(head)
    # No usable declaration: decode_text's UTF-8/GB18030 detection beats a server's ISO-8859-1 default.
    return match.group(1).decode("ascii") if match else None


def decode(data: bytes, source: str, charset: str | None) -> str:
    """decode_text, but tolerating a few stray NUL bytes, which some e-paper systems leave in pages."""
    try:
        return decode_text(data, source, charset)
    except BinaryInput:
        nuls = data.count(0)
        if 0 < nuls <= len(data) * _MAX_NUL_SHARE:
            return decode_text(data.replace(b"\0", b""), source, charset)
        raise


def parse(text: str, source: str) -> Element | None:
    """The lxml root of HTML ``text`` (None when it has no element or cannot be parsed; logged)."""
    return parse_whole(text, source)[0]


def parse_whole(text: str, source: str) -> tuple[Element | None, bool]:
    """parse, and whether libxml2 stopped before the end (a safety limit: the rest is not in the tree)."""
    text = _XML_DECLARATION.sub("", text, count=1)
    if _CONTROLS.search(text):
        text = _CONTROLS.sub("", text)
    # A parser per call: lxml parsers must not be shared between threads, and making one is cheap.
    parser = etree.HTMLParser(remove_comments=True, remove_pis=True, no_network=True)
    try:
        # None when there is no element at all (empty, whitespace, only a comment).
        root: Element | None = etree.fromstring(text, parser)
    except (etree.LxmlError, ValueError) as exc:
        log.warning("%s: the HTML could not be parsed (%s)", source, exc)
        return None, True
    fatal = parser.error_log.filter_from_fatals()
    if fatal:
        # libxml2 stops at its safety limits (nesting deeper than 256, a 10 MB text or attribute) and
        # keeps what came before; the caller reads the rest as plain text (extract_html).
        log.warning(
            "%s: the HTML is damaged (%s); its text is read without its markup",
            source,
            fatal[0].message.strip(),
        )
    return root, bool(fatal)


_TAG_OR_HIDDEN = re.compile(
    r"<(script|style|template|noscript)\b.*?</\1\s*>|<!--.*?-->|<[^>]*>", re.IGNORECASE | re.DOTALL
)


def _text_between_tags(text: str) -> list[str]:
    """The text of markup no parser would take, piece by piece: what lies between its tags (scripts,
    styles and comments left out), entities decoded, blank pieces dropped. Linear in the text."""
    pieces = (
        html_module.unescape(" ".join(piece.split())) for piece in _TAG_OR_HIDDEN.sub("\n", text).split("\n")
    )
    return [piece for piece in pieces if piece]


# --- finding the article --------------------------------------------------------------------------


def _founder_headings(root: Element) -> tuple[str | None, str | None, str | None]:
    """Headline (<h1>), kicker (<h3>) and subhead (<h2>) of a Founder e-paper article page.

    Usually they sit just above the body, in some templates inside it; either way they are removed
    from the tree once read, so they never turn up again as body paragraphs.
    """
    h1 = next(root.iter("h1"), None)
    anchor = root if h1 is None else h1
    h3 = _near_heading(anchor, "h3")
    h2 = _near_heading(anchor, "h2")
    # An empty <h1> is how these pages print an article without a headline; no fallback then.
    headline = _title_fallback(root) if h1 is None else _text(h1) or None
    kicker = _text(h3) or None if h3 is not None else None
    subhead = _text(h2) or None if h2 is not None else None
    _remove_all(el for el in (h1, h2, h3) if el is not None)
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


def _generic_article(root: Element, *, has_item_body: bool) -> tuple[Element, str | None]:
    """The element holding the article text, and the article's headline."""
    _remove_all(_all(root, _BOILERPLATE_XPATH))
    # Explicit None tests: an lxml element without children is falsy, so `a or b` would skip it.
    body = _first(root, "//*[@itemprop='articleBody']") if has_item_body else None
    if body is None:
        body = max(root.iter("article"), key=lambda el: len(_text_content(el)), default=None)
    if body is None:
        body = _densest(root)
    if body is None:
        body = next(root.iter("body"), root)
    for h1 in islice(body.iter("h1"), _MAX_HEADINGS):
        if text := _text(h1):
            _remove(h1)  # the headline is not body text
            return body, text
    # Templates often put the <h1> beside the text container rather than in it.
    scope = body.getparent()
    for _ in range(_NEAR_LEVELS - 1):
        if scope is None:
            break
        for h1 in islice(scope.iter("h1"), _MAX_HEADINGS):
            if text := _text(h1):
                return body, text
        scope = scope.getparent()
    return body, _title_fallback(root)


def _densest(root: Element) -> Element | None:
    """The element whose own <p> children hold the most text: where the article body usually is."""
    scores: dict[Element, int] = {}
    for p in root.iter("p"):
        parent = p.getparent()
        if parent is not None and parent.tag != "figcaption":  # a caption is never the article
            scores[parent] = scores.get(parent, 0) + len(_text_content(p).strip())
    best = max(scores, key=scores.__getitem__, default=None)
    return best if best is not None and scores[best] > 0 else None


def _title_fallback(root: Element) -> str | None:
    for meta in root.iter("meta"):
        if meta.get("property") == "og:title" and (og_title := _normalise(meta.get("content") or "")):
            return og_title
    title = next((text for el in root.iter("title") if (text := _text(el))), None)
    if title is None:
        return None
    # "Headline_Channel_Site", "Headline - Site", "Headline--Paper": the headline comes first.
    parts = [part for part in _TITLE_SEPARATOR.split(title) if part.strip()]
    return parts[0].strip() if parts else None


# --- captions and paragraphs ----------------------------------------------------------------------


def _take_captions(body: Element, *, by_class: bool) -> list[str]:
    """Find photo captions in ``body``, remove them from it and return their texts in page order."""
    found: dict[Element, None] = {}  # an ordered set: page order, each caption once
    # Many photos can share a neighbour (a row of photo cells above one text row); judge it once.
    verdicts: dict[Element, bool] = {}
    for el in body.iterdescendants("img", "figcaption"):
        caption = _caption_of_image(el, body, verdicts) if el.tag == "img" else el
        if caption is not None:
            found[caption] = None
    if by_class:
        found.update(dict.fromkeys(el for el in _all(body, _CAPTION_CLASS_XPATH) if el is not body))
    texts = []
    for caption in found:
        # A caption inside another one (a <p> in a figcaption) was already taken with it.
        if any(a in found for a in islice(caption.iterancestors(), _MAX_CAPTION_NESTING)):
            continue
        if text := _text(caption):
            texts.append(text)
        _remove(caption)
    return texts


def _caption_of_image(img: Element, body: Element, verdicts: dict[Element, bool]) -> Element | None:
    """The element that captions ``img`` in the layouts e-papers use, or None."""
    cell = _ancestor(img, ("td", "th"), body, _MAX_CELL_DEPTH)
    if cell is not None:
        candidates = [_next_element(_child_holding(cell, img)), cell.getnext()]  # under the photo; beside
        row = cell.getparent()
        next_row = row.getnext() if row is not None and row.tag == "tr" else None
        if next_row is not None and next_row.tag == "tr":  # or the first cell of the next row
            candidates.append(next(next_row.iter("td", "th"), None))
        for candidate in candidates:
            if candidate is not None and candidate not in verdicts:
                verdicts[candidate] = _looks_like_caption(candidate)
            if candidate is not None and verdicts[candidate]:
                return candidate
        return None
    # Outside tables: a paragraph holding only the photo, followed by a short centred paragraph.
    holder = img.getparent()
    if holder is None or holder is body or holder.tag not in ("p", "div", "center") or _text(holder):
        return None
    following = _next_element(holder)
    if following is not None and _centred(following) and _looks_like_caption(following):
        return following
    return None


def _looks_like_caption(el: Element) -> bool:
    if el.tag not in ("p", "div", "span", "font", "center", "td", "th"):
        return False
    if next(el.iter("img", "table"), None) is not None:
        return False
    return 0 < len(_text(el)) <= _MAX_CAPTION_CHARS


def _centred(el: Element) -> bool:
    style = (el.get("style") or "").replace(" ", "").lower()
    return el.tag == "center" or (el.get("align") or "").lower() == "center" or "text-align:center" in style


def _paragraphs(body: Element) -> list[str]:
    """Paragraph texts of ``body``: block elements and <br> end a paragraph, inline ones do not.

    Rather than walking every node in Python, mark where blocks open and close and let libxml2
    serialise the text; on a 20 MB page that is several times faster.
    """
    for el in body.iter(*_BLOCKS):
        _set_text(el, _BREAK + (el.text or ""))
        if el is not body:
            _set_tail(el, _BREAK + (el.tail or ""))
    text = _text_content(body)
    return [
        paragraph
        for piece in text.split(_BREAK)
        if piece and not piece.isspace() and (paragraph := _normalise(piece))
    ]


def _normalise(text: str) -> str:
    """One paragraph's text on one line: whitespace runs collapse, source line breaks disappear.

    HTML source wraps anywhere, so a run of whitespace with a line break in it is nothing between
    Chinese characters and one space between Latin words. A full-width space inside a paragraph
    ("记者　张三") is kept: the cleaner downstream reads bylines by it.
    """
    if not _NEEDS_WORK.search(text):  # the common case on big pages: nothing to do
        return text
    text = _CONTROLS.sub("", text)  # character references (&#1;) can still produce them

    def collapse(match: re.Match[str]) -> str:
        run = match.group()
        if "\n" in run or "\r" in run:
            start, end = match.start(), match.end()
            before = text[start - 1] if start else " "
            after = text[end] if end < len(text) else " "
            return "" if _is_wide(before) or _is_wide(after) else " "
        return "\u3000" if "\u3000" in run else " "

    return _WHITESPACE.sub(collapse, text).strip()


def _is_wide(ch: str) -> bool:
    """CJK characters and punctuation, which are written without spaces between them."""
    return ch >= "\u2e80" and not ch.isspace()


# --- small tree helpers ---------------------------------------------------------------------------


def _text_content(el: Element) -> str:
    return etree.tostring(el, method="text", encoding="unicode", with_tail=False)


def _text(el: Element) -> str:
    return _normalise(_text_content(el))


def _all(el: Element, xpath: str) -> list[Element]:
    result = el.xpath(xpath)
    return [item for item in result if isinstance(item, etree._Element)] if isinstance(result, list) else []


def _first(el: Element, xpath: str) -> Element | None:
    found = _all(el, xpath)
    return found[0] if found else None


def _ancestor(el: Element, tags: tuple[str, ...], stop: Element, levels: int) -> Element | None:
    for a in islice(el.iterancestors(), levels):
        if a is stop:
            return None
        if a.tag in tags:
            return a
    return None


def _child_holding(parent: Element, el: Element) -> Element:
    """The child of ``parent`` that ``el`` is in (``el`` itself if it is a child)."""
    while (up := el.getparent()) is not None and up is not parent:
        el = up
    return el


def _next_element(el: Element) -> Element | None:
    """The next sibling element, skipping <br>s between a photo and its caption."""
    nxt = el.getnext()
    while nxt is not None and nxt.tag == "br":
        nxt = nxt.getnext()
    return nxt


def _remove(el: Element) -> None:
    """Remove ``el`` and its content but keep the text that follows it (its tail)."""
    parent = el.getparent()
    if parent is None:
        return
    if el.tail:
        previous = el.getprevious()
        if previous is not None:
            _set_tail(previous, (previous.tail or "") + el.tail)
        else:
            _set_text(parent, (parent.text or "") + el.tail)
    parent.remove(el)


# Character references (&#1;) put characters into the tree that lxml refuses to write back; they are
# rare, so assigning is tried first and the text cleaned only when lxml objects.
def _set_text(el: Element, text: str) -> None:
    try:
        el.text = text
    except ValueError:
        el.text = _NOT_XML.sub("", text)


def _set_tail(el: Element, text: str) -> None:
    try:
        el.tail = text
    except ValueError:
        el.tail = _NOT_XML.sub("", text)


def _remove_all(elements: Iterable[Element]) -> None:
    for el in list(elements):  # a list first: removing while iterating the tree would skip elements
        _remove(el)


def _drop_forms(root: Element) -> None:
    _remove_all(_all(root, "//form[not(.//p or .//article or .//*[@id='ozoom'] or .//founder-content)]"))
