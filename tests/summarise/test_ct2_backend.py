"""The CTranslate2 backend on tiny random models of every family, converted through digest's real code.

What must hold: float32 output equals torch's token for token (greedy search), the converted model
scores any output as torch does, int8 stays close, conversion happens once per model and quantisation,
and every way it can fail says what to do.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("ctranslate2")

from digest.config import load as load_settings
from digest.ingest.extract import extract
from digest.ingest.segment import segment
from digest.models import Article, RawInput
from digest.summarise import ct2_backend
from digest.summarise.ct2_backend import choose_backend, load_ct2
from digest.summarise.ct2_convert import cache_root, conversion_key
from digest.summarise.engines import build_summariser
from digest.summarise.loading import LoadedModel, ModelUnavailable, RuntimeOptions, load
from digest.summarise.profiles import GenerationSettings, resolve_profile
from digest.summarise.seq2seq import Seq2SeqSummariser
from tests.summarise.scoring import ct2_log_probs, max_drift, torch_log_probs
from tests.summarise.tiny_models import KINDS, SAMPLE, build_tiny_model, sample_texts
from tests.test_cli import run_digest

GREEDY = GenerationSettings(num_beams=1, summary_max_new_tokens=20, headline_max_new_tokens=8)
# Lengths forced as the benchmark forces them (random weights never stop on their own)
FORCED = GenerationSettings(
    num_beams=1,
    summary_max_new_tokens=16,
    summary_min_new_tokens=16,
    headline_max_new_tokens=6,
    headline_min_new_tokens=6,
)


@pytest.fixture(scope="module")
def model_dirs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("ct2-models")
    # t5/mt5 with tokenizer.json, as a converted hub download would be read; the loader is the same.
    return {kind: build_tiny_model(kind, root / kind, tokenizer_json=kind != "pegasus") for kind in KINDS}


@pytest.fixture(scope="module")
def articles() -> list[Article]:
    return segment(extract(RawInput("sample.txt", SAMPLE.read_bytes(), ".txt")))


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("ct2-cache")


def both(directory: Path, cache: Path, **options: object) -> tuple[LoadedModel, LoadedModel]:
    profile = resolve_profile(str(directory), None, directory)
    torch_options = RuntimeOptions(device="cpu", cache_dir=cache)
    ct2_options = RuntimeOptions(device="cpu", cache_dir=cache, backend="ctranslate2", **options)  # type: ignore[arg-type]
    return load(profile, str(directory), torch_options), load_ct2(profile, directory, ct2_options)


def encoded(model: LoadedModel, count: int = 10) -> list[list[int]]:
    return [model.tokenizer.encode(text, 96) for text in sample_texts()[:count]]


@pytest.mark.parametrize("settings", [GREEDY, FORCED], ids=["greedy", "forced-length"])
@pytest.mark.parametrize("kind", KINDS)
def test_float32_output_equals_torch_token_for_token(
    kind: str, settings: GenerationSettings, model_dirs: dict[str, Path], cache: Path
) -> None:
    torch_model, ct2_model = both(model_dirs[kind], cache)
    inputs = encoded(torch_model)
    kinds = ("summary", "headline")
    want = Seq2SeqSummariser(torch_model, batch_size=4).generate_ids(inputs, kinds, settings)  # type: ignore[arg-type]
    got = Seq2SeqSummariser(ct2_model, batch_size=4).generate_ids(inputs, kinds, settings)  # type: ignore[arg-type]
    assert got == want
    assert any(len(row["summary"]) > 3 for row in got)  # the comparison compared something


@pytest.mark.parametrize("kind", KINDS)
def test_the_converted_model_scores_outputs_as_torch_does(
    kind: str, model_dirs: dict[str, Path], cache: Path
) -> None:
    torch_model, fp32 = both(model_dirs[kind], cache)
    inputs = encoded(torch_model, 6)
    rows = Seq2SeqSummariser(torch_model).generate_ids(inputs, ("summary",), GREEDY)
    targets = [row["summary"] for row in rows]
    assert (
        max_drift(ct2_log_probs(fp32, inputs, targets), torch_log_probs(torch_model, inputs, targets)) < 1e-4
    )


@pytest.mark.parametrize("kind", ["pegasus", "bart"])
def test_int8_scores_stay_close_to_float32(kind: str, tmp_path: Path, cache: Path) -> None:
    """int8 on the families whose random weights give ordinary logits (d_model 64; at 32 a single
    weight row's rounding shows). Random T5 and mT5 are not judged: without attention scaling their
    random logits are extreme (float32 picks tokens at log-probability -0.0), and any rounding moves
    them by whole units. benchmarks/bench_seq2seq.py measures int8 at Randeng-Pegasus-238M's size."""
    directory = build_tiny_model(kind, tmp_path / kind, d_model=64)  # type: ignore[arg-type]
    torch_model, fp32 = both(directory, cache)
    _, int8 = both(directory, cache, quantize="int8")
    assert int8.quantized and int8.dtype == "int8"
    inputs = encoded(torch_model, 6)
    targets = [
        row["summary"] for row in Seq2SeqSummariser(torch_model).generate_ids(inputs, ("summary",), GREEDY)
    ]
    assert max_drift(ct2_log_probs(int8, inputs, targets), ct2_log_probs(fp32, inputs, targets)) < 0.05


def test_the_engine_summarises_through_the_ctranslate2_backend(
    model_dirs: dict[str, Path], cache: Path, articles: list[Article]
) -> None:
    torch_model, ct2_model = both(model_dirs["pegasus"], cache)
    want = Seq2SeqSummariser(torch_model, generation=GREEDY).summarise(articles)
    got = Seq2SeqSummariser(ct2_model, generation=GREEDY).summarise(articles)
    # Same headlines, the same guard verdicts and fallbacks: only the runtime differs.
    assert [(s.headline, s.summary, s.guard) for s in got] == [(s.headline, s.summary, s.guard) for s in want]


def test_banned_tokens_are_never_written(model_dirs: dict[str, Path], cache: Path) -> None:
    torch_model, ct2_model = both(model_dirs["pegasus"], cache)
    inputs = encoded(torch_model, 4)
    free = Seq2SeqSummariser(ct2_model).generate_ids(inputs, ("summary",), GREEDY)
    written = sorted({t for row in free for t in row["summary"]} - {ct2_model.model.eos_id})[:5]
    banned = [tuple(written)] * len(inputs)
    engine = Seq2SeqSummariser(ct2_model)
    again = engine.generate_ids(inputs, ("summary",), GREEDY, banned=banned)
    assert not {t for row in again for t in row["summary"]} & set(written)
    # And it bans what torch bans: the same output as torch's bad_words_ids.
    assert again == Seq2SeqSummariser(torch_model).generate_ids(inputs, ("summary",), GREEDY, banned=banned)


def test_beam_search_keeps_its_settings(model_dirs: dict[str, Path], cache: Path) -> None:
    """Beam search runs with the profile's settings and limits; its output may part from torch's (see
    ct2_backend's docstring), so only the limits are asserted."""
    _, ct2_model = both(model_dirs["t5"], cache)
    beams = GenerationSettings(num_beams=4, summary_max_new_tokens=10, summary_min_new_tokens=4)
    rows = Seq2SeqSummariser(ct2_model).generate_ids(encoded(ct2_model, 4), ("summary",), beams)
    assert all(4 <= len(row["summary"]) <= 10 for row in rows)


def test_a_model_is_converted_once_per_quantisation(
    model_dirs: dict[str, Path], tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    directory = model_dirs["bart"]
    profile = resolve_profile(str(directory), None, directory)
    options = RuntimeOptions(device="cpu", cache_dir=tmp_path, backend="ctranslate2")
    with caplog.at_level(logging.INFO, logger="digest.summarise.ct2_convert"):
        load_ct2(profile, directory, options)
        load_ct2(profile, directory, options)
        load_ct2(profile, directory, RuntimeOptions(device="cpu", cache_dir=tmp_path, quantize="int8"))
    conversions = [r.getMessage() for r in caplog.records if r.getMessage().startswith("converting")]
    assert len(conversions) == 2, conversions
    kept = sorted(p.name for p in cache_root(tmp_path).iterdir())
    assert len(kept) == 2 and [name.split("-")[1] for name in kept] == ["float32", "int8"]
    assert not [p for p in cache_root(tmp_path).iterdir() if p.name.startswith(".")]  # no scratch left


def test_new_weights_are_converted_again(model_dirs: dict[str, Path], tmp_path: Path) -> None:
    copy = shutil.copytree(model_dirs["t5"], tmp_path / "t5")
    before = conversion_key(copy, "float32")
    build_tiny_model("t5", copy, seed=1, tokenizer_json=True)
    assert conversion_key(copy, "float32") != before
    assert conversion_key(copy, "int8") != conversion_key(copy, "float32")


def test_a_vocabulary_with_a_duplicate_keeps_every_id(tmp_path: Path, cache: Path) -> None:
    """A vocab.txt that lists a token twice: ids still map one to one (the duplicate is renamed)."""
    directory = build_tiny_model("pegasus", tmp_path / "dup")
    vocab = directory / "vocab.txt"
    lines = vocab.read_text(encoding="utf-8").split("\n")
    word = next(line for line in lines if len(line) == 1 and "\u4e00" <= line <= "\u9fff")
    lines[lines.index(word)] = lines[lines.index(word) + 1]  # the next entry, twice
    vocab.write_text("\n".join(lines), encoding="utf-8")
    torch_model, ct2_model = both(directory, cache)
    vocabulary = json.loads((ct2_model.model.path / "shared_vocabulary.json").read_text())
    assert len(vocabulary) == len(set(vocabulary)) == torch_model.model.config.vocab_size
    inputs = encoded(torch_model, 6)
    want = Seq2SeqSummariser(torch_model).generate_ids(inputs, ("summary",), GREEDY)
    assert Seq2SeqSummariser(ct2_model).generate_ids(inputs, ("summary",), GREEDY) == want


def test_an_unwritable_cache_says_where_and_what_to_do(model_dirs: dict[str, Path], tmp_path: Path) -> None:
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder", encoding="utf-8")  # no folder can be made under a file, even by root
    directory = model_dirs["t5"]
    profile = resolve_profile(str(directory), None, directory)
    with pytest.raises(ModelUnavailable, match=r"cannot create the CTranslate2 cache in .*a-file.*cache_dir"):
        load_ct2(profile, directory, RuntimeOptions(device="cpu", cache_dir=blocked))


def test_a_full_disk_leaves_no_half_converted_model(
    model_dirs: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    directory = model_dirs["t5"]
    profile = resolve_profile(str(directory), None, directory)

    def full(*args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    with pytest.raises(ModelUnavailable, match=r"No space left on device.*free some space"):
        load_ct2(profile, directory, RuntimeOptions(device="cpu", cache_dir=tmp_path))
    assert list(cache_root(tmp_path).iterdir()) == []


def test_backend_choice(monkeypatch: pytest.MonkeyPatch) -> None:
    assert choose_backend(RuntimeOptions(backend="auto")) == "ctranslate2"
    assert choose_backend(RuntimeOptions(backend="auto", device="mps")) == "torch"
    assert choose_backend(RuntimeOptions(backend="torch")) == "torch"
    monkeypatch.setattr(ct2_backend, "available", lambda: False)
    assert choose_backend(RuntimeOptions(backend="auto")) == "torch"
    with pytest.raises(ModelUnavailable, match=r"pip install 'digest\[ct2\]'"):
        choose_backend(RuntimeOptions(backend="ctranslate2"))


def test_placement_on_the_cpu() -> None:
    profile = resolve_profile("randeng-pegasus-238m")
    place = ct2_backend.placement(RuntimeOptions(device="cpu", threads=3, quantize="int8"), profile)
    assert (place.device, place.compute_type, place.replicas, place.threads) == ("cpu", "int8", 3, 1)
    with pytest.raises(ModelUnavailable, match="GPU only"):
        ct2_backend.placement(RuntimeOptions(device="cpu", dtype="float16"), profile)
    if ct2_backend.ctranslate2_gpus() == 0:
        with pytest.raises(ModelUnavailable, match="no CUDA GPU"):
            ct2_backend.placement(RuntimeOptions(device="cuda"), profile)


def test_settings_choose_the_backend(model_dirs: dict[str, Path], tmp_path: Path) -> None:
    environ = {
        "DIGEST_SUMMARISE_ENGINE": "seq2seq",
        "DIGEST_SUMMARISE_MODEL": str(model_dirs["mt5"]),
        "DIGEST_SUMMARISE_CACHE_DIR": str(tmp_path),
    }
    auto = build_summariser(load_settings(environ=environ).summarise)
    assert isinstance(auto, Seq2SeqSummariser) and auto.loaded.backend == "ctranslate2"
    chosen = build_summariser(
        load_settings(environ=environ | {"DIGEST_SUMMARISE_BACKEND": "torch"}).summarise
    )
    assert isinstance(chosen, Seq2SeqSummariser) and chosen.loaded.backend == "torch"


def test_cli_runs_the_ctranslate2_backend_and_converts_once(
    model_dirs: dict[str, Path], tmp_path: Path
) -> None:
    env = {"DIGEST_SUMMARISE_CACHE_DIR": str(tmp_path)}
    command = ["summarise", str(SAMPLE), "--format", "json", "--engine", "seq2seq"]
    command += ["--model", str(model_dirs["pegasus"]), "--backend", "ctranslate2", "--quantize", "int8"]
    first = run_digest(*command, env=env)
    assert first.returncode == 0, first.stderr.decode()
    assert len(json.loads(first.stdout)["articles"]) == 5
    assert "converting" in first.stderr.decode()
    second = run_digest(*command, env=env)
    assert second.returncode == 0 and "converting" not in second.stderr.decode()
    assert second.stdout == first.stdout


def test_a_converted_model_runs_without_torch(model_dirs: dict[str, Path], tmp_path: Path) -> None:
    """What lets a small server run a model: once converted, neither torch nor transformers' models load."""
    directory = model_dirs["pegasus"]
    profile = resolve_profile(str(directory), None, directory)
    options = RuntimeOptions(device="cpu", cache_dir=tmp_path, backend="ctranslate2", quantize="int8")
    load_ct2(profile, directory, options)  # converts, here, with torch
    script = f"""
import sys
from pathlib import Path
from digest.summarise.ct2_backend import load_ct2
from digest.summarise.loading import RuntimeOptions
from digest.summarise.profiles import resolve_profile
from digest.summarise.seq2seq import Seq2SeqSummariser
from digest.ingest.extract import extract
from digest.ingest.segment import segment
from digest.models import RawInput
directory = Path({str(directory)!r})
profile = resolve_profile(str(directory), None, directory)
cache = Path({str(tmp_path)!r})
options = RuntimeOptions(device="cpu", cache_dir=cache, backend="ctranslate2", quantize="int8")
engine = Seq2SeqSummariser(load_ct2(profile, directory, options))
page = segment(extract(RawInput("sample.txt", Path({str(SAMPLE)!r}).read_bytes(), ".txt")))
assert len(engine.summarise(page)) == 5
print(sorted(name for name in ("torch", "transformers") if name in sys.modules))
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "[]"


def test_auto_runs_on_torch_what_ctranslate2_cannot(
    model_dirs: dict[str, Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    def refuse(*args: object, **kwargs: object) -> Path:
        raise ModelUnavailable("CTranslate2 cannot convert this model (no loader)")

    monkeypatch.setattr(ct2_backend, "converted_model", refuse)
    environ = {
        "DIGEST_SUMMARISE_ENGINE": "seq2seq",
        "DIGEST_SUMMARISE_MODEL": str(model_dirs["bart"]),
        "DIGEST_SUMMARISE_CACHE_DIR": str(tmp_path),
    }
    with caplog.at_level(logging.WARNING):
        engine = build_summariser(load_settings(environ=environ).summarise)
    assert isinstance(engine, Seq2SeqSummariser) and engine.loaded.backend == "torch"
    assert "cannot convert this model (no loader); running" in caplog.text
    chosen = load_settings(environ=environ | {"DIGEST_SUMMARISE_BACKEND": "ctranslate2"}).summarise
    with pytest.raises(ModelUnavailable, match="cannot convert"):
        build_summariser(chosen)
