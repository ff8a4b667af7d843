"""Sentences and clauses of Chinese text, and cutting text to a length without hiding the cut."""

from __future__ import annotations

import re

# A sentence ends at 。！？ (or their ASCII forms, or an ellipsis) together with closing quotes after
# it; a line break ends one too, since paragraphs never break inside a sentence.
_SENTENCE = re.compile(r"[^。！？!?…\n]+(?:(?:[。！？!?]|…+)[”’」』）)》\"']*|\n|$)")
_CLAUSE_BREAK = re.compile(r"[，,；;：:、]")
# Without 、 and ：, which list the doers (县委办、县政府办联合印发) rather than end a clause.
_CLAUSE_END = re.compile(r"[，,；;]")
ELLIPSIS = "…"


def split_sentences(text: str) -> list[str]:
    sentences = []
    for match in _SENTENCE.finditer(text):
        sentence = match.group(0).strip()
        if sentence:
            sentences.append(sentence)
    return sentences


def split_clauses(sentence: str, *, at_lists: bool = True) -> list[str]:
    """Clauses of a sentence, without their separating or closing punctuation; ``at_lists=False``
    keeps a list (A、B) and what a colon introduces in one clause."""
    body = re.sub(r"[。！？!?…”’」』）)》\"']+$", "", sentence)
    breaks = _CLAUSE_BREAK if at_lists else _CLAUSE_END
    return [clause.strip() for clause in breaks.split(body) if clause.strip()]


def cut_at_clause(text: str, limit: int) -> str:
    """Shorten ``text`` to at most ``limit`` characters, at a clause break when one is close, and end it
    with an ellipsis so that a reader sees it was cut."""
    if len(text) <= limit:
        return text
    room = text[: limit - 1]
    breaks = [m.start() for m in _CLAUSE_BREAK.finditer(room)]
    # A clause break in the last half of the room is worth using; otherwise cut where the room ends.
    end = breaks[-1] if breaks and breaks[-1] >= limit // 2 else limit - 1
    return room[:end].rstrip("，,；;：:、 ") + ELLIPSIS
