"""Time and peak memory of `digest summarise` (extract, segment, summarise with the extractive engine)
for inputs of 10 KB to 50 MB, ordinary and hostile, against the naive way in the same run.

- ordinary: the sample county page repeated (many pages' worth of articles in one text);
- hostile: one article whose every sentence shares a word (清河县), the case that made sentence
  ranking quadratic.

Each measurement runs in a fresh child process (peak memory is its ru_maxrss, the imports
included; "baseline" is a child that only imports), capped at 2 GiB of address space and 300 s.
The engine is digest as it is; the naive way is the same code with its two bounds lifted: every
sentence of an article ranked (MAX_RANKED_SENTENCES) and any text segmented whole (PART_LINES).
The naive way is run up to 1 MB only: past that it is minutes and gigabytes.

Run: python benchmarks/bench_limits.py [--sizes 10000,100000,1000000,10000000,50000000]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "digest" / "sample" / "000_0ebbebed01f08da6.txt"  # children import digest, not this
MEMORY_CAP = 2 * 1024**3
TIME_CAP = 300
NAIVE_UP_TO = 1_000_000

# The child: read the file as `digest summarise` does, digest it, print seconds and peak RSS.
CHILD = """
import json, resource, sys, time
resource.setrlimit(resource.RLIMIT_AS, ({cap}, {cap}))
sys.path.insert(0, {root!r})
from digest.ingest import long_text
from digest.ingest.sources import read_input
from digest.pipeline import digest_page
from digest.summarise import extractive
from digest.summarise.extractive import ExtractiveSummariser
if {naive}:
    extractive.MAX_RANKED_SENTENCES = 10**9
    long_text.PART_LINES = 10**9
path = {path!r}
started = time.perf_counter()
if path:
    page = digest_page(read_input(path), ExtractiveSummariser())
    articles = len(page.articles)
else:
    articles = 0
seconds = time.perf_counter() - started
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
print(json.dumps({{"seconds": seconds, "peak": peak, "articles": articles}}))
"""


def text_of(kind: str, size: int) -> bytes:
    """``size`` bytes of UTF-8 text of the given kind, cut at a character boundary."""
    if kind == "hostile":
        line = "".join(f"清河县第{i}号工作组今天下乡走访了{i % 97}户农民。" for i in range(10))
        text = "本报讯 " + "\n".join([line] * (size // len(line.encode()) + 1))
    else:
        page = SAMPLE.read_text(encoding="utf-8")
        text = "\n".join([page] * (size // len(page.encode()) + 1))
    return text.encode("utf-8")[:size].decode("utf-8", "ignore").encode("utf-8")


def measure(path: str, *, naive: bool) -> dict[str, float] | str:
    code = CHILD.format(cap=MEMORY_CAP, root=str(ROOT), naive=naive, path=path)
    try:
        done = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, timeout=TIME_CAP, check=False
        )
    except subprocess.TimeoutExpired:
        return f"over {TIME_CAP} s"
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["?"])[-1]
        return "over 2 GiB" if "MemoryError" in done.stderr else f"failed: {last[:60]}"
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def shown(result: dict[str, float] | str) -> str:
    if isinstance(result, str):
        return f"{result:>24}"
    return f"{result['seconds']:8.2f} s {result['peak'] / 2**20:7.0f} MB"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000,1000000,10000000,50000000")
    sizes = [int(s) for s in parser.parse_args().sizes.split(",")]
    baseline = measure("", naive=False)
    print(f"baseline (imports only): {shown(baseline)}")
    print(f"{'input':>22} {'engine':>24} {'naive':>24}  articles")
    with tempfile.TemporaryDirectory() as folder:
        for kind in ("ordinary", "hostile"):
            per_mb: list[tuple[int, float]] = []
            for size in sizes:
                path = Path(folder) / f"{kind}-{size}.txt"
                path.write_bytes(text_of(kind, size))
                engine = measure(str(path), naive=False)
                naive = measure(str(path), naive=True) if size <= NAIVE_UP_TO else "not run"
                count = int(engine["articles"]) if isinstance(engine, dict) else 0
                print(f"{kind:>9} {size / 1e6:9.2f} MB {shown(engine)} {shown(naive)}  {count}")
                if isinstance(engine, dict):
                    per_mb.append((size, engine["seconds"] / (size / 1e6)))
                path.unlink()
            if len(per_mb) >= 2:
                (small, first), (large, last) = per_mb[-2], per_mb[-1]
                print(
                    f"{kind:>9} growth: {last / first:.2f}x the time per MB from {small / 1e6:g} MB "
                    f"to {large / 1e6:g} MB (1.00x: linear)"
                )


if __name__ == "__main__":
    main()
