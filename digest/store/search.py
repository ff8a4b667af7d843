"""Full-text search over current articles: their printed headline, digest's headline and summary,
and their text (the ``article_search`` table of schema version 7, kept in step by triggers).

Every term must occur, as a substring: Chinese is not cut into words, so 刘旋 finds 县委书记刘旋 and
a phrase finds itself. SQLite: terms of three characters or more go into one FTS5 trigram MATCH
(an index lookup); shorter terms cannot use a trigram index and are matched with instr() over the
search table's text. PostgreSQL: ILIKE for every term, which the pg_trgm GIN index serves from three
characters on. Results are newest issue first. Runs inside the caller's read transaction.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from digest.store.queries import _ARTICLE_COLUMNS, CURRENT_ARTICLE, FRESH, stored_summary
from digest.store.records import StoredSummary
from digest.store.schema import SEARCH_TABLE, articles, issues, summaries

TRIGRAM = 3  # characters: shorter terms cannot be looked up in a trigram index
MAX_TERMS = 5


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


def _matching(conn: sa.Connection, terms: list[str]) -> sa.Select[Any]:
    """The ids of the current articles that hold every term."""
    if conn.dialect.name == "postgresql":
        found = sa.table(SEARCH_TABLE, sa.column("article_id"), sa.column("doc"))
        return sa.select(found.c.article_id.label("id")).where(
            *(found.c.doc.ilike(_like_pattern(t), escape="\\") for t in terms)
        )
    found = sa.table(SEARCH_TABLE, sa.column("rowid"), sa.column("doc"))
    query = sa.select(found.c.rowid.label("id"))
    long = [t for t in terms if len(t) >= TRIGRAM]
    if long:
        query = query.where(sa.literal_column(SEARCH_TABLE).op("MATCH")(" AND ".join(map(_fts_phrase, long))))
    for term in (t for t in terms if len(t) < TRIGRAM):
        # Lower-cased on both sides, as the trigram MATCH is case-blind (SQLite's lower() folds ASCII).
        query = query.where(sa.func.instr(sa.func.lower(found.c.doc), term.lower()) > 0)
    return query


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
    ids = _matching(conn, terms).subquery()
    where: list[sa.ColumnElement[bool]] = [CURRENT_ARTICLE]
    if paper is not None:
        where.append(issues.c.paper == paper)
    if since is not None:
        where.append(issues.c.issue_date >= since)
    if until is not None:
        where.append(issues.c.issue_date <= until)
    joined = articles.join(ids, ids.c.id == articles.c.id).join(issues, articles.c.issue_id == issues.c.id)
    total = conn.execute(sa.select(sa.func.count()).select_from(joined).where(*where)).scalar_one()
    rows = conn.execute(
        sa.select(articles.c.id, articles.c.issue_id, issues.c.paper, issues.c.issue_date)
        .add_columns(issues.c.edition, issues.c.link, *_ARTICLE_COLUMNS)
        .add_columns(summaries.c.engine, summaries.c.headline, summaries.c.summary, summaries.c.guard)
        .select_from(joined.outerjoin(summaries, sa.and_(summaries.c.article_id == articles.c.id, FRESH)))
        .where(*where)
        .order_by(issues.c.issue_date.desc().nulls_last(), articles.c.id.desc())
        .limit(limit)
        .offset(offset)
    )
    return SearchPage(int(total), [stored_summary(r) for r in rows])
