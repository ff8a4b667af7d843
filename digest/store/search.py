"""Full-text search over current articles: their printed headline, digest's headline and summary,
and their text (the ``article_search`` table of schema versions 7 and 8, kept in step by triggers).

Every term must occur, as a substring: Chinese is not cut into words, so 刘旋 finds 县委书记刘旋 and
a phrase finds itself. Results are newest issue first. Runs inside the caller's read transaction.

SQLite (FTS5, trigram tokenizer): a term of three characters or more is a phrase MATCH. A shorter
one is not a trigram, but every place it occurs begins one (version 8 ends each document with two
newlines, so the last characters do too): the index's vocabulary lists the trigrams that begin with
it, a range of its sorted terms. A few are OR-ed into the MATCH; many (a one-character term) are
read as the documents of their instances. Either way an index lookup, where a scan of every document
took 0.2-0.6 s at 50,000 articles (benchmarks/bench_web.py). A term whose letters SQLite folds
otherwise than Python (non-ASCII cased letters) is still matched by a scan. The page is found from
the issues down, newest first, through the articles' issue_id index, so that a common term stops
after a page instead of sorting every hit.

PostgreSQL: LIKE for every term (ILIKE where it has cased letters), which the pg_trgm GIN index
serves from three characters on; a shorter term is a scan of every document (strpos). The matching
documents first, then their articles, counted and paged in one pass.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler

from digest.store.queries import _ARTICLE_COLUMNS, CURRENT_ARTICLE, FRESH, stored_summary
from digest.store.records import StoredSummary
from digest.store.schema import SEARCH_TABLE, articles, issues, summaries

TRIGRAM = 3  # characters: shorter terms cannot be looked up in a trigram index
MAX_TERMS = 5
# A short term's trigrams are OR-ed into the MATCH when there are few; FTS5 pays 0.1-0.4 ms for
# each one it opens. Otherwise, when cheaper, the documents of their instances (0.5-1 µs each) are
# read from the vocabulary. Measured at 50,000 articles (benchmarks/bench_web.py).
_FEW = 64
_INSTANCES_PER_TRIGRAM = 330  # instances that cost as much to read as one trigram OR-ed
# Hits up to this many are looked up by id; more are found from the issues down (see _page_ids):
# at 50,000 articles 62 hits took 3 ms by id and 9 from the issues, 2,500 hits 13-20 ms and 8.
_FEW_HITS = 1000
_FOUND = sa.table(SEARCH_TABLE, sa.column("rowid"), sa.column("doc"))
# fts5vocab tables over the index, one set per connection (temp): its terms, and their instances.
_TERMS = sa.table("article_search_terms", sa.column("term"), sa.column("cnt"), schema="temp")
_INSTANCES = sa.table("article_search_instances", sa.column("term"), sa.column("doc"), schema="temp")
_VOCABULARY = tuple(
    f"CREATE VIRTUAL TABLE IF NOT EXISTS temp.{table.name} USING fts5vocab(main, {SEARCH_TABLE}, {kind})"
    for table, kind in ((_TERMS, "row"), (_INSTANCES, "instance"))
)


@dataclass(frozen=True, slots=True)
class SearchPage:
    total: int
    hits: list[StoredSummary]


def terms_of(query: str) -> list[str]:
    """The terms of a query: split at whitespace, each once, at most MAX_TERMS."""
    return list(dict.fromkeys(query.split()))[:MAX_TERMS]


def _fts_phrase(term: str) -> str:
    return '"' + term.replace('"', '""') + '"'


def _like_pattern(term: str) -> str:
    return "%" + term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


class _InOrder(sa.Join):
    """A join SQLite's planner takes in the order written (CROSS JOIN): left table outermost."""

    inherit_cache = True


@compiles(_InOrder, "sqlite")
def _cross_join(join: _InOrder, compiler: SQLCompiler, **kw: Any) -> str:
    # The left side is a plain table, so the first JOIN is this one.
    return str(compiler.visit_join(join, **kw)).replace(" JOIN ", " CROSS JOIN ", 1)  # type: ignore[no-untyped-call]


def _range(term: str) -> tuple[str, str] | None:
    """The bounds of the index terms that begin with ``term`` as FTS5 folds it (ASCII lower-cased;
    Chinese has no case); None where Python might fold it otherwise, or there is no next character."""
    if any(not c.isascii() and c.lower() != c.upper() for c in term):
        return None
    folded = term.lower()
    last = ord(folded[-1])
    if last >= 0x10FFFF or 0xD7FF <= last <= 0xDFFF:
        return None
    return folded, folded[:-1] + chr(last + 1)


def _sqlite_matching(conn: sa.Connection, terms: list[str]) -> sa.Select[Any] | sa.CompoundSelect[Any] | None:
    """The ids of the current articles that hold every term; None when a term occurs nowhere."""
    match = [_fts_phrase(t) for t in terms if len(t) >= TRIGRAM]
    sets: list[sa.Select[Any]] = []
    scanned: list[str] = []
    short = [t for t in terms if len(t) < TRIGRAM]
    if short:
        for statement in _VOCABULARY:
            conn.exec_driver_sql(statement)
    for term in short:
        bounds = _range(term)
        if bounds is None:
            scanned.append(term)
            continue
        within = (_TERMS.c.term >= bounds[0], _TERMS.c.term < bounds[1])
        starts = conn.execute(sa.select(_TERMS.c.term, _TERMS.c.cnt).where(*within)).all()
        if not starts:
            return None
        if len(starts) <= _FEW or len(starts) * _INSTANCES_PER_TRIGRAM < sum(s.cnt for s in starts):
            match.append("(" + " OR ".join(_fts_phrase(s.term) for s in starts) + ")")
        else:
            sets.append(
                sa.select(_INSTANCES.c.doc)
                .where(_INSTANCES.c.term >= bounds[0], _INSTANCES.c.term < bounds[1])
                .distinct()
            )
    if match or scanned or not sets:
        found = sa.select(_FOUND.c.rowid)
        if match:
            found = found.where(sa.literal_column(SEARCH_TABLE).op("MATCH")(" AND ".join(match)))
        for term in scanned:
            # Lower-cased on both sides, as the trigram MATCH is case-blind (SQLite's lower() folds ASCII).
            found = found.where(sa.func.instr(sa.func.lower(_FOUND.c.doc), term.lower()) > 0)
        sets.insert(0, found)
    return sets[0] if len(sets) == 1 else sa.intersect(*sets)


def _page_ids(
    conn: sa.Connection,
    hits: sa.Select[Any] | sa.CompoundSelect[Any],
    where: list[Any],
    limit: int,
    offset: int,
) -> tuple[int, list[int]]:
    """SQLite: how many hits pass ``where``, and the ids of the page, newest issue first."""

    def count(query: sa.Select[Any] | sa.CompoundSelect[Any]) -> int:
        return int(conn.execute(sa.select(sa.func.count()).select_from(query.subquery())).scalar_one())

    # Every row of the search table is a current article of a current issue (its triggers see to it):
    # without a filter, the hits are the count. With one, counting stops where they are many.
    counted = count(hits if not where else hits.limit(_FEW_HITS + 1))
    if not counted:
        return 0, []
    if counted <= _FEW_HITS:  # each hit's article row, looked up by id
        source: sa.Join = articles.join(issues, articles.c.issue_id == issues.c.id)
        in_hits = articles.c.id.in_(hits)
    else:
        # Many: the issues newest first, each one's article ids from the issue_id index (never the
        # wide article rows), kept when they are hits (+ 0: not looked up by id). A page of a common
        # term is found in the first few issues, without sorting every hit.
        source = _InOrder(issues, articles, articles.c.issue_id == issues.c.id)
        in_hits = (articles.c.id + 0).in_(hits)
    ids = (
        sa.select(articles.c.id)
        .select_from(source)
        .where(in_hits, *where)
        .order_by(issues.c.issue_date.desc().nulls_last(), articles.c.id.desc())
        .limit(limit)
        .offset(offset)
    )
    if not where:
        return counted, [] if offset >= counted else list(conn.execute(ids).scalars())
    # Filtered: every hit is checked anyway, so the count comes beside each row, in one pass.
    rows = conn.execute(ids.add_columns(sa.func.count().over().label("total"))).all()
    if rows:
        return int(rows[0].total), [r.id for r in rows]
    return (count(ids.limit(None).offset(None)) if offset else 0), []


def _postgresql_match(doc: sa.ColumnClause[Any], term: str) -> sa.ColumnElement[bool]:
    if term.lower() != term.upper():  # cased letters: ILIKE, which lower-cases every document it checks
        return doc.ilike(_like_pattern(term), escape="\\")
    if len(term) < TRIGRAM:  # no trigram to look up: a scan, where strpos() is a fifth quicker than LIKE
        return sa.func.strpos(doc, term) > 0
    # Chinese has no case: LIKE, which the pg_trgm index serves too; checking its candidates took a
    # quarter of ILIKE's time.
    return doc.like(_like_pattern(term), escape="\\")


def _postgresql_page_ids(
    conn: sa.Connection, terms: list[str], where: list[Any], limit: int, offset: int, *, one_paper: bool
) -> tuple[int, list[int]]:
    """PostgreSQL: how many articles hold every term and pass ``where``, and the ids of the page,
    newest issue first; one pass over the hits (the count beside each row)."""
    found = sa.table(SEARCH_TABLE, sa.column("article_id"), sa.column("doc"))
    ids = sa.select(found.c.article_id).where(*(_postgresql_match(found.c.doc, t) for t in terms))
    if one_paper:
        # A paper is a fraction of the store: the planner takes its articles first and checks their
        # documents (26 ms for a common word at 50,000 articles, 210 ms matching every document first).
        source: sa.Join = articles.join(issues, articles.c.issue_id == issues.c.id)
        where = [articles.c.id.in_(ids), *where]
    else:
        # Materialised: the matching documents first (the trigram index, or a scan), then their
        # articles. Left to itself the planner walked every article newest first and checked each
        # one's document (600 ms for a 3-character word at 50,000 articles, 140 ms this way).
        hits = ids.cte("hits").prefix_with("MATERIALIZED")
        source = hits.join(articles, articles.c.id == hits.c.article_id).join(
            issues, articles.c.issue_id == issues.c.id
        )
    rows = conn.execute(
        sa.select(articles.c.id, sa.func.count().over().label("total"))
        .select_from(source)
        .where(CURRENT_ARTICLE, *where)
        .order_by(issues.c.issue_date.desc().nulls_last(), articles.c.id.desc())
        .limit(limit)
        .offset(offset)
    ).all()
    if rows:
        return int(rows[0].total), [r.id for r in rows]
    if not offset:
        return 0, []
    # A page past the last: counted on its own.
    counted = sa.select(sa.func.count()).select_from(source).where(CURRENT_ARTICLE, *where)
    return int(conn.execute(counted).scalar_one()), []


def issue_filters(
    paper: str | None, since: dt.date | None, until: dt.date | None
) -> list[sa.ColumnElement[bool]]:
    """The conditions that narrow a search to ``paper`` and to issues dated ``since`` to ``until``,
    where given."""
    where: list[sa.ColumnElement[bool]] = []
    if paper is not None:
        where.append(issues.c.paper == paper)
    if since is not None:
        where.append(issues.c.issue_date >= since)
    if until is not None:
        where.append(issues.c.issue_date <= until)
    return where


def search(
    conn: sa.Connection,
    query: str,
    *,
    paper: str | None = None,
    since: dt.date | None = None,
    until: dt.date | None = None,
    limit: int = 20,
    offset: int = 0,
) -> SearchPage:
    """A page of the current summarised-or-not articles holding every term of ``query``, of ``paper``
    and of issues dated ``since`` to ``until`` where given; newest issue first, and how many in all."""
    terms = terms_of(query)
    if not terms:
        return SearchPage(0, [])
    where = issue_filters(paper, since, until)
    order = (issues.c.issue_date.desc().nulls_last(), articles.c.id.desc())
    columns = sa.select(articles.c.id, articles.c.issue_id, issues.c.paper, issues.c.issue_date).add_columns(
        issues.c.edition, issues.c.link, *_ARTICLE_COLUMNS
    )
    columns = columns.add_columns(
        summaries.c.engine, summaries.c.headline, summaries.c.summary, summaries.c.guard
    )
    joined = articles.join(issues, articles.c.issue_id == issues.c.id).outerjoin(
        summaries, sa.and_(summaries.c.article_id == articles.c.id, FRESH)
    )
    if conn.dialect.name == "postgresql":
        total, page = _postgresql_page_ids(conn, terms, where, limit, offset, one_paper=paper is not None)
    else:
        hits = _sqlite_matching(conn, terms)
        if hits is None:
            return SearchPage(0, [])
        total, page = _page_ids(conn, hits, where, limit, offset)
    if not page:
        return SearchPage(total, [])
    rows = conn.execute(columns.select_from(joined).where(articles.c.id.in_(page)).order_by(*order))
    return SearchPage(total, [stored_summary(r) for r in rows])
