"""Before a page's lines are labelled: leads and closing bylines whose bracket wrapped onto the next
line are joined, and a lead glued to the end of the previous article's last line is split off, so
that every lead and byline stands at a line's start or end where the cues look for it.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from digest.ingest import cues
from digest.ingest.byline import split_byline
from digest.ingest.clean import Line


def rejoined(lines: list[Line]) -> list[Line]:
    """The lines with wrapped brackets joined and glued leads split off."""
    return list(_split_glued(list(_join_open_brackets(lines))))


def _join_open_brackets(lines: list[Line]) -> Iterator[Line]:
    """A lead or a closing byline whose bracket wrapped onto the next line is read as one line:
    本报讯（记者 张三 通讯员 / 李四）…  and  …。（记者 张三 通讯员 李 / 四）."""
    i = 0
    while i < len(lines):
        line = lines[i]
        opens = "（" in line.text or "(" in line.text  # either case needs an open bracket
        if (
            opens
            and i + 1 < len(lines)
            and (cues.LEAD_OPEN_BRACKET.match(line.text) or _wrapped_byline(line, lines[i + 1]))
        ):
            following = lines[i + 1]
            yield Line(
                _bracket_join(line.text, following.text), line.indented, line.blank_before, line.number
            )
            i += 2
            continue
        yield line
        i += 1


def _bracket_join(text: str, following: str) -> str:
    """Join a bracket wrapped over two lines: between two names (李四 / 王五）) or inside one (李 / 四）)."""
    glued = text + following
    spaced = f"{text} {following}"
    for candidate in (glued, spaced):
        found = cues.match_lead(candidate)
        if found is not None and found.byline is not None:
            return candidate
        if found is None and split_byline(candidate) is not None:
            return candidate
    return glued


def _wrapped_byline(line: Line, following: Line) -> bool:
    text = line.text
    if "（" not in text and "(" not in text:
        return False
    opened = max(text.rfind("（"), text.rfind("("))
    if ")" in text[opened:] or "）" in text[opened:] or len(following.text) > 24:
        return False
    if not following.text.endswith(("）", ")")) or split_byline(following.text) is not None:
        return False
    joined = _bracket_join(text, following.text)
    return split_byline(joined) is not None


def _split_glued(lines: Sequence[Line]) -> Iterator[Line]:
    """Split a line where a lead is glued to the end of the previous article: "…。（文/张三）本报讯 …"."""
    for line in lines:
        raw = line.text
        # Every lead names a paper, an agency or a site: most lines hold none of these characters.
        if "报" not in raw and "社" not in raw and "网" not in raw:
            yield line
            continue
        cuts = [m.start() for m in cues.LEAD_INSIDE.finditer(raw) if m.start() > 0]
        if not cuts:
            yield line
            continue
        for k, (start, end) in enumerate(zip([0, *cuts], [*cuts, len(raw)], strict=True)):
            piece = raw[start:end].strip()
            if piece:
                yield Line(
                    piece, line.indented if k == 0 else True, line.blank_before and k == 0, line.number
                )
