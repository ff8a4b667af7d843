"""The Randeng-Pegasus tokenizer.

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

BERT's own rules, and strip_cjk_spaces (the decoding fix-up for the other BERT-vocabulary model
families, still importable from here), live in digest.summarise.bert_text.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jieba

from digest.summarise.bert_text import bert_tokens, join_tokens, strip_cjk_spaces

if TYPE_CHECKING:
    import torch

__all__ = [
    "CONFIG_FILE",
    "EOS",
    "MASK_1",
    "MASK_2",
    "PAD",
    "UNK",
    "VOCAB_FILE",
    "PegasusJiebaTokenizer",
    "strip_cjk_spaces",
]

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

# The per-word cache holds the tokenization of words missing from the vocabulary; news text reuses a
# bounded set of them, but a long-running service must not grow without limit.
_CACHE_LIMIT = 200_000


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
        tokens = bert_tokens(word, self._vocab, lower=self.do_lower_case, unk=UNK)
        result = (tokens, tuple(self.convert_tokens_to_ids(tokens)))
        if len(self._word_cache) >= _CACHE_LIMIT:
            self._word_cache.clear()
        self._word_cache[word] = result
        return result

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
        return join_tokens(self.convert_ids_to_tokens(values))

    def batch_decode(
        self, rows: Sequence[Sequence[int]] | torch.Tensor, *, skip_special_tokens: bool = True
    ) -> list[str]:
        lists: list[list[int]] = rows.tolist() if hasattr(rows, "tolist") else [list(row) for row in rows]
        return [self.decode(row, skip_special_tokens=skip_special_tokens) for row in lists]


def _read_config(path: Path) -> dict[str, Any]:
    if not path.is_file():
        return {}
    try:
        config = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        # The config only refines defaults; a broken one is no reason to refuse a usable vocabulary.
        return {}
    return config if isinstance(config, dict) else {}
