"""Take the photo captions out of an HTML article: <figcaption>, the cell or centred line under a photo.

Captions are removed from the tree once read, so they never turn up again as body paragraphs.
"""

from __future__ import annotations

from itertools import islice

from digest.ingest.html_text import text_of
from digest.ingest.html_tree import Element, ancestor, child_holding, next_element, remove, xpath_all

# Image captions are a sentence or two; anything longer next to a photo is body text.
_MAX_CAPTION_CHARS = 200
# Upper bounds on Python-side work per element, so hostile pages with 10^5 images or nesting levels
# stay linear: how far a photo sits inside its table cell, and how deep a caption can be nested
# inside another caption.
_MAX_CELL_DEPTH = 4
_MAX_CAPTION_NESTING = 8
_CAPTION_CLASS_XPATH = ".//*[contains(translate(@class, 'CAPTION', 'caption'), 'caption')]"


def take_captions(body: Element, *, by_class: bool) -> list[str]:
    """Find photo captions in ``body``, remove them from it and return their texts in page order."""
    found: dict[Element, None] = {}  # an ordered set: page order, each caption once
    # Many photos can share a neighbour (a row of photo cells above one text row); judge it once.
    verdicts: dict[Element, bool] = {}
    for el in body.iterdescendants("img", "figcaption"):
        caption = _caption_of_image(el, body, verdicts) if el.tag == "img" else el
        if caption is not None:
            found[caption] = None
    if by_class:
        found.update(dict.fromkeys(el for el in xpath_all(body, _CAPTION_CLASS_XPATH) if el is not body))
    texts = []
    for caption in found:
        # A caption inside another one (a <p> in a figcaption) was already taken with it.
        if any(a in found for a in islice(caption.iterancestors(), _MAX_CAPTION_NESTING)):
            continue
        if text := text_of(caption):
            texts.append(text)
        remove(caption)
    return texts


def _caption_of_image(img: Element, body: Element, verdicts: dict[Element, bool]) -> Element | None:
    """The element that captions ``img`` in the layouts e-papers use, or None."""
    cell = ancestor(img, ("td", "th"), body, _MAX_CELL_DEPTH)
    if cell is not None:
        candidates = [next_element(child_holding(cell, img)), cell.getnext()]  # under the photo; beside
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
    if holder is None or holder is body or holder.tag not in ("p", "div", "center") or text_of(holder):
        return None
    following = next_element(holder)
    if following is not None and _centred(following) and _looks_like_caption(following):
        return following
    return None


def _looks_like_caption(el: Element) -> bool:
    if el.tag not in ("p", "div", "span", "font", "center", "td", "th"):
        return False
    if next(el.iter("img", "table"), None) is not None:
        return False
    return 0 < len(text_of(el)) <= _MAX_CAPTION_CHARS


def _centred(el: Element) -> bool:
    style = (el.get("style") or "").replace(" ", "").lower()
    return el.tag == "center" or (el.get("align") or "").lower() == "center" or "text-align:center" in style
