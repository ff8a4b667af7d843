"""Speed of the ingest stages and of the extractive engine on the sample page, on one core.

Each figure is compared, in the same run, with the naive way a user would write it:
- text pages: our decode + clean + segment, for UTF-8 and for GB18030 with CRLF line ends;
- PDF pages: our layout-aware extraction against pdfminer's plain `extract_text` (which knows no
  headlines, captions or columns) — the price of the layout, not a speed-up;
- the extractive engine against the same TextRank written the obvious way: jieba's default mode
  (with its HMM for unknown words), a dense PageRank with a fixed iteration count, and no reuse of
  the sentence segmentation between summary and headline;
- segmentation of the development pages (tests/data/pages: many house styles) against the obvious
  one-cue way, splitting at lead lines (本报讯, 新华社…电): speed, article boundary F1, and how much
  of the printed text each leaves out of every article and every page field.

Run: python benchmarks/bench_ingest.py [--seconds 2]
"""

from __future__ import annotations

import argparse
import io
import math
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import jieba  # noqa: E402
from pdfminer.high_level import extract_text  # noqa: E402

from digest.ingest.cues import LEAD_AT_START  # noqa: E402
from digest.ingest.extract import extract  # noqa: E402
from digest.ingest.segment import segment, segment_page  # noqa: E402
from digest.models import Article, RawInput  # noqa: E402
from digest.shipped import SAMPLE_PAGE  # noqa: E402
from digest.summarise import extractive, headline  # noqa: E402
from digest.summarise.extractive import ExtractiveSummariser  # noqa: E402
from digest.summarise.sentences import clear_word_cache, split_sentences  # noqa: E402
from tests.ingest.dev_pages import PAGES, Score, boundaries, compact, golden, page_text  # noqa: E402
from tests.ingest.pdf_builder import build_page_pdf  # noqa: E402  (reportlab, from the test extra)

SAMPLE = SAMPLE_PAGE  # the sample page the tests read


def rate(work: Callable[[], object], seconds: float) -> float:
    """Calls per second, after one warm-up call, over at least ``seconds``."""
    work()
    calls, start = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - start) < seconds:
        work()
        calls += 1
    return calls / elapsed


def naive_textrank(words: list[list[str]]) -> list[float]:
    """PageRank as first written: a dense weight matrix and a fixed 40 iterations."""
    n = len(words)
    sets = [set(w) for w in words]
    norms = [math.log(len(s) + 1) for s in sets]
    weights = [[0.0] * n for _ in range(n)]
    for i in range(n):
        for j in range(i + 1, n):
            if norms[i] and norms[j]:
                weights[i][j] = weights[j][i] = len(sets[i] & sets[j]) / (norms[i] + norms[j])
    out_sums = [sum(row) for row in weights]
    scores = [1.0 / n] * n
    for _ in range(40):
        scores = [
            0.15 / n + 0.85 * sum(weights[j][i] / out_sums[j] * scores[j] for j in range(n) if out_sums[j])
            for i in range(n)
        ]
    return scores


def naive_extractive(articles: list[Article]) -> None:
    """TextRank as commonly written: jieba's default mode (with its HMM), dense PageRank, and every
    sentence cut again where it is needed."""
    for article in articles:
        sentences = split_sentences(article.text)
        words = [[w for w in jieba.lcut(s) if len(w) > 1] for s in sentences]
        scores = naive_textrank(words)
        ranked = sorted(range(len(sentences)), key=lambda i: -scores[i])
        summary, used = [], 0
        for i in ranked:
            if used + len(sentences[i]) <= 120:
                summary.append(i)
                used += len(sentences[i])
        # The headline pass segments the lead's clauses again.
        for clause in sentences[0].split("，"):
            jieba.lcut(clause)


def naive_segment(lines: tuple[str, ...]) -> list[Article]:
    """Articles as a one-cue segmenter finds them: each opens at a lead line and runs to the next."""
    articles: list[list[str]] = []
    for line in lines:
        text = line.strip()
        match = LEAD_AT_START.match(text)
        if match is not None:
            articles.append([text[match.end() :]])
        elif articles and text:
            articles[-1].append(text)
    return [Article(index=n, paragraphs=("".join(a),)) for n, a in enumerate(articles, start=1)]


def segmentation_quality(seconds: float) -> None:
    """Ours against the one-cue way on the development pages: speed, F1, text left out."""
    pages = [page_text(path) for path in PAGES]
    expected = [golden(path)["articles"] for path in PAGES]
    printed = sum(len(compact("".join(page.lines))) for page in pages)

    def ours_all() -> None:
        for page in pages:
            segment_page(page)

    def naive_all() -> None:
        for page in pages:
            naive_segment(page.lines)

    ours_score, naive_score = Score(), Score()
    ours_lost = naive_lost = 0
    for page, gold in zip(pages, expected, strict=True):
        found = segment_page(page)
        score = boundaries(found.articles, gold)
        ours_score = Score(
            ours_score.found + score.found,
            ours_score.expected + score.expected,
            ours_score.right + score.right,
        )
        ours_lost += sum(len(compact(text)) for text in found.page.unplaced)
        naive = naive_segment(page.lines)
        score = boundaries(tuple(naive), gold)
        naive_score = Score(
            naive_score.found + score.found,
            naive_score.expected + score.expected,
            naive_score.right + score.right,
        )
        kept = sum(len(compact(a.text)) for a in naive)
        naive_lost += max(0, len(compact("".join(page.lines))) - kept)
    ours_rate = rate(ours_all, seconds) * len(pages)
    naive_rate = rate(naive_all, seconds) * len(pages)
    print()
    print(f"segmentation of the {len(pages)} development pages (many house styles)")
    print(
        f"  digest            {ours_rate:8.1f} pages/s   article F1 {ours_score.f1:.3f}   "
        f"unplaced {ours_lost / printed:6.2%} of the text (kept and reported)"
    )
    print(
        f"  split at leads    {naive_rate:8.1f} pages/s   article F1 {naive_score.f1:.3f}   "
        f"not in any article {naive_lost / printed:6.2%} of the text dropped (what no lead opens)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=2.0, help="time per measurement")
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core, as the targets say

    text = SAMPLE.read_text(encoding="utf-8")
    utf8 = RawInput("sample.txt", text.encode("utf-8"), ".txt")
    gb = RawInput("sample.txt", text.replace("\n", "\r\n").encode("gb18030"), ".txt")
    articles = segment(extract(utf8))

    print(f"sample page: {len(text)} characters, {len(articles)} articles; one core")
    print()
    print("extract + clean + segment (text page)")
    for label, raw in (("UTF-8", utf8), ("GB18030 + CRLF", gb)):
        pages = rate(lambda raw=raw: segment(extract(raw)), args.seconds)
        verdict = "meets" if pages >= 200 else "MISSES"
        print(f"  {label:<16} {pages:8.1f} pages/s   ({verdict} the 200 pages/s target)")

    pdf = RawInput("sample.pdf", build_page_pdf(), ".pdf")
    ours = rate(lambda: segment(extract(pdf)), args.seconds)
    naive = rate(lambda: extract_text(io.BytesIO(pdf.data)), args.seconds)
    print()
    print("PDF page (extract + clean + segment, layout-aware)")
    print(f"  digest            {ours:8.1f} pages/s")
    print(f"  pdfminer text     {naive:8.1f} pages/s   (plain extract_text, no segmentation)")
    print(f"  ratio             {ours / naive:8.2f}x")

    segmentation_quality(args.seconds)

    print()
    print("extractive engine")
    engine = ExtractiveSummariser()

    def ours_cold() -> None:
        # Cold sentences, not a warm cache from earlier runs: jieba's words and their tags are cut again.
        extractive._cut_cached.cache_clear()
        headline._words.cache_clear()
        clear_word_cache()
        engine.summarise(articles)

    ours_rate = rate(ours_cold, args.seconds) * len(articles)
    naive_rate = rate(lambda: naive_extractive(articles), args.seconds) * len(articles)
    print(f"  digest            {ours_rate:8.1f} articles/s")
    print(f"  naive TextRank    {naive_rate:8.1f} articles/s")
    print(f"  ratio             {ours_rate / naive_rate:8.2f}x")
    if not math.isfinite(ours_rate):
        raise SystemExit("measurement failed")


if __name__ == "__main__":
    main()
