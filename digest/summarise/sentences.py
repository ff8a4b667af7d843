"""Sentences and clauses of Chinese text, and cutting text to a length without hiding the cut."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

import jieba
import jieba.posseg

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


# Words: jieba's dictionary cut without its HMM (jieba.lcut(text, HMM=False)) and its part-of-speech
# tags (jieba.posseg.lcut(text, HMM=False)), word for word the same, computed faster. jieba builds a
# dict of every dictionary word starting at each character, then takes the most probable route with
# a log computed for each candidate word; here both are one pass over the characters, and each
# fragment's log probability is looked up once per process, not once per occurrence. Profiling the
# extractive engine found four fifths of its time in jieba's cut. The equivalence is tested on the
# sample page, the development pages and random text (tests/summarise/test_extractive.py).
_HAN_CUT = re.compile("([\u4e00-\u9fd5a-zA-Z0-9+#&\\._%\\-]+)")  # jieba's re_han_default
_HAN_TAG = re.compile("([\u4e00-\u9fd5a-zA-Z0-9+#&\\._]+)")  # jieba.posseg's re_han_internal
_SKIP = re.compile("(\r\n|\\s)")
_ALNUM_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
_NUMBER = re.compile("[\\.0-9]+")
_ENG = re.compile("[a-zA-Z0-9]+")
_NOT_A_PREFIX = 1.0  # a log probability is never positive, so these two can stand for "none"
_PREFIX_ONLY = 2.0


class _LogP(dict[str, float]):
    """Per fragment of text, its log probability in jieba's dictionary, or what it is not: filled on
    first use, so that a hit is a plain dict lookup."""

    def __init__(self, log_total: float) -> None:
        super().__init__()
        self.log_total = log_total

    def __missing__(self, fragment: str) -> float:
        freq = jieba.dt.FREQ.get(fragment)
        if freq is None:
            value = _NOT_A_PREFIX
        elif not freq:
            value = _PREFIX_ONLY
        else:
            value = math.log(freq) - self.log_total
        self[fragment] = value
        return value


# A block's words, and for each whether it is a run of single letters and digits jieba joins ("eng").
_Route = tuple[tuple[str, ...], tuple[bool, ...]]


class _Dictionary:
    """jieba's dictionary as the cut reads it, and the blocks already cut."""

    def __init__(self) -> None:
        self.logp = _LogP(0.0)
        self.key: tuple[int, int, int] = (0, 0, 0)
        self.blocks: dict[str, _Route] = {}

    def check(self) -> None:
        tokenizer = jieba.dt
        tokenizer.check_initialized()
        key = (id(tokenizer.FREQ), tokenizer.total, len(tokenizer.FREQ))
        if key != self.key:  # a word added to jieba's dictionary: start again
            self.key = key
            self.logp = _LogP(math.log(tokenizer.total))
            self.blocks = {}


_DICTIONARY = _Dictionary()
# Blocks run between punctuation marks, so most are a few words long; a long one is cut every time.
_MAX_CACHED_BLOCK_CHARS = 64
_MAX_CACHED_BLOCKS = 50_000


def _route(block: str) -> _Route:
    """jieba's words of a run of CJK characters, letters and digits."""
    cached = _DICTIONARY.blocks.get(block)
    if cached is not None:
        return cached
    result = _joined(block, _word_ends(block))
    if len(block) <= _MAX_CACHED_BLOCK_CHARS:
        if len(_DICTIONARY.blocks) >= _MAX_CACHED_BLOCKS:
            _DICTIONARY.blocks.clear()
        _DICTIONARY.blocks[block] = result
    return result


def _word_ends(block: str) -> list[int]:
    """Where the word starting at each character ends on jieba's most probable route (jieba's get_DAG
    and calc in one pass, from the last character back)."""
    logp = _DICTIONARY.logp
    unknown = 0.0 - logp.log_total  # log(1): a character not in the dictionary
    not_a_prefix = _NOT_A_PREFIX
    none = -math.inf
    n = len(block)
    score = [0.0] * (n + 1)
    end = list(range(1, n + 2))
    for start in range(n - 1, -1, -1):
        best = none
        for stop in range(start + 1, n + 1):
            value = logp[block[start:stop]]
            if value > 0.0:  # _NOT_A_PREFIX or _PREFIX_ONLY
                if value == not_a_prefix:
                    break
                continue
            # jieba takes max((score, end)): ties go to the longer word, hence >=.
            candidate = value + score[stop]
            if candidate >= best:
                best = candidate
                end[start] = stop
        score[start] = unknown + score[start + 1] if best == none else best
    return end


def _joined(block: str, end: Sequence[int]) -> _Route:
    """The words of the route, single letters and digits in a row joined as jieba joins them."""
    words: list[str] = []
    joined: list[bool] = []
    letters = ""
    x = 0
    while x < len(block):
        y = end[x]
        word = block[x:y]
        if y - x == 1 and word in _ALNUM_CHARS:
            letters += word
        else:
            if letters:
                words.append(letters)
                joined.append(True)
                letters = ""
            words.append(word)
            joined.append(False)
        x = y
    if letters:
        words.append(letters)
        joined.append(True)
    return tuple(words), tuple(joined)


def clear_word_cache() -> None:
    """Forget the blocks already cut (for measuring the cut on text it has not seen)."""
    _DICTIONARY.blocks.clear()


def cut_words(text: str) -> list[str]:
    """``jieba.lcut(text, HMM=False)``, faster."""
    _DICTIONARY.check()
    words: list[str] = []
    # Split at a group, the pieces alternate: between blocks (even), blocks (odd).
    for n, block in enumerate(_HAN_CUT.split(text)):
        if not block:
            continue
        if n % 2:
            words.extend(_route(block)[0])
        else:
            for piece in _SKIP.split(block):
                if _SKIP.match(piece):
                    words.append(piece)
                else:
                    words.extend(piece)
    return words


def tag_words(text: str) -> list[tuple[str, str]]:
    """``[(p.word, p.flag) for p in jieba.posseg.lcut(text, HMM=False)]``, faster."""
    _DICTIONARY.check()
    tagger = jieba.posseg.dt
    tagger.makesure_userdict_loaded()
    tags = tagger.word_tag_tab
    words: list[tuple[str, str]] = []
    for n, block in enumerate(_HAN_TAG.split(text)):
        if n % 2:
            route, joined = _route(block)
            words.extend(
                (word, "eng" if eng else tags.get(word, "x")) for word, eng in zip(route, joined, strict=True)
            )
        else:
            for piece in _SKIP.split(block):
                if _SKIP.match(piece):
                    words.append((piece, "x"))
                else:
                    # jieba.posseg tests the whole piece, not the character, for "eng".
                    eng = _ENG.match(piece) is not None
                    for ch in piece:
                        tag = "m" if _NUMBER.match(ch) else "eng" if eng else "x"
                        words.append((ch, tag))
    return words
