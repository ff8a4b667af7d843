"""The tiny model folders load and generate through transformers as real downloads do.

Also pins the transformers 5 behaviour the engine relies on: reusing encoder outputs across generate calls,
and the errors for a folder without weights and for a hub id that is not cached while offline.
"""

from __future__ import annotations

import importlib.util
import json
import re
import time
from pathlib import Path
from typing import Any

import pytest

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")
pytest.importorskip("sentencepiece")

from huggingface_hub import constants as hub_constants  # noqa: E402
from huggingface_hub import snapshot_download  # noqa: E402
from huggingface_hub.errors import LocalEntryNotFoundError  # noqa: E402
from transformers import AutoModelForSeq2SeqLM, AutoTokenizer, BertTokenizer, T5Tokenizer  # noqa: E402
from transformers.modeling_outputs import BaseModelOutput  # noqa: E402

from digest.summarise.tokenization import PegasusJiebaTokenizer, strip_cjk_spaces  # noqa: E402
from tests.summarise.tiny_models import (  # noqa: E402
    EXTRA_IDS,
    KINDS,
    Kind,
    build_tiny_model,
    build_wordpiece_vocab,
    install_in_hub_cache,
    load_tokenizer,
    sample_texts,
    train_sentencepiece,
)

SENTENCES = [
    "交城县总工会开展送清凉慰问活动。",
    "夏韩卿在讲话时说，送清凉是工会组织坚持开展的一项服务职工的活动。",
]
GREEDY: dict[str, Any] = {"num_beams": 1, "do_sample": False}
_CJK_SPACE_CJK = re.compile(r"[\u4e00-\u9fff] [\u4e00-\u9fff]")
HAS_PROTOBUF = (
    importlib.util.find_spec("google") is not None and importlib.util.find_spec("google.protobuf") is not None
)


@pytest.fixture(scope="module")
def folders(tmp_path_factory: pytest.TempPathFactory) -> dict[Kind, Path]:
    """One folder per kind. t5/mt5 carry tokenizer.json, so they load with or without protobuf."""
    root = tmp_path_factory.mktemp("tiny")
    return {kind: build_tiny_model(kind, root / kind, tokenizer_json=True) for kind in KINDS}


def encode(kind: Kind, tokenizer: Any, texts: list[str]) -> dict[str, Any]:
    if kind == "pegasus":
        return dict(tokenizer(texts))
    # BertTokenizer also returns token_type_ids, which generate() rejects ("model_kwargs are not used").
    return dict(tokenizer(texts, padding=True, return_tensors="pt", return_token_type_ids=False))


def load(kind: Kind, folder: Path) -> tuple[Any, Any]:
    return AutoModelForSeq2SeqLM.from_pretrained(folder).eval(), load_tokenizer(kind, folder)


# -- building -----------------------------------------------------------------------------------------


def test_wordpiece_vocab_has_the_bert_layout_and_loads_as_pegasus(tmp_path: Path) -> None:
    texts = sample_texts()
    lines = build_wordpiece_vocab(tmp_path, texts).read_text(encoding="utf-8").split("\n")[:-1]
    assert lines[:2] == ["[PAD]", "[unused1]"]
    assert lines[99:104] == ["[unused99]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    assert len(lines) == len(set(lines))
    assert {"交", "，", "职工", "##a", "2024"} <= set(lines)
    tok = PegasusJiebaTokenizer.from_pretrained(tmp_path)
    assert (tok.pad_token_id, tok.eos_token_id, tok.unk_token_id) == (0, 1, 100)
    ids = tok.encode(texts[0])
    assert tok.unk_token_id not in ids  # every character of the corpus is in the vocabulary


def test_sentencepiece_model_uses_t5_ids_and_trains_quickly(tmp_path: Path) -> None:
    import sentencepiece as spm  # noqa: PLC0415

    started = time.perf_counter()
    path = train_sentencepiece(tmp_path, sample_texts())
    assert time.perf_counter() - started < 2
    sp = spm.SentencePieceProcessor(model_file=str(path))
    assert [sp.id_to_piece(i) for i in range(3)] == ["<pad>", "</s>", "<unk>"]
    assert (sp.pad_id(), sp.eos_id(), sp.unk_id(), sp.bos_id()) == (0, 1, 2, -1)
    assert sp.get_piece_size() == 1200
    assert 2 not in sp.encode(sample_texts()[3])  # character_coverage=1.0: no <unk> on the corpus


@pytest.mark.parametrize("kind", KINDS)
def test_folder_has_the_family_files_and_matching_ids(kind: Kind, tmp_path: Path) -> None:
    folder = build_tiny_model(kind, tmp_path / kind)
    files = {p.name for p in folder.iterdir()}
    assert {"config.json", "generation_config.json", "model.safetensors"} <= files
    tokenizer_files = {
        "pegasus": {"vocab.txt"},
        "bart": {"vocab.txt", "tokenizer_config.json"},
        "t5": {"spiece.model", "tokenizer_config.json", "special_tokens_map.json"},
        "mt5": {"spiece.model", "tokenizer_config.json", "special_tokens_map.json"},
    }[kind]
    assert files - {"config.json", "generation_config.json", "model.safetensors"} == tokenizer_files
    config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    expected = {
        "pegasus": ("PegasusForConditionalGeneration", 0, 1, 0),
        "bart": ("BartForConditionalGeneration", 0, 102, 102),
        "t5": ("T5ForConditionalGeneration", 0, 1, 0),
        "mt5": ("MT5ForConditionalGeneration", 0, 1, 0),
    }[kind]
    ids = (config["pad_token_id"], config["eos_token_id"], config["decoder_start_token_id"])
    assert (config["architectures"][0], *ids) == expected
    if kind == "bart":
        assert config["bos_token_id"] == 101
    if kind == "pegasus":
        assert config["vocab_size"] == len(PegasusJiebaTokenizer.from_pretrained(folder))
    elif kind == "bart":
        assert config["vocab_size"] == len(BertTokenizer.from_pretrained(folder))
    else:
        assert config["vocab_size"] == 1200 + (EXTRA_IDS if kind == "t5" else 0)


def test_models_are_tiny_reproducible_and_quick_to_build(tmp_path: Path) -> None:
    started = time.perf_counter()
    for kind in KINDS:
        build_tiny_model(kind, tmp_path / kind)
    assert time.perf_counter() - started < 5
    for kind in KINDS:
        model = AutoModelForSeq2SeqLM.from_pretrained(tmp_path / kind)
        assert sum(p.numel() for p in model.parameters()) < 200_000
    again = build_tiny_model("t5", tmp_path / "again")
    other = build_tiny_model("t5", tmp_path / "other", seed=1)
    weights = (tmp_path / "t5" / "model.safetensors").read_bytes()
    assert (again / "model.safetensors").read_bytes() == weights
    assert (other / "model.safetensors").read_bytes() != weights


# -- loading and generating ---------------------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_generate_and_decode_a_padded_batch(kind: Kind, folders: dict[Kind, Path]) -> None:
    model, tok = load(kind, folders[kind])
    batch = encode(kind, tok, SENTENCES)
    assert batch["input_ids"].shape[0] == 2
    assert (batch["attention_mask"] == 0).any()  # the shorter sentence is padded
    out = model.generate(**batch, max_new_tokens=8, min_new_tokens=8, **GREEDY)
    assert out.shape == (2, 9)  # the decoder start token and eight new tokens
    texts = tok.batch_decode(out, skip_special_tokens=True)
    assert len(texts) == 2
    assert all(isinstance(text, str) and text for text in texts)
    if kind == "bart":
        # BertTokenizer decoding puts a space between tokens, CJK characters included.
        assert all(_CJK_SPACE_CJK.search(text) for text in texts)
        assert all(" " not in strip_cjk_spaces(text) for text in texts)
    else:
        assert not any(_CJK_SPACE_CJK.search(text) for text in texts)


def test_tokenizer_classes() -> None:
    # transformers 5: the tokenizers-backed classes; no T5TokenizerFast / MT5Tokenizer exports.
    base = transformers.TokenizersBackend
    assert issubclass(T5Tokenizer, base)
    assert issubclass(BertTokenizer, base)
    assert not hasattr(transformers, "MT5Tokenizer")


def test_t5_tokenizer_knows_the_sentinels(folders: dict[Kind, Path]) -> None:
    tok = load_tokenizer("t5", folders["t5"])
    assert isinstance(tok, T5Tokenizer)
    assert len(tok) == 1300
    # As in T5: <extra_id_0> has the highest id, <extra_id_99> follows the sentencepiece pieces.
    assert tok.convert_tokens_to_ids(["<extra_id_0>", "<extra_id_99>"]) == [1299, 1200]
    assert "<extra_id_0>" in tok.tokenize("交城<extra_id_0>县")
    assert tok("交城县").input_ids[-1] == tok.eos_token_id == 1
    assert (tok.pad_token_id, tok.unk_token_id) == (0, 2)


def test_mt5_loads_through_auto_tokenizer(folders: dict[Kind, Path]) -> None:
    tok = AutoTokenizer.from_pretrained(folders["mt5"])
    assert type(tok) is T5Tokenizer
    assert len(tok) == 1200
    assert (tok.pad_token_id, tok.eos_token_id, tok.unk_token_id) == (0, 1, 2)


@pytest.mark.skipif(not HAS_PROTOBUF, reason="protobuf missing: transformers 5 cannot convert spiece.model")
@pytest.mark.parametrize("kind", ["t5", "mt5"])
def test_hub_layout_without_tokenizer_json_tokenizes_the_same(
    kind: Kind, folders: dict[Kind, Path], tmp_path: Path
) -> None:
    spiece_only = build_tiny_model(kind, tmp_path / kind)
    assert not (spiece_only / "tokenizer.json").exists()
    converted = load_tokenizer(kind, spiece_only)
    from_json = load_tokenizer(kind, folders[kind])
    text = "\n".join(sample_texts()[:20]) + " Hello 2024年ＡＢＣ<extra_id_0>"
    assert len(converted) == len(from_json)
    assert converted(text).input_ids == from_json(text).input_ids
    if kind == "t5":
        # tokenizer_config.json says extra_ids=0: without the loader's extras there are no sentinels.
        assert len(T5Tokenizer.from_pretrained(spiece_only)) == 1200


@pytest.mark.skipif(HAS_PROTOBUF, reason="protobuf is installed")
def test_hub_layout_without_protobuf_fails_with_a_misleading_error(tmp_path: Path) -> None:
    """transformers 5 falls back to reading spiece.model as a tiktoken file when protobuf is missing."""
    spiece_only = build_tiny_model("mt5", tmp_path / "mt5")
    with pytest.raises(ValueError, match="`tiktoken` is required"):
        AutoTokenizer.from_pretrained(spiece_only)


@pytest.mark.parametrize("kind", KINDS)
def test_local_files_only_loads_a_folder(kind: Kind, folders: dict[Kind, Path]) -> None:
    model = AutoModelForSeq2SeqLM.from_pretrained(folders[kind], local_files_only=True)
    assert model.config.vocab_size == len(load_tokenizer(kind, folders[kind]))


# -- reusing encoder outputs --------------------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_encoder_outputs_can_be_reused_across_generate_calls(kind: Kind, folders: dict[Kind, Path]) -> None:
    model, tok = load(kind, folders[kind])
    batch = encode(kind, tok, SENTENCES)
    mask = batch["attention_mask"]
    options: dict[str, Any] = {**GREEDY, "output_scores": True, "return_dict_in_generate": True}
    with torch.no_grad():
        encoded = model.get_encoder()(**batch)
        hidden = encoded.last_hidden_state
        for length in (8, 3):
            direct = model.generate(**batch, max_new_tokens=length, min_new_tokens=length, **options)
            # A fresh BaseModelOutput per call: generate() may replace fields of the object it is given.
            reused = model.generate(
                encoder_outputs=BaseModelOutput(last_hidden_state=hidden),
                attention_mask=mask,
                max_new_tokens=length,
                min_new_tokens=length,
                **options,
            )
            assert torch.equal(reused.sequences, direct.sequences)
            assert len(reused.scores) == len(direct.scores) == length
            for got, want in zip(reused.scores, direct.scores, strict=True):
                torch.testing.assert_close(got, want)
        # Beam search with fresh wrappers works too, and leaves the cached hidden states alone.
        beams = model.generate(
            encoder_outputs=BaseModelOutput(last_hidden_state=hidden),
            attention_mask=mask,
            max_new_tokens=4,
            num_beams=3,
        )
        assert torch.equal(beams, model.generate(**batch, max_new_tokens=4, num_beams=3))
    assert hidden.shape[0] == 2
    assert torch.equal(hidden, encoded.last_hidden_state)


def test_generate_rebinds_fields_of_the_encoder_outputs_it_is_given(folders: dict[Kind, Path]) -> None:
    """Why the engine wraps the cached tensor anew for each call: beam search expands in place."""
    model, tok = load("pegasus", folders["pegasus"])
    batch = encode("pegasus", tok, SENTENCES)
    with torch.no_grad():
        encoded = model.get_encoder()(**batch)
        model.generate(
            encoder_outputs=encoded, attention_mask=batch["attention_mask"], max_new_tokens=2, num_beams=3
        )
    assert encoded.last_hidden_state.shape[0] == 6  # two inputs times three beams


def test_attention_mask_is_needed_with_encoder_outputs(folders: dict[Kind, Path]) -> None:
    model, tok = load("t5", folders["t5"])
    batch = encode("t5", tok, SENTENCES)
    options: dict[str, Any] = {**GREEDY, "output_scores": True, "return_dict_in_generate": True}
    with torch.no_grad():
        hidden = model.get_encoder()(**batch).last_hidden_state
        direct = model.generate(**batch, max_new_tokens=3, **options)
        unmasked = model.generate(
            encoder_outputs=BaseModelOutput(last_hidden_state=hidden), max_new_tokens=3, **options
        )
    # Without the mask the decoder attends to the padding of the shorter input.
    assert batch["attention_mask"][0].min() == 0  # the first sentence is the shorter one
    assert not torch.allclose(unmasked.scores[0][0], direct.scores[0][0])
    torch.testing.assert_close(unmasked.scores[0][1], direct.scores[0][1])  # the unpadded row agrees


# -- errors -------------------------------------------------------------------------------------------


def test_folder_without_weights_raises_oserror(folders: dict[Kind, Path], tmp_path: Path) -> None:
    (tmp_path / "config.json").write_bytes((folders["pegasus"] / "config.json").read_bytes())
    for local_only in (False, True):
        with pytest.raises(OSError, match=r"no file named model\.safetensors, or pytorch_model\.bin"):
            AutoModelForSeq2SeqLM.from_pretrained(tmp_path, local_files_only=local_only)


def test_empty_folder_raises_valueerror(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="Unrecognized model"):
        AutoModelForSeq2SeqLM.from_pretrained(tmp_path)


def test_missing_absolute_path_is_taken_for_a_bad_repo_id(tmp_path: Path) -> None:
    with pytest.raises(OSError, match="Repo id must be in the form"):
        AutoModelForSeq2SeqLM.from_pretrained(str(tmp_path / "nowhere"))


def test_tokenizer_classes_build_a_stub_from_a_folder_without_tokenizer_files(
    folders: dict[Kind, Path], tmp_path: Path
) -> None:
    """No error, just a near-empty vocabulary: the engine has to check the files itself."""
    (tmp_path / "config.json").write_bytes((folders["t5"] / "config.json").read_bytes())
    assert len(T5Tokenizer.from_pretrained(tmp_path)) == 104  # 3 specials, "▁" and 100 sentinels
    assert len(BertTokenizer.from_pretrained(tmp_path)) < 10


UNCACHED = "IDEA-CCNL/Randeng-Pegasus-238M-Summary-Chinese"


def _assert_offline_miss(error: pytest.ExceptionInfo[OSError]) -> None:
    assert "couldn't connect to 'https://huggingface.co'" in str(error.value)
    assert isinstance(error.value.__cause__, LocalEntryNotFoundError)
    assert "outgoing traffic has been disabled" in str(error.value.__cause__)


def test_uncached_hub_id_with_local_files_only(tmp_path: Path) -> None:
    with pytest.raises(OSError) as error:
        AutoModelForSeq2SeqLM.from_pretrained(UNCACHED, cache_dir=tmp_path, local_files_only=True)
    _assert_offline_miss(error)


def test_uncached_hub_id_in_offline_mode(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # HF_HUB_OFFLINE is read into huggingface_hub.constants at import; is_offline_mode() returns that
    # attribute, so patching it (not the environment variable) switches a running process offline.
    monkeypatch.setattr(hub_constants, "HF_HUB_OFFLINE", True)
    for load_fn in (AutoModelForSeq2SeqLM.from_pretrained, AutoTokenizer.from_pretrained):
        with pytest.raises(OSError) as error:
            load_fn(UNCACHED, cache_dir=tmp_path)
        _assert_offline_miss(error)
    with pytest.raises(LocalEntryNotFoundError):
        snapshot_download(UNCACHED, cache_dir=tmp_path)


def test_cached_hub_id_loads_offline(
    folders: dict[Kind, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    snapshot = install_in_hub_cache(folders["pegasus"], UNCACHED, tmp_path)
    monkeypatch.setattr(hub_constants, "HF_HUB_OFFLINE", True)
    model = AutoModelForSeq2SeqLM.from_pretrained(UNCACHED, cache_dir=tmp_path)
    assert type(model).__name__ == "PegasusForConditionalGeneration"
    # digest's own tokenizer reads a folder: snapshot_download resolves the id to the cached snapshot.
    folder = Path(snapshot_download(UNCACHED, cache_dir=tmp_path))
    assert folder == snapshot
    assert len(PegasusJiebaTokenizer.from_pretrained(folder)) == model.config.vocab_size
