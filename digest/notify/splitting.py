"""Splitting a rendered briefing into parts that fit a vendor's limit.

The text is blocks separated by a blank line: a paper's heading, then each article (in Markdown its
headline and its summary are two blocks, so that CommonMark shows them as two paragraphs). Parts
break between blocks; a block that alone is over the limit breaks between its lines; only a single
line over the limit is cut, at a character boundary, and marked with … . A block that introduces the
next (a heading, a headline on its own) never ends a part where the two fit together in the next.
Sizes are measured on the candidate text as a whole with the caller's ``measure`` (UTF-8 bytes,
characters, or the size of the JSON the vendor receives), so a rendering that is not additive
(escaping, per-line markup) is still counted exactly.
"""

from __future__ import annotations

import re
from collections.abc import Callable

ELLIPSIS = "…"
_BLOCK_BREAK = re.compile(r"\n[ \t]*\n(?:[ \t]*\n)*")
_LEADS_IN = re.compile(r"#{1,6} [^\n]+|【[^\n]*】|\*\*[^\n]+\*\*")


def split_body(body: str, limit: int, measure: Callable[[str], int]) -> list[str]:
    """``body`` as chunks with ``measure(chunk) <= limit`` each, broken as the module says."""
    if measure(ELLIPSIS) > limit:
        raise ValueError(f"a limit of {limit} leaves no room for any text")
    body = body.replace("\r\n", "\n").strip("\n")
    pieces: list[tuple[str, str]] = []  # (separator before it, text)
    for block in _BLOCK_BREAK.split(body):
        if measure(block) <= limit:
            pieces.append(("\n\n", block))
            continue
        for i, line in enumerate(block.split("\n")):
            separator = "\n\n" if i == 0 else "\n"
            for j, cut in enumerate(_cut_line(line, limit, measure)):
                pieces.append((separator if j == 0 else "\n", cut))
    return [_joined(chunk) for chunk in _packed(pieces, limit, measure)] or [""]


def _packed(
    pieces: list[tuple[str, str]], limit: int, measure: Callable[[str], int]
) -> list[list[tuple[str, str]]]:
    """The pieces in order, packed into as few chunks within ``limit`` as they go."""
    chunks: list[list[tuple[str, str]]] = []
    current: list[tuple[str, str]] = []
    for piece in pieces:
        if not current or measure(_joined([*current, piece])) <= limit:
            current.append(piece)
            continue
        # What introduces the next piece (a paper's heading, a headline) goes on with it, where
        # the two fit together; a part never ends with a heading whose articles are in the next.
        carried: list[tuple[str, str]] = []
        while len(current) > 1 and leads_in(current[-1][1]):
            carried.insert(0, current.pop())
        if carried and measure(_joined([*carried, piece])) > limit:
            current += carried
            carried = []
        chunks.append(current)
        current = [*carried, piece]
    if current:
        chunks.append(current)
    return chunks


def _joined(pieces: list[tuple[str, str]]) -> str:
    """The pieces as text: each after its separator, but the first, which starts a part."""
    return "".join(text if i == 0 else separator + text for i, (separator, text) in enumerate(pieces))


def leads_in(block: str) -> bool:
    """A heading (Markdown ``### …``, text ``【…】``) or a Markdown headline on its own (``**…**``)."""
    return _LEADS_IN.fullmatch(block) is not None


def _cut_line(line: str, limit: int, measure: Callable[[str], int]) -> list[str]:
    """``line`` whole if it fits, else in pieces that fill the limit, each but the last ending in …"""
    cuts = []
    while measure(line) > limit:
        # The longest prefix that fits with its mark: measure grows with the prefix, so bisect.
        low, high = 1, len(line) - 1
        while low < high:
            middle = (low + high + 1) // 2
            if measure(line[:middle] + ELLIPSIS) <= limit:
                low = middle
            else:
                high = middle - 1
        cuts.append(line[:low] + ELLIPSIS)
        line = line[low:]
    cuts.append(line)
    return cuts
