"""Quoted names for the faithfulness guard: text in “…”, 《…》 and the other quote marks, and the form
it is compared in (no spaces, no quote marks, full-width punctuation), so that a quote in an output
must occur verbatim in the article.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from digest.summarise.guard_facts import Fact, Found

# Quote marks go (a name quoted “…” in the article may be 《…》 in the output, and quotes nest);
# ASCII punctuation reads as the full-width form Chinese text uses.
_COMPARED_AS = (
    *((mark, "") for mark in '“”‘’「」『』《》〈〉"'),
    *zip(",;:!?()", "，；：！？（）", strict=True),
)


def comparable(text: str) -> str:
    """The form quotes are compared in: no whitespace, no quote marks, full-width punctuation."""
    text = "".join(text.split())
    # A few str.replace calls are several times faster than a regex or str.translate on CJK text.
    for old, new in _COMPARED_AS:
        if old in text:
            text = text.replace(old, new)
    return text


_QUOTE_PATTERN = re.compile(
    # An unclosed quote runs to the end: a cut-off output still has to quote the article.
    r"“(?P<a>[^“”]*)(?:”|$)|‘(?P<b>[^‘’]*)(?:’|$)|「(?P<c>[^「」]*)(?:」|$)|『(?P<d>[^『』]*)(?:』|$)"
    r"|《(?P<e>[^《》]*)(?:》|$)|〈(?P<f>[^〈〉]*)(?:〉|$)|\"(?P<g>[^\"]*)(?:\"|$)"
)


def scan_quotes(normalised: str) -> Iterator[Found]:
    """Quoted names in text order; an unclosed quote runs to the end of the text."""
    for m in _QUOTE_PATTERN.finditer(normalised):
        content = next(g for g in m.groups() if g is not None)
        if len(m.group()) == len(content) + 1:  # unclosed: a cut-off output may end in an ellipsis
            content = content.rstrip("….")
        key = comparable(content)
        if key:
            yield Found(m.start(), Fact("quoted", m.group(), key))
