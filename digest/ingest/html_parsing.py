"""Decode an HTML page's bytes and parse them with libxml2: charset, stray NULs, damaged markup.

The charset comes from the HTTP header unless that is the Western default servers send, then from
the page's own declaration; markup past libxml2's safety limits is read as the plain text between
its tags.
"""

from __future__ import annotations

import html as html_module
import logging
import re

from lxml import etree

from digest.errors import BinaryInput
from digest.ingest.encoding import decode_text
from digest.ingest.html_text import CONTROLS
from digest.ingest.html_tree import Element

log = logging.getLogger(__name__)

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
    if CONTROLS.search(text):
        text = CONTROLS.sub("", text)
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


def text_between_tags(text: str) -> list[str]:
    """The text of markup no parser would take, piece by piece: what lies between its tags (scripts,
    styles and comments left out), entities decoded, blank pieces dropped. Linear in the text."""
    pieces = (
        html_module.unescape(" ".join(piece.split())) for piece in _TAG_OR_HIDDEN.sub("\n", text).split("\n")
    )
    return [piece for piece in pieces if piece]
