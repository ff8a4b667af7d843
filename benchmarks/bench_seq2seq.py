"""Speed of the seq2seq engine against the naive way, on a model with the default profile's exact size.

The model is Pegasus with Randeng-Pegasus-238M's dimensions (d_model 768, 12+12 layers, 12 heads, FFN
3072, vocabulary 50,000), randomly initialised — no weights can be downloaded here, and speed does not
depend on what the weights learned. It is saved to a temporary folder and loaded through digest's own
loading code. The input is the sample page's five articles repeated to 40, fitted to the profile's
128-token budget, encoded once: both runs see identical input token ids.

- naive: what a user writes first — one `generate` call per article and per output (summary, then
  headline, each encoding the article again), float32;
- engine: digest's Seq2SeqSummariser — articles sorted by length into batches, inference mode, one
  encoder pass per batch for both outputs.

Generation settings are equal (greedy, the profile's repetition guards) and output lengths are forced
(min = max new tokens), since random weights never stop on their own. Each mode runs in its own process
so that its peak memory (max RSS) is its own. The int8 option is measured the same way; its quality is
unverified until a trained model can be compared.

Run: python benchmarks/bench_seq2seq.py [--articles 40] [--batch-size 8] [--summary-tokens 32]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

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


def run_mode(mode: str, directory: Path, args: argparse.Namespace) -> dict[str, object]:
    """Runs in a child process: load, encode, generate; report ids, time and peak memory."""
    import torch

    from digest.ingest.extract import extract
    from digest.ingest.segment import segment
    from digest.models import RawInput
    from digest.summarise.loading import RuntimeOptions, load
    from digest.summarise.profiles import PROFILES
    from digest.summarise.seq2seq import Seq2SeqSummariser

    torch.set_num_threads(args.threads)
    profile = PROFILES["randeng-pegasus-238m"]
    settings = replace(
        profile.generation,
        num_beams=1,
        summary_max_new_tokens=args.summary_tokens,
        summary_min_new_tokens=args.summary_tokens,
        headline_max_new_tokens=args.headline_tokens,
        headline_min_new_tokens=args.headline_tokens,
    )
    options = RuntimeOptions(device="cpu", dtype="float32", quantize="int8" if mode == "int8" else "none")
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
        ids: list[dict[str, list[int]]] = []
        model = loaded.model
        with torch.no_grad():
            for row in encoded:
                out: dict[str, list[int]] = {}
                for kind in ("summary", "headline"):
                    tensor = torch.tensor([row], dtype=torch.long)
                    generated = model.generate(
                        input_ids=tensor,
                        attention_mask=torch.ones_like(tensor),
                        **engine._generate_kwargs(kind, settings, []),  # type: ignore[arg-type]
                    )
                    out[kind] = [t for t in generated[0].tolist() if t != loaded.tokenizer.pad_token_id]
                ids.append(out)
    else:
        ids = engine.generate_ids(encoded, ("summary", "headline"), settings)
    elapsed = time.perf_counter() - start
    return {
        "mode": mode,
        "seconds": elapsed,
        "articles": len(encoded),
        "input_tokens": sum(len(r) for r in encoded),
        "ids": ids,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def agreement(a: list[dict[str, list[int]]], b: list[dict[str, list[int]]]) -> tuple[int, int]:
    same = total = 0
    for x, y in zip(a, b, strict=True):
        for kind in ("summary", "headline"):
            total += max(len(x[kind]), len(y[kind]))
            same += sum(1 for p, q in zip(x[kind], y[kind], strict=False) if p == q)
    return same, total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=40)
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--summary-tokens", type=int, default=32)
    parser.add_argument("--headline-tokens", type=int, default=12)
    parser.add_argument("--threads", type=int, default=2, help="torch threads (the CI machines have 2 cores)")
    parser.add_argument("--modes", default="naive,engine,int8")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--model-dir", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.child:
        print(json.dumps(run_mode(args.child, Path(args.model_dir), args)))
        return

    with tempfile.TemporaryDirectory(prefix="digest-bench-") as tmp:
        directory = Path(tmp) / "pegasus-238m-random"
        build_model(directory)
        results = {}
        for mode in args.modes.split(","):
            command = [sys.executable, __file__, "--child", mode, "--model-dir", str(directory)]
            command += [
                f"--{k.replace('_', '-')}={v}"
                for k, v in vars(args).items()
                if k not in ("child", "model_dir")
            ]
            done = subprocess.run(command, capture_output=True, text=True, check=True)
            results[mode] = json.loads(done.stdout.strip().splitlines()[-1])
            r = results[mode]
            print(
                f"{mode:<7} {r['articles'] / r['seconds']:6.2f} articles/s  ({r['seconds']:.1f} s, "
                f"peak RSS {r['peak_rss_mb']:.0f} MB)",
                flush=True,
            )
    naive = results.get("naive")
    print(
        f"\n{args.articles} articles, {args.summary_tokens}+{args.headline_tokens} new tokens each, "
        f"batch size {args.batch_size}, {args.threads} threads, float32 unless int8"
    )
    for mode in ("engine", "int8"):
        if naive and mode in results:
            ratio = naive["seconds"] / results[mode]["seconds"]
            same, total = agreement(naive["ids"], results[mode]["ids"])
            note = "  (int8 quality unverified)" if mode == "int8" else ""
            print(
                f"{mode}/naive speed ratio {ratio:5.2f}x; generated tokens agreeing with naive: "
                f"{same}/{total} ({100 * same / total:.1f}%){note}"
            )


if __name__ == "__main__":
    main()
