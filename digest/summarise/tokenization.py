"""The Randeng-Pegasus tokenizer, and a decoding fix-up for the BERT-vocabulary model families.

IDEA-CCNL's Randeng-Pegasus models ship a BERT Chinese ``vocab.txt`` and a tokenizer class of their own
that ``AutoTokenizer`` cannot load, so this module reimplements its documented behaviour:

* the model's special tokens take over the ids of BERT entries: ``</s>`` that of ``[unused1]``, ``<pad>``
  of ``[PAD]``, ``<unk>`` of ``[UNK]``, ``<mask_1>`` of ``[unused2]`` and ``<mask_2>`` of ``[unused3]``;
* text is cut into words by jieba without HMM; a word in the vocabulary is one token, anything else goes
  through BERT's basic tokenizer (clean, one token per CJK character, lower-case and strip accents, split
  on punctuation) and then WordPiece (greedy longest match, ``##`` continuations, ``<unk>`` on failure);
* an encoded input ends with ``</s>`` and has no BOS token.

Literal special-token strings in the text (``"</s>"``) are *not* turned into special ids: articles are
untrusted input and must not be able to end or mask the model's input.
"""

from __future__ import annotations

import json
import logging
import re
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jieba

if TYPE_CHECKING:
    import torch

jieba.setLogLevel(logging.WARNING)  # jieba announces its dictionary loading on every start

VOCAB_FILE = "vocab.txt"
CONFIG_FILE = "tokenizer_config.json"

PAD = "<pad>"
EOS = "</s>"
UNK = "<unk>"
MASK_1 = "<mask_1>"
MASK_2 = "<mask_2>"

# Model special token -> the BERT vocabulary entry whose id it takes over.
_SPECIAL_SLOTS: dict[str, str] = {
    PAD: "[PAD]",
    EOS: "[unused1]",
    MASK_1: "[unused2]",
    MASK_2: "[unused3]",
    UNK: "[UNK]",
}
# BERT's own control entries are never text either: a half-trained or random model can emit them.
_BERT_CONTROL = re.compile(r"\[(?:CLS|SEP|MASK|unused\d+)\]")

# BERT's WordPiece gives up on longer words (they are almost always junk such as URLs or base64).
_MAX_WORD_CHARS = 100
# The per-word cache holds the tokenization of words missing from the vocabulary; news text reuses a
# bounded set of them, but a long-running service must not grow without limit.
_CACHE_LIMIT = 200_000

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


class PegasusJiebaTokenizer:
    """The Randeng-Pegasus tokenizer: jieba words, then BERT basic tokenization and WordPiece over vocab.txt.

    Hot paths touch no torch: only ``__call__`` with ``return_tensors="pt"`` imports it.
    """

    def __init__(
        self, vocab_file: str | Path, *, do_lower_case: bool = True, model_max_length: int = 1024
    ) -> None:
        if model_max_length < 1:
            raise ValueError(f"model_max_length must be at least 1, got {model_max_length}")
        path = Path(vocab_file)
        # Keep the file's own lines so save_pretrained writes back exactly the vocabulary it read.
        # Split on newlines only: str.splitlines() also breaks at U+2028, U+0085 and friends, which would
        # shift every later id if such a character ever were a vocabulary entry.
        lines = path.read_text(encoding="utf-8").split("\n")
        if lines and not lines[-1]:
            lines.pop()
        self._lines: list[str] = [line.rstrip("\r") for line in lines]
        missing = [entry for entry in _SPECIAL_SLOTS.values() if entry not in self._lines]
        if missing:
            raise ValueError(f"{path} is not a Randeng-Pegasus vocabulary: it lacks {', '.join(missing)}")
        self.do_lower_case = do_lower_case
        self.model_max_length = model_max_length

        # id = line number; a duplicated line keeps its last id, as BERT's loader does.
        vocab = {token: index for index, token in enumerate(self._lines)}
        for special, entry in _SPECIAL_SLOTS.items():
            vocab[special] = vocab.pop(entry)
        self._vocab: dict[str, int] = vocab
        self._id_to_token: list[str] = list(self._lines)
        for special in _SPECIAL_SLOTS:
            self._id_to_token[vocab[special]] = special

        self.pad_token_id: int = vocab[PAD]
        self.eos_token_id: int = vocab[EOS]
        self.unk_token_id: int = vocab[UNK]
        self.mask_token_ids: tuple[int, int] = (vocab[MASK_1], vocab[MASK_2])
        # What decode(skip_special_tokens=True) leaves out.
        self.all_special_ids: frozenset[int] = frozenset(
            [vocab[special] for special in _SPECIAL_SLOTS]
            + [index for token, index in vocab.items() if _BERT_CONTROL.fullmatch(token)]
        )
        self._word_cache: dict[str, tuple[tuple[str, ...], tuple[int, ...]]] = {}

    # -- loading and saving -------------------------------------------------------------------------

    @classmethod
    def from_pretrained(
        cls,
        path: str | Path,
        *,
        do_lower_case: bool | None = None,
        model_max_length: int | None = None,
    ) -> PegasusJiebaTokenizer:
        """Load from a local directory holding ``vocab.txt`` (and optionally ``tokenizer_config.json``).

        The config supplies ``do_lower_case`` and ``model_max_length`` unless given here.
        """
        directory = Path(path)
        vocab_file = directory / VOCAB_FILE
        if not vocab_file.is_file():
            raise FileNotFoundError(f"no {VOCAB_FILE} in {directory}: is it a Randeng-Pegasus model folder?")
        config = _read_config(directory / CONFIG_FILE)
        if do_lower_case is None:
            lower = config.get("do_lower_case", True)
            do_lower_case = lower if isinstance(lower, bool) else True
        if model_max_length is None:
            limit = config.get("model_max_length", 1024)
            # transformers writes a huge sentinel (about 1e30) when a model sets no limit.
            valid = isinstance(limit, int) and not isinstance(limit, bool) and 0 < limit <= 1_000_000
            model_max_length = limit if valid else 1024
        return cls(vocab_file, do_lower_case=do_lower_case, model_max_length=model_max_length)

    def save_pretrained(self, directory: str | Path) -> None:
        """Write ``vocab.txt`` (BERT entry names, as read) and ``tokenizer_config.json`` to ``directory``."""
        target = Path(directory)
        target.mkdir(parents=True, exist_ok=True)
        (target / VOCAB_FILE).write_text("".join(line + "\n" for line in self._lines), encoding="utf-8")
        config = {"do_lower_case": self.do_lower_case, "model_max_length": self.model_max_length}
        (target / CONFIG_FILE).write_text(json.dumps(config, indent=2) + "\n", encoding="utf-8")

    @property
    def vocab_size(self) -> int:
        # The embedding matrix is indexed by line number, so duplicated lines still count.
        return len(self._id_to_token)

    def __len__(self) -> int:
        return self.vocab_size

    # -- encoding -----------------------------------------------------------------------------------

    def tokenize(self, text: str) -> list[str]:
        tokens: list[str] = []
        vocab = self._vocab
        for word in jieba.cut(text, HMM=False):
            if word in vocab:
                tokens.append(word)
            else:
                tokens.extend(self._split_word(word)[0])
        return tokens

    def convert_tokens_to_ids(self, tokens: Sequence[str]) -> list[int]:
        get, unk = self._vocab.get, self.unk_token_id
        return [get(token, unk) for token in tokens]

    def convert_ids_to_tokens(self, ids: Iterable[int]) -> list[str]:
        table, size = self._id_to_token, len(self._id_to_token)
        return [table[i] if 0 <= i < size else UNK for i in ids]

    def encode(self, text: str, *, max_length: int | None = None) -> list[int]:
        """Token ids of ``text`` followed by ``</s>``, at most ``max_length`` (default model_max_length) long.

        Truncation cuts the text, never the ``</s>``: the model was trained on inputs that end with it.
        """
        limit = self.model_max_length if max_length is None else max_length
        if limit < 1:
            raise ValueError(f"max_length must leave room for </s>, got {max_length}")
        ids: list[int] = []
        vocab = self._vocab
        budget = limit - 1
        for word in jieba.cut(text, HMM=False):
            index = vocab.get(word)
            if index is not None:
                ids.append(index)
            else:
                ids.extend(self._split_word(word)[1])
            # Stop cutting once the budget is spent: articles can be far longer than the model's window.
            if len(ids) >= budget:
                break
        del ids[budget:]
        ids.append(self.eos_token_id)
        return ids

    def __call__(
        self,
        texts: Sequence[str],
        *,
        max_length: int | None = None,
        padding: bool = True,
        return_tensors: str | None = "pt",
    ) -> dict[str, Any]:
        """Encode a batch: ``{"input_ids", "attention_mask"}``, padded on the right with ``<pad>``.

        A single string is a batch of one (iterating it would encode each character as a text).
        ``return_tensors="pt"`` gives ``torch.long`` tensors, ``None`` gives lists.
        """
        if return_tensors not in ("pt", None):
            raise ValueError(f"return_tensors must be 'pt' or None, got {return_tensors!r}")
        batch = [texts] if isinstance(texts, str) else list(texts)
        rows = [self.encode(text, max_length=max_length) for text in batch]
        masks = [[1] * len(row) for row in rows]
        if padding:
            width = max((len(row) for row in rows), default=0)
            for row, mask in zip(rows, masks, strict=True):
                gap = width - len(row)
                row.extend([self.pad_token_id] * gap)
                mask.extend([0] * gap)
        if return_tensors is None:
            return {"input_ids": rows, "attention_mask": masks}
        if len({len(row) for row in rows}) > 1:
            raise ValueError("texts encode to different lengths: tensors need padding=True")
        import torch  # noqa: PLC0415 - torch is only needed for tensors; tokenize/encode stay torch-free

        if not rows:
            empty = torch.zeros((0, 0), dtype=torch.long)
            return {"input_ids": empty, "attention_mask": empty.clone()}
        return {
            "input_ids": torch.tensor(rows, dtype=torch.long),
            "attention_mask": torch.tensor(masks, dtype=torch.long),
        }

    def _split_word(self, word: str) -> tuple[tuple[str, ...], tuple[int, ...]]:
        """Tokens and ids of a jieba word that is not itself in the vocabulary (cached)."""
        cached = self._word_cache.get(word)
        if cached is not None:
            return cached
        if _PLAIN_CJK_WORD.fullmatch(word):
            # One token per character; WordPiece on a single character is the character or <unk>.
            tokens = tuple(ch if ch in self._vocab else UNK for ch in word)
        else:
            tokens = tuple(piece for token in self._basic_tokenize(word) for piece in self._wordpiece(token))
        result = (tokens, tuple(self.convert_tokens_to_ids(tokens)))
        if len(self._word_cache) >= _CACHE_LIMIT:
            self._word_cache.clear()
        self._word_cache[word] = result
        return result

    def _basic_tokenize(self, text: str) -> Iterator[str]:
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
            if self.do_lower_case:
                # Accents go with case: NFD splits "é" into "e" and a combining mark (category Mn).
                decomposed = unicodedata.normalize("NFD", chunk.lower())
                bare = "".join(c for c in decomposed if unicodedata.category(c) != "Mn")
                yield from _split_punctuation(bare)
            else:
                yield from _split_punctuation(chunk)

    def _wordpiece(self, token: str) -> list[str]:
        """Greedy longest-match-first WordPiece; a word with any unmatched part is one ``<unk>``."""
        if len(token) > _MAX_WORD_CHARS:
            return [UNK]
        vocab = self._vocab
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
                return [UNK]
            start = end
        return pieces

    # -- decoding -----------------------------------------------------------------------------------

    def decode(self, ids: Sequence[int] | torch.Tensor, *, skip_special_tokens: bool = True) -> str:
        """Text of ``ids``: CJK joined without spaces, ``##`` pieces merged, Latin words spaced.

        Ids outside the vocabulary (a model whose embedding matrix is padded past vocab.txt) read as
        ``<unk>``.
        """
        values: list[int] = ids.tolist() if hasattr(ids, "tolist") else list(ids)
        if skip_special_tokens:
            special, size = self.all_special_ids, len(self._id_to_token)
            values = [i for i in values if 0 <= i < size and i not in special]
        return _join_tokens(self.convert_ids_to_tokens(values))

    def batch_decode(
        self, rows: Sequence[Sequence[int]] | torch.Tensor, *, skip_special_tokens: bool = True
    ) -> list[str]:
        lists: list[list[int]] = rows.tolist() if hasattr(rows, "tolist") else [list(row) for row in rows]
        return [self.decode(row, skip_special_tokens=skip_special_tokens) for row in lists]


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


def _join_tokens(tokens: Sequence[str]) -> str:
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


def _read_config(path: Path) -> dict[str, Any]:
    if not path.is_file():
        return {}
    try:
        config = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        # The config only refines defaults; a broken one is no reason to refuse a usable vocabulary.
        return {}
    return config if isinstance(config, dict) else {}


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
