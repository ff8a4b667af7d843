"""PostgreSQL search: pg_trgm (what the store builds) against a jieba-tokenised tsvector, on the store
bench_web.py filled.

- Build: pg_trgm, a second GIN index of gin_trgm_ops on article_search.doc (timed, then dropped);
  tsvector, every document cut by jieba's dictionary (digest's cut_words, jieba.lcut(HMM=False), on
  every core), to_tsvector('simple', the words joined by spaces) in a side table, a GIN index on it.
  Time and size of each.
- Queries: bench_web's through search() (pg_trgm: ILIKE '%term%'), and the same through the
  tsvector: each term's words a phrase (phraseto_tsquery), all terms AND-ed, and ILIKE on those
  candidates so that nothing is found that does not hold the term. p50/p95 and hits of each.
- Recall against the substring truth (Python's ``in`` over the same documents): 2-character names,
  the vocabulary's words and phrases, random 4-8 character fragments of the text. A jieba tsvector
  finds a term only where the text is cut as the term alone is cut.
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
import os
import random
import time
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from web_corpus import BODIES, GIVEN, SURNAMES, TOPICS

from digest.store import open_store
from digest.store.queries import CURRENT_ARTICLE
from digest.store.schema import SEARCH_TABLE, articles, issues
from digest.store.search import _postgresql_match, issue_filters, search, terms_of
from digest.summarise.sentences import cut_words

_WORDS = sa.table("article_words", sa.column("article_id"), sa.column("words"))
_FOUND = sa.table(SEARCH_TABLE, sa.column("article_id"), sa.column("doc"))


def words_of(text: str) -> str:
    return " ".join(w for w in cut_words(text) if not w.isspace())


def _cut_all(docs: list[str]) -> list[str]:
    with multiprocessing.get_context("fork").Pool(os.cpu_count() or 1) as pool:
        return pool.map(words_of, docs, chunksize=500)


def _phrase(term: str) -> Any:
    return _WORDS.c.words.op("@@")(sa.func.phraseto_tsquery("simple", words_of(term)))


def tsvector_search(
    conn: sa.Connection, query: str, *, paper: str | None, since: dt.date | None, until: dt.date | None
) -> int:
    """search()'s PostgreSQL query with the tsvector in place of the trigram index: the documents
    whose words hold each term's words in a row, checked for the term itself (LIKE, as search()
    does), then counted and paged the same way."""
    terms = terms_of(query)
    ids = (
        sa.select(_WORDS.c.article_id)
        .join(_FOUND, _FOUND.c.article_id == _WORDS.c.article_id)
        .where(*map(_phrase, terms), *(_postgresql_match(_FOUND.c.doc, t) for t in terms))
    )
    where = [CURRENT_ARTICLE, *issue_filters(paper, since, until)]
    if paper is not None:  # as search() does: the paper's articles first
        source: sa.Join = articles.join(issues, articles.c.issue_id == issues.c.id)
        where.append(articles.c.id.in_(ids))
    else:
        hits = ids.cte("hits").prefix_with("MATERIALIZED")
        source = hits.join(articles, articles.c.id == hits.c.article_id).join(
            issues, articles.c.issue_id == issues.c.id
        )
    rows = conn.execute(
        sa.select(articles.c.id, sa.func.count().over().label("total"))
        .select_from(source)
        .where(*where)
        .order_by(issues.c.issue_date.desc().nulls_last(), articles.c.id.desc())
        .limit(20)
    ).all()
    return int(rows[0].total) if rows else 0


def _size(conn: sa.Connection, relation: str) -> float:
    return float(conn.exec_driver_sql(f"SELECT pg_total_relation_size('{relation}')").scalar_one()) / 1e6


def build(engine: sa.Engine) -> list[tuple[int, str]]:
    """Both indexes, timed and sized; the documents, for the truth."""
    with engine.connect() as conn:
        docs = [
            (int(r[0]), str(r[1]))
            for r in conn.execute(sa.select(_FOUND.c.article_id, _FOUND.c.doc).order_by(_FOUND.c.article_id))
        ]
        chars = sum(len(d) for _, d in docs)
    with engine.begin() as conn:
        where = (
            "SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace "
            "WHERE e.extname = 'pg_trgm'"
        )
        ops = f'"{conn.exec_driver_sql(where).scalar_one()}".gin_trgm_ops'
        start = time.perf_counter()
        conn.exec_driver_sql(f"CREATE INDEX bench_trgm ON {SEARCH_TABLE} USING gin (doc {ops})")
        trgm = time.perf_counter() - start
        trgm_size = _size(conn, "bench_trgm")
        conn.exec_driver_sql("DROP INDEX bench_trgm")
        table_size = _size(conn, SEARCH_TABLE) - _size(conn, "ix_article_search_doc")
    start = time.perf_counter()
    cut = _cut_all([d for _, d in docs])
    cutting = time.perf_counter() - start
    with engine.begin() as conn:
        conn.exec_driver_sql("DROP TABLE IF EXISTS article_words")
        conn.exec_driver_sql(
            "CREATE TABLE article_words (article_id INTEGER PRIMARY KEY, words TSVECTOR NOT NULL)"
        )
        start = time.perf_counter()
        conn.execute(
            sa.text("INSERT INTO article_words VALUES (:id, to_tsvector('simple', :words))"),
            [{"id": i, "words": w} for (i, _), w in zip(docs, cut, strict=True)],
        )
        stored = time.perf_counter() - start
        start = time.perf_counter()
        conn.exec_driver_sql("CREATE INDEX ix_article_words ON article_words USING gin (words)")
        indexed = time.perf_counter() - start
        conn.exec_driver_sql("ANALYZE article_words")
        words_table = _size(conn, "article_words") - _size(conn, "ix_article_words")
        words_index = _size(conn, "ix_article_words")
    print(
        f"  index over {len(docs)} documents ({chars / 1e6:.1f} M characters; the table {table_size:.0f} MB):"
    )
    print(f"    pg_trgm GIN            build {trgm:6.1f} s{'':>33} index {trgm_size:5.0f} MB")
    print(
        f"    jieba tsvector         cut {cutting:5.1f} s ({os.cpu_count()} processes, "
        f"{chars / cutting / 1e3:.0f} K char/s),"
        f" to_tsvector+insert {stored:4.1f} s, GIN {indexed:4.1f} s;  index {words_index:5.0f} MB"
        f" + tsvector column {words_table:4.0f} MB"
    )
    return docs


def samples(docs: list[tuple[int, str]]) -> dict[str, list[str]]:
    r = random.Random(3)  # noqa: S311 - a sample, not a secret
    names = list(dict.fromkeys(r.choice(SURNAMES) + r.choice(GIVEN) for _ in range(150)))[:100]
    fragments = []
    while len(fragments) < 100:
        text = r.choice(docs)[1]
        size = r.randint(4, 8)
        start = r.randrange(max(1, len(text) - size))
        piece = text[start : start + size]
        if all("\u4e00" <= c <= "\u9fff" for c in piece):
            fragments.append(piece)
    words = [t for t, _ in TOPICS] + [b for b in BODIES if len(b) > 2]
    return {"2-char names": names, "words and phrases": words, "text fragments": fragments}


def recall(engine: sa.Engine, docs: list[tuple[int, str]]) -> None:
    print("  recall of the tsvector against the substring truth (no ILIKE afterwards):")
    print(
        f"    {'kind':<18} {'queries':>7} {'hits':>7} {'found':>7} {'recall':>7}"
        f" {'queries missing some':>21} {'false':>6}"
    )
    with engine.connect() as conn:
        for kind, terms in samples(docs).items():
            truth_total = found_total = missing = false = 0
            asked = 0
            for term in terms:
                truth = {i for i, d in docs if term in d}
                if not truth:
                    continue
                asked += 1
                got = set(conn.execute(sa.select(_WORDS.c.article_id).where(_phrase(term))).scalars())
                truth_total += len(truth)
                found_total += len(truth & got)
                missing += bool(truth - got)
                false += len(got - truth)
            share = found_total / truth_total if truth_total else float("nan")
            print(
                f"    {kind:<18} {asked:>7} {truth_total:>7} {found_total:>7} {share:>7.1%}"
                f" {missing:>21} {false:>6}"
            )


Timer = Callable[[Callable[[], Any]], tuple[float, float, Any]]


def compare_tsvector(url: str, queries: list[tuple[str, dict[str, str]]], timer: Timer) -> None:
    """``timer(call)``: p50 and p95 of ``call`` in ms, and what it returned."""
    print("PostgreSQL: pg_trgm against a jieba-tokenised tsvector")
    engine = sa.create_engine(url)
    store = open_store(url)
    try:
        docs = build(engine)
        print(f"    {'query':<20} {'pg_trgm hits p50/p95 ms':>25}   {'tsvector hits p50/p95 ms':>25}")
        for label, params in queries:
            day = {
                k: dt.date.fromisoformat(params[v]) if v in params else None
                for k, v in (("since", "from"), ("until", "to"))
            }
            args = {"paper": params.get("paper"), **day}
            t50, t95, page = timer(lambda p=params, a=args: store.read(search, p["q"], **a))  # type: ignore[misc]
            w50, w95, total = timer(lambda p=params, a=args: store.read(tsvector_search, p["q"], **a))  # type: ignore[misc]
            print(f"    {label:<20} {page.total:>7} {t50:7.1f} {t95:7.1f}   {total:>7} {w50:7.1f} {w95:7.1f}")
        recall(engine, docs)
    finally:
        store.close()
        engine.dispose()
