"""Speed and memory of the seq2seq engine's backends against the naive way, on a model with the default
profile's exact size.

The model is Pegasus with Randeng-Pegasus-238M's dimensions (d_model 768, 12+12 layers, 12 heads, FFN
3072, vocabulary 50,000), randomly initialised — no weights can be downloaded here, and speed does not
depend on what the weights learned. It is saved to a temporary folder and loaded through digest's own
loading code; the CTranslate2 modes convert it through digest's own conversion first (in its own
process, outside the timing). The input is the sample page's five articles repeated to 40, fitted to
the profile's 128-token budget, encoded once: every mode sees identical input token ids.

- naive: what a user writes first — one `generate` call per article and per output (summary, then
  headline, each encoding the article again), torch float32;
- engine: digest's Seq2SeqSummariser on torch — articles sorted by length into batches, inference mode,
  one encoder pass per batch for both outputs (the reference for "identical");
- int8: the same with torch's dynamic int8 quantisation;
- ct2: the engine on the CTranslate2 backend, float32, one single-thread replica per core;
- ct2-int8: the same with int8 weights;
- ct2-int8-1x2 (not run by default): int8 on one replica with two threads, to check the replicas.

Generation settings are equal (greedy, the profile's repetition guards) and output lengths are forced
(min = max new tokens), since random weights never stop on their own. Each mode runs in its own process;
its peak memory is VmHWM from /proc/self/status (ru_maxrss of a child starts from what the parent
process had, and overstates it). Quality is compared two ways: sequences identical to the torch
engine's, and the teacher-forced log-probabilities of the engine's own outputs under each mode against
torch float32 (the better proxy on random weights, whose logits are near-ties everywhere).

Run: python benchmarks/bench_seq2seq.py [--articles 40] [--batch-size 8] [--summary-tokens 32]
         [--modes naive,engine,int8,ct2,ct2-int8] [--threads 2]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from digest.shipped import SAMPLE_PAGE

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SAMPLE = SAMPLE_PAGE
VOCAB_SIZE = 50_000


def build_model(directory: Path) -> None:
    """A randomly initialised Pegasus of the 238M profile's dimensions, with a 50,000-entry vocabulary."""
    import jieba
    import torch
    from transformers import PegasusConfig, PegasusForConditionalGeneration

    from tests.summarise.tiny_models import build_wordpiece_vocab, sample_texts

    vocab = build_wordpiece_vocab(directory, sample_texts())
    entries = vocab.read_text(encoding="utf-8").splitlines()
    seen = set(entries)
    # Fill up to the real vocabulary size with jieba's dictionary words, as a Chinese BERT vocabulary
    # holds many words: the tokenizer's lookups then cost what they cost with the real file.
    for word in sorted(jieba.dt.FREQ, key=lambda w: -jieba.dt.FREQ[w]):
        if len(entries) >= VOCAB_SIZE:
            break
        if len(word) > 1 and word not in seen and jieba.dt.FREQ[word] > 0:
            entries.append(word)
            seen.add(word)
    vocab.write_text("".join(e + "\n" for e in entries), encoding="utf-8")
    torch.manual_seed(0)
    config = PegasusConfig(
        vocab_size=len(entries),
        d_model=768,
        encoder_layers=12,
        decoder_layers=12,
        encoder_attention_heads=12,
        decoder_attention_heads=12,
        encoder_ffn_dim=3072,
        decoder_ffn_dim=3072,
        max_position_embeddings=1024,
        pad_token_id=entries.index("[PAD]"),
        eos_token_id=entries.index("[unused1]"),
        decoder_start_token_id=entries.index("[PAD]"),
        forced_eos_token_id=entries.index("[unused1]"),
    )
    model = PegasusForConditionalGeneration(config)
    params = sum(p.numel() for p in model.parameters())
    print(f"model: Pegasus, {params / 1e6:.0f}M parameters, vocabulary {len(entries)}", flush=True)
    model.save_pretrained(directory)


def peak_rss_mb() -> float:
    """This process's own peak resident memory (VmHWM), in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def settings_for(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    from digest.summarise.profiles import PROFILES

    profile = PROFILES["randeng-pegasus-238m"]
    return profile, replace(
        profile.generation,
        num_beams=1,
        summary_max_new_tokens=args.summary_tokens,
        summary_min_new_tokens=args.summary_tokens,
        headline_max_new_tokens=args.headline_tokens,
        headline_min_new_tokens=args.headline_tokens,
    )


def options_for(mode: str, args: argparse.Namespace, cache: Path):  # type: ignore[no-untyped-def]
    from digest.summarise.loading import RuntimeOptions

    return RuntimeOptions(
        device="cpu",
        dtype="float32",
        quantize="int8" if "int8" in mode else "none",
        backend="ctranslate2" if mode.startswith("ct2") else "torch",
        cache_dir=cache,
        threads=args.threads,
    )


def run_mode(mode: str, directory: Path, args: argparse.Namespace) -> dict[str, object]:
    """Runs in a child process: load, encode, generate; report ids, time, peak memory and scores."""
    from digest.ingest.extract import extract
    from digest.ingest.segment import segment
    from digest.models import RawInput
    from digest.summarise.loading import load
    from digest.summarise.seq2seq import Seq2SeqSummariser

    profile, settings = settings_for(args)
    options = options_for(mode, args, Path(args.cache))
    if mode == "convert":  # outside any timed child: conversion needs torch, the ct2 modes do not
        from digest.summarise.ct2_backend import load_ct2

        for quantize in ("none", "int8"):
            load_ct2(profile, directory, replace(options, backend="ctranslate2", quantize=quantize))
        return {"mode": mode}
    if mode.startswith("ct2"):
        from digest.summarise import ct2_backend
        from digest.summarise.ct2_backend import load_ct2

        if mode.endswith("1x2"):  # one replica with every core, against the default of one per core
            chosen = ct2_backend.placement

            def one_replica(options: Any, profile: Any) -> Any:
                place = chosen(options, profile)
                return replace(place, replicas=1, threads=place.replicas * place.threads)

            ct2_backend.placement = one_replica

        loaded = load_ct2(profile, directory, options)
    else:
        import torch

        torch.set_num_threads(args.threads)
        loaded = load(profile, str(directory), options)
    engine = Seq2SeqSummariser(loaded, batch_size=args.batch_size, generation=settings, progress=False)
    page = segment(extract(RawInput("sample.txt", SAMPLE.read_bytes(), ".txt")))
    articles = [page[i % len(page)] for i in range(args.articles)]
    inputs = engine._inputs(articles)  # the lead and salient sentences within the 128-token budget
    encoded = [
        loaded.tokenizer.encode(engine._prompted("summary", t), engine.max_input_tokens) for t in inputs
    ]

    start = time.perf_counter()
    if mode == "naive":
        ids = naive_generate(engine, encoded, settings)
    else:
        ids = engine.generate_ids(encoded, ("summary", "headline"), settings)
    elapsed = time.perf_counter() - start
    peak = peak_rss_mb()  # before scoring, which is not part of the mode's work
    torch_loaded = "torch" in sys.modules
    scores = None
    if mode != "naive" and (args.reference or mode == "engine"):
        from tests.summarise.scoring import ct2_log_probs, torch_log_probs

        # The torch engine's outputs, scored by every mode (the engine scores its own).
        targets = json.loads(Path(args.reference).read_text()) if args.reference else ids
        score = ct2_log_probs if mode.startswith("ct2") else torch_log_probs
        scores = {
            kind: score(loaded, encoded, [row[kind] for row in targets]) for kind in ("summary", "headline")
        }
    return {
        "mode": mode,
        "seconds": elapsed,
        "articles": len(encoded),
        "input_tokens": sum(len(r) for r in encoded),
        "ids": ids,
        "peak_rss_mb": peak,
        "scores": scores,
        "torch_loaded": torch_loaded,
    }


def naive_generate(engine: Any, encoded: list[list[int]], settings: Any) -> list[dict[str, list[int]]]:
    import torch

    ids: list[dict[str, list[int]]] = []
    model = engine.loaded.model
    pad = engine.loaded.tokenizer.pad_token_id
    with torch.no_grad():
        for row in encoded:
            out: dict[str, list[int]] = {}
            for kind in ("summary", "headline"):
                tensor = torch.tensor([row], dtype=torch.long)
                generated = model.generate(
                    input_ids=tensor,
                    attention_mask=torch.ones_like(tensor),
                    **engine._generate_kwargs(kind, settings, []),
                )
                out[kind] = [t for t in generated[0].tolist() if t != pad]
            ids.append(out)
    return ids


def agreement(a: list[dict[str, list[int]]], b: list[dict[str, list[int]]]) -> tuple[int, int, int, int]:
    """(tokens agreeing, tokens, sequences identical, sequences)."""
    same = total = identical = sequences = 0
    for x, y in zip(a, b, strict=True):
        for kind in ("summary", "headline"):
            total += max(len(x[kind]), len(y[kind]))
            same += sum(1 for p, q in zip(x[kind], y[kind], strict=False) if p == q)
            identical += x[kind] == y[kind]
            sequences += 1
    return same, total, identical, sequences


def drift(a: dict[str, list[list[float]]], b: dict[str, list[list[float]]]) -> tuple[float, float]:
    """The largest and the mean difference of the same tokens' log-probabilities."""
    gaps = [
        abs(p - q)
        for kind in ("summary", "headline")
        for x, y in zip(a[kind], b[kind], strict=True)
        for p, q in zip(x, y, strict=True)
    ]
    return max(gaps), sum(gaps) / len(gaps)


def child(mode: str, directory: Path, args: argparse.Namespace, reference: Path | None) -> dict[str, Any]:
    command = [sys.executable, __file__, "--child", mode, "--model-dir", str(directory)]
    command += [
        f"--{k.replace('_', '-')}={v}"
        for k, v in vars(args).items()
        if k not in ("child", "model_dir", "reference")
    ]
    if reference is not None:
        command.append(f"--reference={reference}")
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode:
        sys.exit(f"{mode} failed:\n{done.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=40)
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--summary-tokens", type=int, default=32)
    parser.add_argument("--headline-tokens", type=int, default=12)
    parser.add_argument("--threads", type=int, default=2, help="cores to use (the CI machines have 2)")
    parser.add_argument("--modes", default="naive,engine,int8,ct2,ct2-int8")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--model-dir", help=argparse.SUPPRESS)
    parser.add_argument("--cache", default="", help=argparse.SUPPRESS)
    parser.add_argument("--reference", default="", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.child:
        print(json.dumps(run_mode(args.child, Path(args.model_dir), args)))
        return

    modes = args.modes.split(",")
    with tempfile.TemporaryDirectory(prefix="digest-bench-") as tmp:
        directory = Path(tmp) / "pegasus-238m-random"
        args.cache = str(Path(tmp) / "cache")
        build_model(directory)
        if any(m.startswith("ct2") for m in modes):
            started = time.perf_counter()
            child("convert", directory, args, None)
            print(f"converted for CTranslate2 (float32 and int8) in {time.perf_counter() - started:.1f} s")
        reference_file = Path(tmp) / "engine-ids.json"
        # The torch engine runs first: its outputs are what the others are compared with and scored on.
        ordered = ["engine"] + [m for m in modes if m != "engine"]
        results: dict[str, dict[str, Any]] = {}
        for mode in ordered:
            reference = reference_file if mode != "engine" else None
            results[mode] = r = child(mode, directory, args, reference)
            if mode == "engine":
                reference_file.write_text(json.dumps(r["ids"]))
            print(
                f"{mode:<9} {r['articles'] / r['seconds']:6.2f} articles/s  ({r['seconds']:.1f} s, "
                f"peak RSS {r['peak_rss_mb']:.0f} MB)",
                flush=True,
            )
    report(results, args)


def report(results: dict[str, dict[str, Any]], args: argparse.Namespace) -> None:
    print(
        f"\n{args.articles} articles, {args.summary_tokens}+{args.headline_tokens} new tokens each, "
        f"batch size {args.batch_size}, {args.threads} cores, greedy"
    )
    naive, engine = results.get("naive"), results["engine"]
    columns = f"{'mode':<9} {'art/s':>6} {'x naive':>8} {'x engine':>9} {'peak MB':>8}"
    print(f"{columns}  identical to engine   log-prob drift max / mean   torch loaded")
    for mode, r in results.items():
        speed = r["articles"] / r["seconds"]
        vs_naive = f"{naive['seconds'] / r['seconds']:.2f}" if naive else "-"
        vs_engine = engine["seconds"] / r["seconds"]
        same, total, identical, sequences = agreement(engine["ids"], r["ids"])
        shift = "-"
        if r.get("scores") and mode != "engine":
            worst, mean = drift(r["scores"], engine["scores"])
            shift = f"{worst:.2g} / {mean:.2g}"
        print(
            f"{mode:<9} {speed:6.2f} {vs_naive:>8} {vs_engine:9.2f} {r['peak_rss_mb']:8.0f}  "
            f"{identical:>3}/{sequences} ({100 * same / total:5.1f}% tokens) {shift:<25} {r['torch_loaded']}"
        )


if __name__ == "__main__":
    main()
