"""How close the extractive engine's headlines come to an editor's, on invented county-paper articles.

The development set (tests/data/headlines/articles.json) holds short articles in the house styles of
Chinese county and city papers, each with the headline an experienced editor would print: the answer
key, written independently of any algorithm. Every article goes through the segmenter as an article
page (``single_article``, paragraphs indented as printed), so the lead (本报讯（记者 …）) and a
closing byline are taken off exactly as the bot would; its printed headline is then cleared so that
the engine must write one. Compared, by character-level ROUGE-L F1 against the editor's headline
(punctuation and spaces ignored):

- extractive: ``ExtractiveSummariser().summarise([article])[0].headline`` (headline_max_chars 30);
- opening: the first 30 characters of the article's text;
- opening clause: the first sentence up to its first ，。；;
- best clause (oracle): the clause of the article closest to the editor's headline, the ceiling of
  any method that picks one clause as printed.

Printed: per method the mean ROUGE-L F1, the share of headlines cut (ending in …) and their mean
length; then per kind of article (meeting, inspection, …) the mean F1 of each method; with --show N,
the N items where the extractive headline is furthest from the editor's.

Run: python benchmarks/bench_headlines.py [--show 10] [--data tests/data/headlines/articles.json]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from digest.errors import DigestError  # noqa: E402
from digest.ingest.segment import segment  # noqa: E402
from digest.models import Article, DocumentKind, PageText  # noqa: E402
from digest.summarise import extractive as extractive_module  # noqa: E402
from digest.summarise.extractive import ExtractiveSummariser  # noqa: E402
from digest.summarise.sentences import ELLIPSIS, split_clauses, split_sentences  # noqa: E402

DATA = ROOT / "tests" / "data" / "headlines" / "articles.json"
HEADLINE_MAX_CHARS = 30  # the extractive engine's default headline_max_chars
INDENT = "\u3000\u3000"  # a printed paragraph's indent: two full-width spaces
_FIRST_CLAUSE_END = re.compile(r"[，。；]")


@dataclass(frozen=True, slots=True)
class Item:
    """One article of the development set, as the bot would see it, with the editor's headline."""

    id: str
    kind: str
    title: str
    article: Article
    segmented: bool  # False: segmentation failed and the article is the raw paragraphs


def rouge_l(candidate: str, reference: str) -> float:
    """Character-level ROUGE-L F1 of ``candidate`` against ``reference``.

    Both texts are compared as sequences of letters, digits and CJK characters (``str.isalnum``):
    punctuation, the ellipsis and spaces are dropped first. With L the length of their longest common
    subsequence, precision is L / len(candidate), recall L / len(reference), and the result their
    harmonic mean (beta = 1); 0.0 when either is empty or they share nothing.
    """
    cand = [c for c in candidate if c.isalnum()]
    ref = [c for c in reference if c.isalnum()]
    if not cand or not ref:
        return 0.0
    # LCS by dynamic programming, one row at a time: row[j] is the LCS of the candidate so far and ref[:j].
    row = [0] * (len(ref) + 1)
    for c in cand:
        diagonal = 0  # the previous row's value at j - 1
        for j, r in enumerate(ref, start=1):
            above = row[j]
            row[j] = diagonal + 1 if c == r else max(above, row[j - 1])
            diagonal = above
    lcs = row[-1]
    if lcs == 0:
        return 0.0
    precision, recall = lcs / len(cand), lcs / len(ref)
    return 2 * precision * recall / (precision + recall)


def as_article(item_id: str, text: str) -> tuple[Article, bool]:
    """The article the bot would summarise: the text segmented as an article page, with paragraphs
    indented as printed so that each stays a paragraph; the raw paragraphs if segmentation fails
    (then False)."""
    paragraphs = [p for p in text.split("\n") if p.strip()]
    page = PageText(
        source=item_id,
        kind=DocumentKind.TEXT,
        lines=tuple(INDENT + p for p in paragraphs),
        single_article=True,
    )
    try:
        articles = segment(page)
    except (DigestError, ValueError):
        articles = []
    if len(articles) != 1:
        return Article(index=1, paragraphs=tuple(paragraphs)), False
    return articles[0], True


def load(path: Path) -> list[Item]:
    records = json.loads(path.read_text(encoding="utf-8"))
    return [Item(r["id"], r["kind"], r["title"], *as_article(r["id"], r["text"])) for r in records]


def extractive(items: Sequence[Item]) -> list[str]:
    engine = ExtractiveSummariser(headline_max_chars=HEADLINE_MAX_CHARS)
    unheaded = [replace(item.article, page_headline=None) for item in items]
    return [summary.headline for summary in engine.summarise(unheaded)]


def clause_by_weight(items: Sequence[Item]) -> list[str]:
    """The method before the event headline (issue 12): the lead clause with the most frequent words."""
    real = extractive_module.event_headline
    extractive_module.event_headline = lambda sentences, limit: None  # type: ignore[assignment]
    try:
        return extractive(items)
    finally:
        extractive_module.event_headline = real  # type: ignore[assignment]


def opening(items: Sequence[Item]) -> list[str]:
    return ["".join(item.article.paragraphs)[:HEADLINE_MAX_CHARS] for item in items]


def opening_clause(items: Sequence[Item]) -> list[str]:
    out = []
    for item in items:
        sentences = split_sentences(item.article.text)
        first = sentences[0] if sentences else ""
        out.append(_FIRST_CLAUSE_END.split(first, maxsplit=1)[0])
    return out


def best_clause(items: Sequence[Item]) -> list[str]:
    out = []
    for item in items:
        clauses = [c for s in split_sentences(item.article.text) for c in split_clauses(s)]
        out.append(max(clauses, key=lambda c: rouge_l(c, item.title), default=""))
    return out


METHODS: dict[str, Callable[[Sequence[Item]], list[str]]] = {
    "extractive": extractive,
    "clause by weight (old)": clause_by_weight,
    "opening": opening,
    "opening clause": opening_clause,
    "best clause (oracle)": best_clause,
}


def mean(values: Sequence[float]) -> float:
    return sum(values) / len(values) if values else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA, help="the development set (JSON)")
    parser.add_argument("--show", type=int, default=0, metavar="N", help="the N worst extractive headlines")
    args = parser.parse_args()
    start = time.perf_counter()
    items = load(args.data)
    fallbacks = sum(1 for item in items if not item.segmented)
    headlines = {name: method(items) for name, method in METHODS.items()}
    scores = {
        name: [rouge_l(h, item.title) for h, item in zip(made, items, strict=True)]
        for name, made in headlines.items()
    }
    elapsed = time.perf_counter() - start

    kinds = sorted({item.kind for item in items})
    shown = args.data.resolve()
    where = shown.relative_to(ROOT) if shown.is_relative_to(ROOT) else shown
    print(f"{len(items)} articles, {len(kinds)} kinds ({where})")
    leads = sum(1 for item in items if item.article.lead)
    print(f"  segmented: {len(items) - fallbacks} (lead taken off: {leads}), raw paragraphs: {fallbacks}")
    print()
    print(f"{'method':<22} {'ROUGE-L F1':>10} {'cut (…)':>8} {'mean len':>9}")
    for name, made in headlines.items():
        cut = mean([1.0 if h.endswith(ELLIPSIS) else 0.0 for h in made])
        length = mean([float(len(h)) for h in made])
        print(f"{name:<22} {mean(scores[name]):>10.3f} {cut:>8.0%} {length:>9.1f}")
    titles = mean([float(len(item.title)) for item in items])
    print(f"{'editor (reference)':<22} {'':>10} {'':>8} {titles:>9.1f}")
    print()
    short = {
        "extractive": "extr.",
        "opening": "open.",
        "opening clause": "clause",
        "best clause (oracle)": "oracle",
    }
    print(f"{'kind':<12} {'n':>3} " + " ".join(f"{short[name]:>7}" for name in METHODS))
    for kind in kinds:
        picked = [k for k, item in enumerate(items) if item.kind == kind]
        means = [mean([scores[name][k] for k in picked]) for name in METHODS]
        print(f"{kind:<12} {len(picked):>3} " + " ".join(f"{m:>7.3f}" for m in means))
    if args.show > 0:
        print()
        print(f"the {args.show} worst extractive headlines (F1, editor's headline / extractive headline):")
        worst = sorted(range(len(items)), key=lambda k: (scores["extractive"][k], items[k].id))
        for k in worst[: args.show]:
            item = items[k]
            print(f"  {scores['extractive'][k]:.3f}  {item.id:<14} {item.title}")
            print(f"  {'':5}  {'':<14} {headlines['extractive'][k]}")
    print()
    print(f"time: {elapsed:.2f} s")


if __name__ == "__main__":
    main()
