"""Tiny, randomly initialised seq2seq models of every family digest supports, written as model folders.

Each folder has the files the family's hub repository ships, so the engine loads it exactly as it loads a
real download: ``AutoModelForSeq2SeqLM.from_pretrained(folder)`` plus the family's tokenizer loader.

================  ================================  =====================================================
kind              model class (``architectures``)   tokenizer files (as the real repository)
================  ================================  =====================================================
``pegasus``       PegasusForConditionalGeneration   ``vocab.txt`` only (IDEA-CCNL/Randeng-Pegasus-*)
``t5``            T5ForConditionalGeneration        ``spiece.model``, ``tokenizer_config.json``,
                                                    ``special_tokens_map.json`` (IDEA-CCNL/Randeng-T5-*)
``mt5``           MT5ForConditionalGeneration       the same (csebuetnlp/mT5_multilingual_XLSum)
``bart``          BartForConditionalGeneration      ``vocab.txt``, ``tokenizer_config.json`` naming
                                                    BertTokenizer (fnlp/bart-base-chinese)
================  ================================  =====================================================

Findings for transformers 5.24 (how :func:`load_tokenizer` loads each family; the engine mirrors it):

* ``T5Tokenizer`` is no longer a sentencepiece (``PreTrainedTokenizer``) class: it *is* the old
  ``T5TokenizerFast``, a subclass of ``TokenizersBackend`` (the Rust ``tokenizers`` library); there is no
  ``T5TokenizerFast`` and no ``MT5Tokenizer`` export any more. ``AutoTokenizer`` maps both ``t5`` and
  ``mt5`` to ``T5Tokenizer``.
* A folder that holds only ``spiece.model`` (no ``tokenizer.json``; both hub repositories are like that) is
  converted on load by ``SentencePieceExtractor``, which needs **both** ``sentencepiece`` and ``protobuf``.
  Without ``protobuf`` transformers logs "Could not extract SentencePiece model ... requires the protobuf
  library", falls back to reading the file as a tiktoken vocabulary and raises ``ValueError: `tiktoken` is
  required to read a `tiktoken` file`` (a misleading message). With ``tokenizer.json`` present neither
  ``sentencepiece`` nor ``protobuf`` is needed. ``build_tiny_model(..., tokenizer_json=True)`` adds a
  ``tokenizer.json`` (built without protobuf) so the T5 families also load where protobuf is missing.
* ``T5Tokenizer`` numbers the sentinels as T5 does (``<extra_id_99>`` right after the sentencepiece
  pieces, ``<extra_id_0>`` the highest id) only with ``extra_ids=100``. The tiny ``t5`` folder's
  ``tokenizer_config.json`` says ``"extra_ids": 0`` (the strict case), so the loader must ask for them:
  ``T5Tokenizer.from_pretrained(dir, extra_ids=100, additional_special_tokens=[f"<extra_id_{i}>" ...])``,
  as the Randeng-T5 model card does. ``extra_ids=0`` with the same list also gives 100 sentinels, but in
  list order (``<extra_id_0>`` right after the pieces); no arguments give none. A ``tokenizer.json`` already
  holds them, so every variant loads the same ids from it. The tiny model's ``vocab_size`` is ``len()``
  of the tokenizer with the sentinels.
* mT5 folders say ``"extra_ids": 0`` (as google/mt5-*): ``AutoTokenizer.from_pretrained(dir)`` gives a
  ``T5Tokenizer`` with exactly the sentencepiece vocabulary.
* ``BertTokenizer`` is also ``TokenizersBackend`` (WordPiece) and reads ``vocab.txt`` directly; the
  ``tokenizer_config.json`` must name it, since ``AutoTokenizer`` maps model type ``bart`` to
  ``RobertaTokenizer``. Encoding adds ``[CLS] ... [SEP]`` and returns ``token_type_ids``, which
  ``generate()`` rejects (``return_token_type_ids=False``). ``decode`` puts a space between all tokens, CJK
  characters included, and keeps ``[unusedN]`` entries as text even with ``skip_special_tokens=True``.
* ``T5Tokenizer.from_pretrained`` and ``BertTokenizer.from_pretrained`` on a folder *without* their files
  do not fail: they build a stub vocabulary (104 and 5 entries). Loaders must check the files themselves.
* Ids past the tokenizer's vocabulary (a model whose embedding matrix is padded, as mT5's 250112 rows for
  250100 pieces) are dropped silently by ``decode``.
* ``PegasusJiebaTokenizer`` is digest's own (``digest.summarise.tokenization``).

Reusing encoder outputs (one encoder pass for both summary and headline) works for all four families:
``encoded = model.get_encoder()(input_ids=..., attention_mask=...)`` once, then for each call
``model.generate(encoder_outputs=BaseModelOutput(last_hidden_state=encoded.last_hidden_state),
attention_mask=mask, max_new_tokens=n, ...)`` gives the same tokens and scores as passing ``input_ids``.
Wrap the tensor in a *fresh* ``transformers.modeling_outputs.BaseModelOutput`` each call: beam search
rebinds ``last_hidden_state`` on the object it is given to the beam-expanded tensor. A plain tuple is not
recognised (``ValueError: `bos_token_id` has to be defined when no `input_ids` are provided``), and
without ``attention_mask`` the padded rows attend to their padding.

Generation ids written to ``config.json`` (and ``generation_config.json``):

* pegasus: pad = ``[PAD]`` (0), eos = forced eos = ``[unused1]`` (1), decoder start = pad.
* t5, mt5: pad = decoder start = 0 (``<pad>``), eos = 1 (``</s>``), unk = 2: the trainer is told these ids.
* bart (as fnlp/bart-base-chinese's config): pad = ``[PAD]`` (0), bos = ``[CLS]`` (101),
  eos = forced eos = decoder start = ``[SEP]`` (102).
"""

from __future__ import annotations

import io
import json
import re
import shutil
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

import jieba

from digest.shipped import SAMPLE_PAGE

Kind = Literal["pegasus", "t5", "mt5", "bart"]
KINDS: tuple[Kind, ...] = ("pegasus", "t5", "mt5", "bart")

SAMPLE = SAMPLE_PAGE

EXTRA_IDS = 100
EXTRA_ID_TOKENS = [f"<extra_id_{i}>" for i in range(EXTRA_IDS)]

# BERT Chinese layout: [PAD]=0, [unused1..99]=1..99, [UNK]=100, [CLS]=101, [SEP]=102, [MASK]=103.
_BERT_HEAD = ["[PAD]", *(f"[unused{i}]" for i in range(1, 100)), "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
_LATIN_PIECES = ["the", "news", "china", "covid", "un", "##aff", "##able", "##ing", "##s", "##ed", "##19"]
_FREQUENT_WORDS = 300
_MAX_POSITIONS = 256


def sample_texts() -> list[str]:
    """The sample page's non-empty lines."""
    return [line.strip() for line in SAMPLE.read_text(encoding="utf-8").splitlines() if line.strip()]


# -- tokenizer files ----------------------------------------------------------------------------------


def build_wordpiece_vocab(directory: Path, texts: Sequence[str]) -> Path:
    """Write a BERT-layout ``vocab.txt`` for ``texts`` into ``directory`` and return its path.

    Entries: the BERT control rows (ids 0-103 as in bert-base-chinese), every character of ``texts``
    (lower-cased, whitespace and control characters left out), jieba's frequent words of ``texts``
    (``HMM=False``, two or more characters, seen at least twice), ``##`` continuations of the ASCII letters
    and digits and of a few characters, the ASCII letter-and-digit runs of ``texts`` and a few Latin pieces.
    The order is deterministic.
    """
    directory.mkdir(parents=True, exist_ok=True)
    entries: dict[str, None] = dict.fromkeys(_BERT_HEAD)
    chars: dict[str, None] = {}
    for text in texts:
        for ch in text.lower():
            if not ch.isspace() and ch.isprintable():
                chars.setdefault(ch)
    entries.update(dict.fromkeys(sorted(chars)))
    counts: Counter[str] = Counter(
        word for text in texts for word in jieba.cut(text, HMM=False) if len(word) > 1 and not word.isspace()
    )
    frequent = sorted((w for w, n in counts.items() if n > 1), key=lambda w: (-counts[w], w))
    entries.update(dict.fromkeys(frequent[:_FREQUENT_WORDS]))
    ascii_alnum = "0123456789abcdefghijklmnopqrstuvwxyz"
    entries.update(dict.fromkeys(f"##{ch}" for ch in ascii_alnum))
    entries.update(dict.fromkeys(f"##{ch}" for ch in sorted(chars)[:20] if not ch.isascii()))
    runs = sorted({run for text in texts for run in re.findall(r"[0-9a-z]+", text.lower())})
    entries.update(dict.fromkeys(runs))
    entries.update(dict.fromkeys(_LATIN_PIECES))
    path = directory / "vocab.txt"
    path.write_text("".join(entry + "\n" for entry in entries), encoding="utf-8")
    return path


def train_sentencepiece(directory: Path, texts: Sequence[str], vocab_size: int = 1200) -> Path:
    """Train a unigram ``spiece.model`` on the lines of ``texts`` and write it into ``directory``.

    Ids as T5 expects: ``<pad>`` = 0, ``</s>`` = 1, ``<unk>`` = 2, no BOS. ``character_coverage=1.0`` puts
    every character of ``texts`` into the vocabulary, so ``vocab_size`` must exceed the number of distinct
    characters plus 3 (the sample page has 858: 800 is too few); it is a soft limit (``hard_vocab_limit``
    off), so a small corpus yields fewer pieces instead of an error. Normalisation is sentencepiece's default
    ``nmt_nfkc`` (full-width "，" becomes ","), as in T5's and mT5's models. Takes about 30 ms on the sample.
    """
    import sentencepiece as spm  # noqa: PLC0415 - only the T5 families need it

    directory.mkdir(parents=True, exist_ok=True)
    lines = [line.strip() for text in texts for line in text.splitlines() if line.strip()]
    model = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(lines),
        model_writer=model,
        model_type="unigram",
        vocab_size=vocab_size,
        hard_vocab_limit=False,
        character_coverage=1.0,
        pad_id=0,
        eos_id=1,
        unk_id=2,
        bos_id=-1,
        num_threads=1,
        minloglevel=2,
    )
    path = directory / "spiece.model"
    path.write_bytes(model.getvalue())
    return path


def _precompiled_charsmap(model: bytes) -> bytes | None:
    """``normalizer_spec.precompiled_charsmap`` of a serialized sentencepiece ``ModelProto``.

    A minimal protobuf wire-format reader, so that tokenizer.json can be written without ``protobuf``.
    """

    def varint(data: bytes, pos: int) -> tuple[int, int]:
        value = shift = 0
        while True:
            byte = data[pos]
            pos += 1
            value |= (byte & 0x7F) << shift
            shift += 7
            if byte < 0x80:
                return value, pos

    def fields(data: bytes) -> list[tuple[int, bytes | int]]:
        out: list[tuple[int, bytes | int]] = []
        pos = 0
        while pos < len(data):
            key, pos = varint(data, pos)
            number, wire = key >> 3, key & 7
            if wire == 0:
                value, pos = varint(data, pos)
                out.append((number, value))
            elif wire == 2:
                size, pos = varint(data, pos)
                out.append((number, data[pos : pos + size]))
                pos += size
            elif wire in (1, 5):
                width = 8 if wire == 1 else 4
                out.append((number, data[pos : pos + width]))
                pos += width
            else:
                raise ValueError(f"unsupported protobuf wire type {wire}")
        return out

    for number, value in fields(model):
        if number == 3 and isinstance(value, bytes):  # ModelProto.normalizer_spec
            for inner, charsmap in fields(value):
                if inner == 2 and isinstance(charsmap, bytes):  # NormalizerSpec.precompiled_charsmap
                    return charsmap or None
    return None


def _write_tokenizer_json(spiece: Path, directory: Path, extra_ids: int) -> None:
    """Write the ``tokenizer.json`` transformers would convert ``spiece`` into, without needing protobuf."""
    import sentencepiece as spm  # noqa: PLC0415
    from transformers import T5Tokenizer  # noqa: PLC0415

    processor = spm.SentencePieceProcessor(model_file=str(spiece))
    vocab = [(processor.id_to_piece(i), processor.get_score(i)) for i in range(processor.get_piece_size())]
    # transformers' own conversion appends the sentinels in reverse, <extra_id_0> last, as T5 numbers them.
    vocab += [(f"<extra_id_{i}>", 0.0) for i in reversed(range(extra_ids))]
    tokenizer = T5Tokenizer(
        vocab=vocab,
        _spm_precompiled_charsmap=_precompiled_charsmap(spiece.read_bytes()),
        extra_ids=extra_ids,
    )
    tokenizer.backend_tokenizer.save(str(directory / "tokenizer.json"))


def _write_json(path: Path, data: dict[str, Any]) -> None:
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def _vocab_ids(vocab_file: Path) -> dict[str, int]:
    return {line: i for i, line in enumerate(vocab_file.read_text(encoding="utf-8").split("\n")[:-1])}


# -- models -------------------------------------------------------------------------------------------


def build_tiny_model(
    kind: Kind,
    directory: Path,
    *,
    seed: int = 0,
    d_model: int = 32,
    layers: int = 1,
    texts: Sequence[str] | None = None,
    tokenizer_json: bool = False,
) -> Path:
    """Write a complete tiny model folder of family ``kind`` into ``directory`` and return it.

    ``config.json``, ``generation_config.json`` and ``model.safetensors`` come from ``save_pretrained``
    (weights drawn after ``torch.manual_seed(seed)``, so the same arguments give the same model), plus the
    family's tokenizer files (see the module docstring) built from ``texts`` (default: the sample page).
    ``tokenizer_json=True`` also writes ``tokenizer.json`` for ``t5``/``mt5``, which then load without
    protobuf. The config's ``vocab_size`` equals the loaded tokenizer's ``len()``. Models have 60-110 K
    parameters at the defaults; building one takes about 0.1 s.
    """
    import torch  # noqa: PLC0415
    from transformers import (  # noqa: PLC0415
        BartConfig,
        BartForConditionalGeneration,
        MT5Config,
        MT5ForConditionalGeneration,
        PegasusConfig,
        PegasusForConditionalGeneration,
        PreTrainedModel,
        T5Config,
        T5ForConditionalGeneration,
    )

    if kind not in KINDS:
        raise ValueError(f"unknown model kind {kind!r}; expected one of {', '.join(KINDS)}")
    corpus = list(texts) if texts is not None else sample_texts()
    directory.mkdir(parents=True, exist_ok=True)
    heads = 2
    ffn = 2 * d_model
    model: PreTrainedModel
    if kind in ("pegasus", "bart"):
        ids = _vocab_ids(build_wordpiece_vocab(directory, corpus))
        common: dict[str, Any] = {
            "vocab_size": len(ids),
            "d_model": d_model,
            "encoder_layers": layers,
            "decoder_layers": layers,
            "encoder_attention_heads": heads,
            "decoder_attention_heads": heads,
            "encoder_ffn_dim": ffn,
            "decoder_ffn_dim": ffn,
            "max_position_embeddings": _MAX_POSITIONS,
            "pad_token_id": ids["[PAD]"],
        }
        torch.manual_seed(seed)
        if kind == "pegasus":
            eos = ids["[unused1]"]
            config: Any = PegasusConfig(
                **common, eos_token_id=eos, forced_eos_token_id=eos, decoder_start_token_id=ids["[PAD]"]
            )
            model = PegasusForConditionalGeneration(config)
        else:
            eos = ids["[SEP]"]
            config = BartConfig(
                **common,
                bos_token_id=ids["[CLS]"],
                eos_token_id=eos,
                forced_eos_token_id=eos,
                decoder_start_token_id=eos,
            )
            model = BartForConditionalGeneration(config)
            _write_json(
                directory / "tokenizer_config.json",
                {"tokenizer_class": "BertTokenizer", "do_lower_case": True, "model_max_length": 512},
            )
    else:
        spiece = train_sentencepiece(directory, corpus)
        import sentencepiece as spm  # noqa: PLC0415

        pieces = spm.SentencePieceProcessor(model_file=str(spiece)).get_piece_size()
        special = {"eos_token": "</s>", "unk_token": "<unk>", "pad_token": "<pad>"}
        # The tokenizer config says no extra ids; for t5 the loader adds 100 (see the module docstring).
        _write_json(
            directory / "tokenizer_config.json",
            {
                **special,
                "extra_ids": 0,
                "additional_special_tokens": None,
                "tokenizer_class": "T5Tokenizer",
                "model_max_length": 512,
            },
        )
        _write_json(directory / "special_tokens_map.json", special)
        if tokenizer_json:
            _write_tokenizer_json(spiece, directory, EXTRA_IDS if kind == "t5" else 0)
        t5: dict[str, Any] = {
            "vocab_size": pieces + (EXTRA_IDS if kind == "t5" else 0),
            "d_model": d_model,
            "d_kv": d_model // heads,
            "d_ff": ffn,
            "num_layers": layers,
            "num_decoder_layers": layers,
            "num_heads": heads,
            "relative_attention_num_buckets": 8,
            "relative_attention_max_distance": 32,
            "pad_token_id": 0,
            "eos_token_id": 1,
            "decoder_start_token_id": 0,
        }
        torch.manual_seed(seed)
        t5_model: T5ForConditionalGeneration | MT5ForConditionalGeneration
        if kind == "t5":
            t5_model = T5ForConditionalGeneration(T5Config(**t5))
        else:
            # mT5 (T5 v1.1): gated-GELU feed-forward and an lm_head of its own.
            t5_model = MT5ForConditionalGeneration(
                MT5Config(**t5, feed_forward_proj="gated-gelu", tie_word_embeddings=False)
            )
        # A random T5 head often picks <pad> (or a sentinel) at every step, and those decode to "". With
        # the output rows of <pad>, <unk> and the sentinels at zero their logits are 0, below the best of
        # the other ~1200 (t5's head is tied: the <pad> embedding the decoder starts from becomes zero).
        silent = [0, 2, *range(pieces, t5["vocab_size"])]
        with torch.no_grad():
            t5_model.lm_head.weight[silent] = 0.0
        model = t5_model
    model.save_pretrained(directory)
    return directory


def install_in_hub_cache(model_dir: Path, repo_id: str, cache_dir: Path, *, commit: str = "0" * 40) -> Path:
    """Copy ``model_dir`` into ``cache_dir`` as huggingface_hub caches ``repo_id``; return the snapshot.

    Afterwards ``from_pretrained(repo_id, cache_dir=cache_dir, local_files_only=True)`` (or with
    ``HF_HUB_OFFLINE``) and ``huggingface_hub.snapshot_download(repo_id, cache_dir=cache_dir,
    local_files_only=True)`` find it, as they find a real download. (Real caches hold the files as links
    into ``blobs/``; plain copies in the snapshot work the same for reading.)
    """
    repo = cache_dir / f"models--{repo_id.replace('/', '--')}"
    snapshot = repo / "snapshots" / commit
    shutil.copytree(model_dir, snapshot)
    (repo / "refs").mkdir(parents=True, exist_ok=True)
    (repo / "refs" / "main").write_text(commit, encoding="utf-8")
    return snapshot


def load_tokenizer(kind: Kind, directory: Path) -> Any:
    """Load the tokenizer of a model folder the way each family's tokenizer loads (for these tests only).

    * ``pegasus``: ``PegasusJiebaTokenizer.from_pretrained(dir)`` (digest's own; reads ``vocab.txt``).
    * ``t5``: ``T5Tokenizer.from_pretrained(dir, extra_ids=100, additional_special_tokens=<extra_id_0..99>)``.
    * ``mt5``: ``AutoTokenizer.from_pretrained(dir)`` (resolves to ``T5Tokenizer``).
    * ``bart``: ``BertTokenizer.from_pretrained(dir)``.
    """
    if kind == "pegasus":
        from digest.summarise.tokenization import PegasusJiebaTokenizer  # noqa: PLC0415

        return PegasusJiebaTokenizer.from_pretrained(directory)
    from transformers import AutoTokenizer, BertTokenizer, T5Tokenizer  # noqa: PLC0415

    if kind == "t5":
        return T5Tokenizer.from_pretrained(
            directory, extra_ids=EXTRA_IDS, additional_special_tokens=list(EXTRA_ID_TOKENS)
        )
    if kind == "mt5":
        return AutoTokenizer.from_pretrained(directory)
    if kind == "bart":
        return BertTokenizer.from_pretrained(directory)
    raise ValueError(f"unknown model kind {kind!r}")
