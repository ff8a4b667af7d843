"""Small lxml tree helpers for the HTML reader: text of an element, XPath lookups, neighbours, removal.

Removal keeps the text that follows an element (its tail), and text assignments survive the
characters lxml refuses to write back.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from itertools import islice

from lxml import etree

Element = etree._Element
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def text_content(el: Element) -> str:
    return etree.tostring(el, method="text", encoding="unicode", with_tail=False)


def xpath_all(el: Element, xpath: str) -> list[Element]:
    result = el.xpath(xpath)
    return [item for item in result if isinstance(item, etree._Element)] if isinstance(result, list) else []


def xpath_first(el: Element, xpath: str) -> Element | None:
    found = xpath_all(el, xpath)
    return found[0] if found else None


def ancestor(el: Element, tags: tuple[str, ...], stop: Element, levels: int) -> Element | None:
    for a in islice(el.iterancestors(), levels):
        if a is stop:
            return None
        if a.tag in tags:
            return a
    return None


def child_holding(parent: Element, el: Element) -> Element:
    """The child of ``parent`` that ``el`` is in (``el`` itself if it is a child)."""
    while (up := el.getparent()) is not None and up is not parent:
        el = up
    return el


def next_element(el: Element) -> Element | None:
    """The next sibling element, skipping <br>s between a photo and its caption."""
    nxt = el.getnext()
    while nxt is not None and nxt.tag == "br":
        nxt = nxt.getnext()
    return nxt


def remove(el: Element) -> None:
    """Remove ``el`` and its content but keep the text that follows it (its tail)."""
    parent = el.getparent()
    if parent is None:
        return
    if el.tail:
        previous = el.getprevious()
        if previous is not None:
            set_tail(previous, (previous.tail or "") + el.tail)
        else:
            set_text(parent, (parent.text or "") + el.tail)
    parent.remove(el)


# Character references (&#1;) put characters into the tree that lxml refuses to write back; they are
# rare, so assigning is tried first and the text cleaned only when lxml objects.
def set_text(el: Element, text: str) -> None:
    try:
        el.text = text
    except ValueError:
        el.text = _NOT_XML.sub("", text)


def set_tail(el: Element, text: str) -> None:
    try:
        el.tail = text
    except ValueError:
        el.tail = _NOT_XML.sub("", text)


def remove_all(elements: Iterable[Element]) -> None:
    for el in list(elements):  # a list first: removing while iterating the tree would skip elements
        remove(el)
