"""The reading room under a real HTTP client: /search, an issue, a briefing and the front page over a
store of 50,000 articles, on SQLite and (given a server) PostgreSQL.

The store (benchmarks/web_corpus.py): 8 papers, 400 issues of about 125 articles (62-187), invented
county-paper prose, nine articles in ten summarised, 32 briefings of 4 readers; all written through
the store (record_document, save_summaries, brief), so the search table is the one its triggers keep.
Then `digest serve` runs on it (uvicorn, a subprocess on 127.0.0.1) and one httpx client asks, one
request at a time over a kept-alive connection, with a read token, for:

- /search?q= for a two-character name, a 3- and a 4-character word, a phrase, two words, a name and
  a word, with a paper and a date range, terms that occur nowhere, a common two-character word and a
  single character (the last is outside the target);
- /issues/{id} of random issues, /briefings/{reader}/{date} of every briefing, and /.

Printed per kind: p50 and p95 of the HTTP request, of the store's part alone (search(), or the page's
queries) in this process, and of the naive search in the same run (LIKE '%term%' over the articles'
headline, summary and text, joined and sorted the obvious way, no search table), the naive/indexed
ratio and the hit counts, which must agree. Target (issue 15): /search p95 under 100 ms on SQLite.
On PostgreSQL it then compares pg_trgm with a jieba-tokenised tsvector (benchmarks/web_tsvector.py).

Run: .venv/bin/python benchmarks/bench_web.py [--articles 50000] [--rounds 40] [--postgres URL]
  (PostgreSQL: --postgres, or DIGEST_TEST_POSTGRES_URL as `eval "$(.ci/postgres.sh)"` sets it; a
  fresh schema each run. On 2 cores, about 5 minutes on SQLite at 50,000 articles, most of it filling
  the store, and 12-15 more with PostgreSQL and the comparison; --articles 5000 for a quick run.)
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import math
import os
import platform
import re
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from web_corpus import END, PAPERS, Plan, fill  # noqa: E402
from web_tsvector import compare_tsvector  # noqa: E402

from digest.store import Store, open_store, reading  # noqa: E402
from digest.store.queries import _ARTICLE_COLUMNS, CURRENT_ARTICLE, FRESH  # noqa: E402
from digest.store.schema import articles, briefings, issues, summaries  # noqa: E402
from digest.store.search import _like_pattern, issue_filters, search, terms_of  # noqa: E402
from tests.postgres_schema import fresh_schema  # noqa: E402

TOKEN = "bench-web-read-token"  # noqa: S105 - a throwaway token for a local server
TARGET_MS = 100.0
MONTH = {"from": (END - dt.timedelta(days=29)).isoformat(), "to": END.isoformat()}
# (what it is, the query string); the last one is not in the target.
QUERIES: list[tuple[str, dict[str, str]]] = [
    ("2-char name", {"q": "刘旋"}),
    ("3-char word", {"q": "合作社"}),
    ("4-char word", {"q": "乡村振兴"}),
    ("phrase (7 chars)", {"q": "高标准农田建设"}),
    ("two words", {"q": "安全生产 隐患排查"}),
    ("name + word", {"q": "刘旋 乡村振兴"}),
    ("word, paper+month", {"q": "乡村振兴", "paper": PAPERS[0], **MONTH}),
    ("name, paper", {"q": "刘旋", "paper": PAPERS[1]}),
    ("phrase, month", {"q": "高标准农田建设", **MONTH}),
    ("no hits, 4 chars", {"q": "量子纠缠"}),
    ("no hits, 2 chars", {"q": "鲲鹏"}),
    ("common 2-char", {"q": "工作"}),
    ("1 char (untargeted)", {"q": "县"}),
]
_FOUND = re.compile(r"找到 (\d+) 篇")


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def ms(values: list[float]) -> tuple[float, float]:
    return statistics.median(values) * 1000, percentile(values, 0.95) * 1000


def timed(call: Callable[[], Any], rounds: int) -> tuple[list[float], Any]:
    times, result = [], None
    for _ in range(rounds):
        start = time.perf_counter()
        result = call()
        times.append(time.perf_counter() - start)
    return times, result


def naive_search(
    conn: sa.Connection, query: str, *, paper: str | None, since: dt.date | None, until: dt.date | None
) -> int:
    """The obvious way: every term LIKE '%term%' over headline, summary and text (SQLite's LIKE
    folds ASCII case as the trigram index does; PostgreSQL: ILIKE), counted, then the newest page."""
    doc = (
        sa.func.coalesce(articles.c.page_headline, "")
        + "\n"
        + sa.func.coalesce(summaries.c.headline, "")
        + "\n"
        + sa.func.coalesce(summaries.c.summary, "")
        + "\n"
        + articles.c.text
    )
    like = doc.ilike if conn.dialect.name == "postgresql" else doc.like
    where = [
        CURRENT_ARTICLE,
        *(like(_like_pattern(t), escape="\\") for t in terms_of(query)),
        *issue_filters(paper, since, until),
    ]
    joined = articles.join(issues, articles.c.issue_id == issues.c.id).outerjoin(
        summaries, sa.and_(summaries.c.article_id == articles.c.id, FRESH)
    )
    total = conn.execute(sa.select(sa.func.count()).select_from(joined).where(*where)).scalar_one()
    page = sa.select(
        articles.c.id, issues.c.paper, issues.c.issue_date, *_ARTICLE_COLUMNS, summaries.c.headline
    )
    page = page.add_columns(summaries.c.summary).select_from(joined).where(*where)
    conn.execute(page.order_by(issues.c.issue_date.desc().nulls_last(), articles.c.id.desc()).limit(20)).all()
    return int(total)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def served(url: str, folder: Path) -> Iterator[httpx.Client]:
    """`digest serve` on the store at ``url``, and a client with a read token."""
    config = folder / "digest.toml"
    digest = hashlib.sha256(TOKEN.encode()).hexdigest()
    config.write_text(
        f'[store]\nurl = "{url}"\n\n[api]\n'
        f'tokens = [{{ name = "bench", scope = "read", sha256 = "{digest}" }}]\n'
        "\n[web]\npublic = false\npage_size = 20\n",
        encoding="utf-8",
    )
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "digest", "--config", str(config), "serve", "--port", str(port)],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    client = httpx.Client(
        base_url=f"http://127.0.0.1:{port}", headers={"Authorization": f"Bearer {TOKEN}"}, timeout=120
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if client.get("/healthz").status_code == 200:
                    break
            except httpx.TransportError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise SystemExit("digest serve did not start") from None
                time.sleep(0.2)
        yield client
    finally:
        client.close()
        server.terminate()
        server.wait(timeout=30)


def get(client: httpx.Client, path: str, params: dict[str, str] | None = None) -> str:
    answer = client.get(path, params=params)
    if answer.status_code != 200:
        raise SystemExit(f"{path} {params or ''} answered {answer.status_code}")
    return answer.text


def _day(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def measure_search(store: Store, client: httpx.Client, rounds: int, naive_rounds: int) -> float:
    """Each query kind over HTTP, in process, and the naive way; the worst p95 within the target."""
    print(
        f"  {'/search':<20} {'hits':>6}  {'HTTP p50/p95 ms':>16}  {'search() p50/p95':>16}"
        f"  {'naive p50/p95':>16}  naive/search"
    )
    worst = 0.0
    for label, params in QUERIES:
        get(client, "/search", params)  # warm: first use of a term
        http, html = timed(lambda p=params: get(client, "/search", p), rounds)  # type: ignore[misc]
        shown = _FOUND.search(html)
        args = {
            "paper": params.get("paper"),
            "since": _day(params.get("from")),
            "until": _day(params.get("to")),
        }
        inner, page = timed(lambda p=params, a=args: store.read(search, p["q"], **a), rounds)  # type: ignore[misc]
        naive, total = timed(lambda p=params, a=args: store.read(naive_search, p["q"], **a), naive_rounds)  # type: ignore[misc]
        agree = (
            ""
            if page.total == total and shown and int(shown.group(1)) == total
            else f"  MISMATCH (naive {total})"
        )
        (h50, h95), (s50, s95), (n50, n95) = ms(http), ms(inner), ms(naive)
        if "untargeted" not in label:
            worst = max(worst, h95)
        print(
            f"  {label:<20} {page.total:>6}  {h50:7.1f} {h95:7.1f}   {s50:7.1f} {s95:7.1f}"
            f"   {n50:7.0f} {n95:7.0f}"
            f"   {n50 / s50:8.0f}x{agree}"
        )
    return worst


def measure_pages(store: Store, client: httpx.Client, rounds: int) -> None:
    """The issue, briefing and front pages: HTTP, and the store's queries behind each in process."""
    with store.engine.connect() as conn:
        ids = [r.id for r in conn.execute(sa.select(issues.c.id).order_by(sa.func.random()).limit(rounds))]
        days = [
            (r.subscriber, r.day) for r in conn.execute(sa.select(briefings.c.subscriber, briefings.c.day))
        ]
    sizes = [len(a.articles) for a in (store.issue(i) for i in ids[:10]) if a]
    picks = [days[n % len(days)] for n in range(rounds)]

    def one_briefing(who: str, day: dt.date) -> None:
        saved = store.read(reading.briefings_of_day, who, day)
        wanted = [int(a["article_id"]) for b in saved for g in b.content["issues"] for a in g["articles"]]
        store.read(reading.summaries_by_id, wanted)

    def front() -> None:
        store.read(reading.latest_issues, 5)
        store.read(reading.latest_briefings, 20)

    cases: list[tuple[str, list[str], Callable[[int], Any]]] = [
        (
            f"/issues/{{id}} ({min(sizes)}-{max(sizes)} art.)",
            [f"/issues/{i}" for i in ids],
            lambda n: store.issue(ids[n]),
        ),
        (
            "/briefings/{who}/{day}",
            [f"/briefings/{w}/{d.isoformat()}" for w, d in picks],
            lambda n: one_briefing(*picks[n]),
        ),
        ("/", ["/"] * rounds, lambda n: front()),
    ]
    print(f"  {'page':<28} {'HTTP p50/p95 ms':>16}  {'queries p50/p95':>16}  {'KB':>6}")
    for label, paths, queries in cases:
        get(client, paths[0])
        http: list[float] = []
        size = 0
        for path in paths:
            start = time.perf_counter()
            size = len(get(client, path).encode())
            http.append(time.perf_counter() - start)
        inner = []
        for n in range(len(paths)):
            start = time.perf_counter()
            queries(n)
            inner.append(time.perf_counter() - start)
        (h50, h95), (q50, q95) = ms(http), ms(inner)
        print(f"  {label:<28} {h50:7.1f} {h95:7.1f}   {q50:7.1f} {q95:7.1f}   {size / 1024:6.0f}")


def run(label: str, url: str, args: argparse.Namespace, folder: Path) -> None:
    store = open_store(url)
    try:
        status = store.status()
        if status.articles:
            print(f"{label}: reusing {status.articles} articles, {status.summaries} summaries")
        else:
            start = time.perf_counter()
            counts = fill(store, Plan(args.articles, args.issues))
            seconds = time.perf_counter() - start
            print(
                f"{label}: filled in {seconds:.0f} s ({counts['articles'] / seconds:.0f} articles/s):",
                counts,
            )
        with served(url, folder) as client:
            worst = measure_search(store, client, args.rounds, args.naive_rounds)
            verdict = "met" if worst < TARGET_MS else "MISSED"
            print(f"  worst /search p95 over HTTP {worst:.1f} ms: target < {TARGET_MS:.0f} ms {verdict}")
            measure_pages(store, client, args.rounds)
    finally:
        store.close()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--articles", type=int, default=50_000)
    parser.add_argument("--issues", type=int, default=400)
    parser.add_argument("--rounds", type=int, default=40, help="requests per query kind and page")
    parser.add_argument("--naive-rounds", type=int, default=3)
    parser.add_argument("--postgres", default=os.environ.get("DIGEST_TEST_POSTGRES_URL", ""))
    parser.add_argument("--sqlite", help="a SQLite file to keep (and reuse when it is filled)")
    parser.add_argument("--schema", help="a PostgreSQL schema to keep (and reuse when it is filled)")
    parser.add_argument("--no-sqlite", action="store_true")
    parser.add_argument("--no-tsvector", action="store_true", help="skip the pg_trgm/tsvector comparison")
    args = parser.parse_args()
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(
        f"{os.cpu_count()} cores ({platform.processor() or platform.machine()}), load {load:.1f}; "
        f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}; {args.articles} articles"
    )
    with tempfile.TemporaryDirectory() as temp:
        folder = Path(temp)
        if not args.no_sqlite:
            path = Path(args.sqlite) if args.sqlite else folder / "web.db"
            run("SQLite", f"sqlite:///{path}", args, folder)
        if args.postgres:
            with fresh_schema(args.postgres, prefix="bench_web", keep=args.schema) as url:
                run("PostgreSQL", url, args, folder)
                quarter = max(5, args.rounds // 4)  # PostgreSQL's slow kinds: p95 of fewer rounds
                if not args.no_tsvector:
                    compare_tsvector(url, QUERIES, lambda call: (*ms(timed(call, quarter)[0]), call()))
        else:
            print("PostgreSQL: skipped (no --postgres and no DIGEST_TEST_POSTGRES_URL)")


if __name__ == "__main__":
    main()
