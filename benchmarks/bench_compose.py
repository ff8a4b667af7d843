"""Composing 1,000 briefings over a store of 10,000 and of 50,000 articles, with the watermark.

A fresh SQLite store gets N articles (not timed): 10 papers, 500 articles a day, issue by issue,
each with a summary, the days running up to the briefing's day. 1,000 subscribers each follow one
paper with a three-day look-back. Timed: ``brief`` for every subscriber (compose what they were
not briefed on yet, fold duplicates, render, save with the briefed articles, plan nothing: no
channels), then a second round the same day (which must find every briefing saved), then the next
day's round (which must hold only what came in since). Printed: time, briefings per second, peak
traced memory, and how the time grows from 10,000 to 50,000 stored articles; compared, in the same
run, with composing by the day alone (the pre-watermark query: no look-back, no briefed check).

Run: python benchmarks/bench_compose.py [--subscribers 1000]
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from digest.briefing.daily import BriefOutcome, brief  # noqa: E402
from digest.briefing.subscribers import SubscriberSettings  # noqa: E402
from digest.models import Article, RawInput, Summary  # noqa: E402
from digest.sources.base import FetchedDocument  # noqa: E402
from digest.store import Store, open_store  # noqa: E402

DAY = dt.date(2024, 8, 1)
PAPERS = [f"县报{n}" for n in range(10)]
PER_DAY = 500
PER_ISSUE = 10


def _distinct_text(n: int) -> str:
    """About 200 characters of running text, different for every ``n`` (not near-duplicates)."""
    chars = []
    state = n * 2654435761 % 2**32 or 1
    for _ in range(200):
        state = (state * 1103515245 + 12345) % 2**31
        chars.append(chr(0x4E00 + state % 3000))
    return "".join(chars) + "。"


def filled_store(folder: Path, total: int) -> Store:
    store = open_store(f"sqlite:///{folder / f'compose-{total}.db'}")
    days = total // PER_DAY
    n = 0
    for back in range(days - 1, -1, -1):
        day = DAY - dt.timedelta(days=back)
        fetched = dt.datetime.combine(day, dt.time(1), tzinfo=dt.UTC)
        for issue in range(PER_DAY // PER_ISSUE):
            paper = PAPERS[issue % len(PAPERS)]
            articles = []
            for position in range(1, PER_ISSUE + 1):
                n += 1
                text = _distinct_text(n)
                articles.append(Article(index=position, paragraphs=(text,)))
            locator = f"{paper}/{day.isoformat()}/{issue}.txt"
            doc = FetchedDocument("bench", paper, locator, RawInput(locator, b""), day)
            store.record_document(doc, f"h{n}", articles, now=fetched)
        pending = store.pending_articles(100_000)
        store.save_summaries(
            [(p.id, Summary(f"标题{p.id}", p.article.text, "extractive")) for p in pending], now=fetched
        )
    return store


def readers(count: int) -> list[SubscriberSettings]:
    return [SubscriberSettings(name=f"r{n:05d}", papers=[PAPERS[n % len(PAPERS)]]) for n in range(count)]


def brief_all(
    store: Store, people: list[SubscriberSettings], day: dt.date
) -> tuple[float, list[BriefOutcome]]:
    now = dt.datetime.combine(day, dt.time(8), tzinfo=dt.UTC)
    start = time.perf_counter()
    outcomes = [brief(store, person, day, {}, now=now) for person in people]
    return time.perf_counter() - start, outcomes


def by_day_only(store: Store, people: list[SubscriberSettings], day: dt.date) -> float:
    """The pre-watermark composition: the day's articles of the subscriber's paper, nothing more."""
    start = time.perf_counter()
    for person in people:
        store.articles_for_day(day, person.papers, tz=person.zone)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subscribers", type=int, default=1000)
    args = parser.parse_args()
    people = readers(args.subscribers)
    timings: dict[int, float] = {}
    with tempfile.TemporaryDirectory() as folder:
        for total in (10_000, 50_000):
            store = filled_store(Path(folder), total)
            naive = by_day_only(store, people, DAY)
            tracemalloc.start()
            first, _ = brief_all(store, people, DAY)
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            again, repeated = brief_all(store, people, DAY)
            assert all(o is BriefOutcome.UNCHANGED for o in repeated), "a saved briefing was composed again"
            timings[total] = first
            print(f"{total:,} stored articles, {len(people):,} subscribers (one paper each, 3-day look-back)")
            rate, megabytes = len(people) / first, peak / 1e6
            print(f"  brief, watermark   {first:7.2f} s  {rate:7.1f} briefings/s  (peak {megabytes:.1f} MB)")
            print(f"  again, same day    {again:7.2f} s  (every briefing found saved)")
            print(
                f"  by the day only    {naive:7.2f} s  {len(people) / naive:7.1f} queries/s  (the old query)"
            )
            store.close()
    growth = timings[50_000] / timings[10_000]
    print(f"growth 10,000 -> 50,000 stored articles: {growth:.2f}x the time for 5x the articles")


if __name__ == "__main__":
    main()
