"""Splitting a rendered briefing into parts that fit a vendor's limit.

The text has one block per article, blocks separated by a blank line. Parts break between blocks; a
block that alone is over the limit breaks between its lines; only a single line over the limit is cut,
at a character boundary, and marked with … . Sizes are measured on the candidate text as a whole with
the caller's ``measure`` (UTF-8 bytes, characters, or the size of the JSON the vendor receives), so a
rendering that is not additive (escaping, per-line markup) is still counted exactly.
"""

from __future__ import annotations

import re
from collections.abc import Callable

ELLIPSIS = "…"
_BLOCK_BREAK = re.compile(r"\n[ \t]*\n(?:[ \t]*\n)*")


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
    chunks: list[str] = []
    current: str | None = None
    for separator, text in pieces:
        if current is None:
            current = text
        elif measure(candidate := current + separator + text) <= limit:
            current = candidate
        else:
            chunks.append(current)
            current = text
    if current is not None:
        chunks.append(current)
    return chunks or [""]


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
