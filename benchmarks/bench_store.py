"""Speed of storing issues: record_document against the naive way, in the same run.

1,000 distinct copies of the sample page (each with a marker line, so every hash differs) are
segmented first (not timed), then stored into a fresh SQLite file:
- the store: one transaction per document (lookups, issue row, all article rows in one executemany);
- the naive way: the same rows through the sqlite3 module in autocommit mode, a commit after every
  statement (the lookup, the issue, each article), with the store's settings and with SQLite's defaults.

Run: python benchmarks/bench_store.py [--issues 1000]
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from digest.ingest.segment import segment  # noqa: E402
from digest.models import Article, DocumentKind, PageText, RawInput  # noqa: E402
from digest.shipped import SAMPLE_PAGE  # noqa: E402
from digest.sources.base import FetchedDocument  # noqa: E402
from digest.store import IngestOutcome, open_store  # noqa: E402
from digest.store.queries import _article_row  # noqa: E402

SAMPLE = SAMPLE_PAGE
NOW = dt.datetime(2024, 7, 26, 8, tzinfo=dt.UTC)

Batch = list[tuple[FetchedDocument, str, list[Article]]]


def build(count: int) -> Batch:
    text = SAMPLE.read_text(encoding="utf-8")
    batch: Batch = []
    for n in range(count):
        copy = f"{text}\n第{n:05d}期\n"
        data = copy.encode()
        articles = segment(PageText(f"page{n}.txt", DocumentKind.TEXT, tuple(copy.splitlines())))
        doc = FetchedDocument(
            "bench",
            "交城报",
            f"2024-07-26/page{n:05d}.txt",
            RawInput(f"page{n}.txt", data),
            dt.date(2024, 7, 26),
        )
        batch.append((doc, hashlib.sha256(data).hexdigest(), articles))
    return batch


def size_of(path: Path) -> int:
    return sum(p.stat().st_size for p in path.parent.glob(path.name + "*") if not p.name.endswith(".lock"))


def with_store(path: Path, batch: Batch) -> float:
    store = open_store(str(path))
    try:
        start = time.perf_counter()
        for doc, content_hash, articles in batch:
            outcome, _ = store.record_document(doc, content_hash, articles, now=NOW)
            assert outcome is IngestOutcome.NEW
        elapsed = time.perf_counter() - start
        return elapsed
    finally:
        store.close()


def naive(path: Path, batch: Batch, *, defaults: bool) -> float:
    """The same rows through the sqlite3 module, one commit per statement (the lookup, the issue, each
    article). ``defaults``: SQLite's own settings (rollback journal, synchronous=FULL) instead of the
    store's (WAL, synchronous=NORMAL)."""
    open_store(str(path)).close()  # the same schema
    conn = sqlite3.connect(path, isolation_level=None)  # autocommit: every statement commits
    if defaults:
        conn.execute("PRAGMA journal_mode=DELETE")
    else:
        conn.execute("PRAGMA synchronous=NORMAL")
    columns = list(_article_row(0, batch[0][2][0]))
    insert_article = f"INSERT INTO articles ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"  # noqa: S608
    try:
        start = time.perf_counter()
        for doc, content_hash, articles in batch:
            found = conn.execute(
                "SELECT id FROM issues WHERE source = ? AND locator = ? AND replaced_at IS NULL",
                (doc.source, doc.locator),
            ).fetchone()
            assert found is None
            cursor = conn.execute(
                "INSERT INTO issues (source, paper, locator, issue_date, edition, content_hash, fetched_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    doc.source,
                    doc.paper,
                    doc.locator,
                    str(doc.issue_date),
                    doc.edition,
                    content_hash,
                    str(NOW),
                ),
            )
            for article in articles:
                row = _article_row(cursor.lastrowid or 0, article)
                conn.execute(insert_article, [_plain(row[c]) for c in columns])
        return time.perf_counter() - start
    finally:
        conn.close()


def _plain(value: object) -> object:
    if isinstance(value, list):
        return json.dumps(value, ensure_ascii=False)
    return str(value) if isinstance(value, dt.date) else value


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--issues", type=int, default=1000)
    args = parser.parse_args()

    print(f"segmenting {args.issues} copies of {SAMPLE.name} (not timed)…")
    batch = build(args.issues)
    article_count = sum(len(a) for _, _, a in batch)
    with tempfile.TemporaryDirectory() as folder:
        folder_path = Path(folder)
        runs: list[tuple[str, Path, Callable[[Path], float]]] = [
            ("record_document", folder_path / "store.db", lambda p: with_store(p, batch)),
            ("naive, same settings", folder_path / "naive.db", lambda p: naive(p, batch, defaults=False)),
            ("naive, SQLite defaults", folder_path / "plain.db", lambda p: naive(p, batch, defaults=True)),
        ]
        print(f"{args.issues} issues, {article_count} articles; SQLite {sqlite3.sqlite_version}")
        times: list[float] = []
        for label, path, run in runs:
            seconds = run(path)
            times.append(seconds)
            rates = f"{args.issues / seconds:7.0f} issues/s {article_count / seconds:8.0f} articles/s"
            print(
                f"{label:>24}: {rates}"
                f"  ({seconds:5.2f} s, {times[0] and seconds / times[0]:4.1f}x the store's time,"
                f" database {size_of(path) / 1e6:.1f} MB)"
            )


if __name__ == "__main__":
    main()
