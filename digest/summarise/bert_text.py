"""BERT's rules for Chinese text, both ways: cutting a word into WordPiece tokens, joining tokens back.

Randeng-Pegasus (digest.summarise.tokenization) cuts text into jieba words and hands each word missing
from its ``vocab.txt`` to BERT's basic tokenizer (clean, one token per CJK character, lower-case and
strip accents, split on punctuation) and then WordPiece (greedy longest match, ``##`` continuations,
the unknown token on failure); decoding joins CJK tokens without spaces and Latin words with them.
strip_cjk_spaces does the same for the text of other BERT-vocabulary models, decoded by transformers.
Nothing here holds a vocabulary: the caller passes it.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Container, Iterator, Sequence

# BERT's WordPiece gives up on longer words (they are almost always junk such as URLs or base64).
_MAX_WORD_CHARS = 100

# CJK ideograph blocks BERT puts spaces around (its ``_is_chinese_char``).
_CJK_RANGES = (
    (0x4E00, 0x9FFF),
    (0x3400, 0x4DBF),
    (0x20000, 0x2A6DF),
    (0x2A700, 0x2B73F),
    (0x2B740, 0x2B81F),
    (0x2B820, 0x2CEAF),
    (0xF900, 0xFAFF),
    (0x2F800, 0x2FA1F),
)
# Words made only of these ideographs are unchanged by every basic-tokenizer step (the compatibility
# blocks F900-FAFF and 2F800-2FA1F are left out: Unicode normalisation rewrites them), so they can skip
# the character-by-character pipeline and be split into characters directly.
_PLAIN_CJK_WORD = re.compile(
    "[\u3400-\u4dbf\u4e00-\u9fff\U00020000-\U0002a6df\U0002a700-\U0002b73f\U0002b740-\U0002b81f"
    "\U0002b820-\U0002ceaf]+"
)


def _is_cjk(ch: str) -> bool:
    cp = ord(ch)
    return any(lo <= cp <= hi for lo, hi in _CJK_RANGES)


def _is_whitespace(ch: str) -> bool:
    return ch in " \t\n\r" or unicodedata.category(ch) == "Zs"


def _is_control(ch: str) -> bool:
    # Tab and newlines count as whitespace, not control, so they separate words instead of vanishing.
    return ch not in "\t\n\r" and unicodedata.category(ch).startswith("C")


def _is_punctuation(ch: str) -> bool:
    cp = ord(ch)
    # BERT treats every non-alphanumeric ASCII character as punctuation, including $, ^, + and `.
    if 33 <= cp <= 47 or 58 <= cp <= 64 or 91 <= cp <= 96 or 123 <= cp <= 126:
        return True
    return unicodedata.category(ch).startswith("P")


def _is_latin_word_char(ch: str) -> bool:
    # Letters and digits of alphabetic scripts; CJK characters are alphanumeric too but take no spaces.
    return ch.isalnum() and ord(ch) < 0x2E80


def bert_tokens(word: str, vocab: Container[str], *, lower: bool, unk: str) -> tuple[str, ...]:
    """BERT's tokens for ``word``: basic tokenization, then WordPiece over ``vocab`` (``unk`` on failure)."""
    if _PLAIN_CJK_WORD.fullmatch(word):
        # One token per character; WordPiece on a single character is the character or unk.
        return tuple(ch if ch in vocab else unk for ch in word)
    return tuple(
        piece for token in _basic_tokenize(word, lower=lower) for piece in _wordpiece(token, vocab, unk)
    )


def _basic_tokenize(text: str, *, lower: bool) -> Iterator[str]:
    """BERT's basic tokenizer: clean, isolate CJK characters, fold case and accents, split punctuation."""
    spaced: list[str] = []
    for ch in text:
        cp = ord(ch)
        if cp in {0, 0xFFFD} or _is_control(ch):
            continue
        if _is_whitespace(ch):
            spaced.append(" ")
        elif _is_cjk(ch):
            spaced.append(f" {ch} ")
        else:
            spaced.append(ch)
    # NFC first so that one character written two ways gives one token.
    for chunk in unicodedata.normalize("NFC", "".join(spaced)).split():
        if lower:
            # Accents go with case: NFD splits "é" into "e" and a combining mark (category Mn).
            decomposed = unicodedata.normalize("NFD", chunk.lower())
            bare = "".join(c for c in decomposed if unicodedata.category(c) != "Mn")
            yield from _split_punctuation(bare)
        else:
            yield from _split_punctuation(chunk)


def _wordpiece(token: str, vocab: Container[str], unk: str) -> list[str]:
    """Greedy longest-match-first WordPiece; a word with any unmatched part is one ``unk``."""
    if len(token) > _MAX_WORD_CHARS:
        return [unk]
    pieces: list[str] = []
    start = 0
    while start < len(token):
        end = len(token)
        while end > start:
            piece = token[start:end] if start == 0 else "##" + token[start:end]
            if piece in vocab:
                pieces.append(piece)
                break
            end -= 1
        else:
            return [unk]
        start = end
    return pieces


def _split_punctuation(chunk: str) -> Iterator[str]:
    start = 0
    for index, ch in enumerate(chunk):
        if _is_punctuation(ch):
            if start < index:
                yield chunk[start:index]
            yield ch
            start = index + 1
    if start < len(chunk):
        yield chunk[start:]


# After these ASCII marks a Latin word takes a space ("a, b"); "." is left out for decimals and URLs.
_SPACED_AFTER = frozenset(",;:!?")


def join_tokens(tokens: Sequence[str]) -> str:
    """Text of decoded tokens: CJK joined without spaces, ``##`` pieces merged, Latin words spaced."""
    out: list[str] = []
    last = ""  # the last character written
    for token in tokens:
        if not token:
            continue
        if token.startswith("##") and len(token) > 2:
            text = token[2:]  # a continuation piece glues onto the word before it
        else:
            text = token
            if last and _is_latin_word_char(text[0]) and (_is_latin_word_char(last) or last in _SPACED_AFTER):
                out.append(" ")
        out.append(text)
        last = text[-1]
    return "".join(out)


# Characters that sit in Chinese text without spaces: ideographs, kana, CJK and full-width punctuation,
# and the general-punctuation marks Chinese typesetting uses (quotes, dashes, ellipsis, middle dot).
_CJK_TEXT_CLASS = (
    "\u00b7\u2014\u2015\u2018\u2019\u201c\u201d\u2026\u2e80-\u2fff\u3000-\u303f\u3040-\u30ff\u3100-\u312f"
    "\u3190-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef\U00020000-\U0003134f"
)
_SPACES_AT_CJK = re.compile(f"(?<=[{_CJK_TEXT_CLASS}]) +(?=\\S)|(?<=\\S) +(?=[{_CJK_TEXT_CLASS}])")


def strip_cjk_spaces(text: str) -> str:
    """Undo the spaces BertTokenizer-style decoding puts between CJK tokens.

    "交 城 县 召 开" becomes "交城县召开". A space next to a CJK character or CJK punctuation goes
    whatever is on its other side ("2024 年" becomes "2024年", as Chinese news writes it); spaces between
    Latin words and numbers, and line breaks, stay.
    """
    return _SPACES_AT_CJK.sub("", text)
