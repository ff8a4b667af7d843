"""The reading room's queries (digest/web): lists of issues and briefings, articles by id, feed entries.

Each function runs inside the caller's read transaction (``Store.read``). Lists are bounded by their
callers: a page shows a page of rows, never a whole table.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from digest.store.queries import _ARTICLE_COLUMNS, CURRENT_ARTICLE, CURRENT_ISSUE, FRESH, stored_summary
from digest.store.records import StoredSummary
from digest.store.schema import articles, briefed, briefings, issues, summaries


@dataclass(frozen=True, slots=True)
class IssueRow:
    """One current issue in a list: what its line on a page says."""

    id: int
    paper: str
    issue_date: dt.date | None
    edition: str
    fetched_at: dt.datetime
    articles: int


@dataclass(frozen=True, slots=True)
class BriefingRow:
    """One saved briefing in a list (its articles are in ``content``)."""

    id: int
    subscriber: str
    day: dt.date
    sequence: int
    created_at: dt.datetime
    content: dict[str, Any]

    @property
    def count(self) -> int:
        return int(self.content.get("count", 0))


def _issue_rows(
    conn: sa.Connection, where: sa.ColumnElement[bool], limit: int, offset: int = 0
) -> list[IssueRow]:
    # Counted per issue listed (from the issue_id index), not grouped over every article: a list of
    # a few issues cost 10 ms at 50,000 articles (benchmarks/bench_web.py).
    counted = sa.select(sa.func.count()).where(articles.c.issue_id == issues.c.id).scalar_subquery()
    query = (
        sa.select(issues.c.id, issues.c.paper, issues.c.issue_date, issues.c.edition, issues.c.fetched_at)
        .add_columns(counted.label("n"))
        .where(CURRENT_ISSUE, where)
        # Newest issue first; an issue without a date sorts by when it came in, after dated ones.
        .order_by(issues.c.issue_date.desc().nulls_last(), issues.c.id.desc())
        .limit(limit)
        .offset(offset)
    )
    return [
        IssueRow(r.id, r.paper, r.issue_date, r.edition, r.fetched_at, int(r.n)) for r in conn.execute(query)
    ]


def latest_issues(conn: sa.Connection, per_paper: int) -> dict[str, list[IssueRow]]:
    """The latest ``per_paper`` current issues of every paper, papers in code point order."""
    ranked = (
        sa.select(
            issues.c.id,
            sa.func.row_number()
            .over(
                partition_by=issues.c.paper,
                order_by=(issues.c.issue_date.desc().nulls_last(), issues.c.id.desc()),
            )
            .label("rank"),
        )
        .where(CURRENT_ISSUE)
        .subquery()
    )
    wanted = sa.select(ranked.c.id).where(ranked.c.rank <= per_paper)
    found: dict[str, list[IssueRow]] = {}
    for row in _issue_rows(conn, issues.c.id.in_(wanted), limit=10_000):
        found.setdefault(row.paper, []).append(row)
    return dict(sorted(found.items()))


def paper_issues(conn: sa.Connection, paper: str, limit: int, offset: int = 0) -> list[IssueRow]:
    """A page of ``paper``'s current issues, newest first."""
    return _issue_rows(conn, issues.c.paper == paper, limit, offset)


def _briefing_rows(conn: sa.Connection, query: sa.Select[Any]) -> list[BriefingRow]:
    return [
        BriefingRow(r.id, r.subscriber, r.day, r.sequence, r.created_at, dict(r.content))
        for r in conn.execute(query)
        if isinstance(r.content, Mapping)
    ]


_BRIEFING_COLUMNS = (
    briefings.c.id,
    briefings.c.subscriber,
    briefings.c.day,
    briefings.c.sequence,
    briefings.c.created_at,
    briefings.c.content,
)


def latest_briefings(
    conn: sa.Connection, limit: int, subscribers: Sequence[str] | None = None
) -> list[BriefingRow]:
    """The latest saved briefings (of ``subscribers`` only, where given), newest day first."""
    query = sa.select(*_BRIEFING_COLUMNS).order_by(
        briefings.c.day.desc(), briefings.c.subscriber, briefings.c.sequence
    )
    if subscribers is not None:
        query = query.where(briefings.c.subscriber.in_(list(subscribers)))
    return _briefing_rows(conn, query.limit(limit))


def briefings_of_day(conn: sa.Connection, subscriber: str, day: dt.date) -> list[BriefingRow]:
    """``subscriber``'s briefings of ``day``: the day's own, then its supplements."""
    query = (
        sa.select(*_BRIEFING_COLUMNS)
        .where(briefings.c.subscriber == subscriber, briefings.c.day == day)
        .order_by(briefings.c.sequence)
    )
    return _briefing_rows(conn, query)


def summaries_by_id(conn: sa.Connection, article_ids: Sequence[int]) -> dict[int, StoredSummary]:
    """Articles (current or not: a briefing shows what it told) with their latest summary, by id."""
    if not article_ids:
        return {}
    latest = (
        sa.select(sa.func.max(summaries.c.id))
        .where(summaries.c.article_id == articles.c.id)
        .correlate(articles)
        .scalar_subquery()
    )
    query = (
        sa.select(articles.c.id, articles.c.issue_id, issues.c.paper, issues.c.issue_date)
        .add_columns(issues.c.edition, issues.c.link, *_ARTICLE_COLUMNS)
        .add_columns(summaries.c.engine, summaries.c.headline, summaries.c.summary, summaries.c.guard)
        .select_from(
            articles.join(issues, articles.c.issue_id == issues.c.id).outerjoin(
                summaries, summaries.c.id == latest
            )
        )
        .where(articles.c.id.in_(sorted(set(article_ids))))
    )
    return {r.id: stored_summary(r) for r in conn.execute(query)}


def _feed_query() -> sa.Select[Any]:
    return (
        sa.select(articles.c.id, articles.c.issue_id, issues.c.paper, issues.c.issue_date)
        .add_columns(issues.c.edition, issues.c.link, *_ARTICLE_COLUMNS)
        .add_columns(summaries.c.engine, summaries.c.headline, summaries.c.summary, summaries.c.guard)
        .add_columns(summaries.c.created_at)
        .select_from(
            articles.join(issues, articles.c.issue_id == issues.c.id).join(
                summaries, sa.and_(summaries.c.article_id == articles.c.id, FRESH)
            )
        )
        .where(CURRENT_ARTICLE)
    )


def paper_feed(conn: sa.Connection, paper: str, limit: int) -> list[tuple[StoredSummary, dt.datetime]]:
    """The paper's latest summarised current articles, newest first, each with when it was summarised
    (an Atom entry's updated time)."""
    query = _feed_query().where(issues.c.paper == paper).order_by(articles.c.id.desc()).limit(limit)
    return [(stored_summary(r), r.created_at) for r in conn.execute(query)]


def subscriber_feed(
    conn: sa.Connection, subscriber: str, limit: int
) -> list[tuple[StoredSummary, dt.datetime]]:
    """The latest articles briefed to ``subscriber`` (what their briefings chose), newest first."""
    query = (
        _feed_query()
        .join(briefed, sa.and_(briefed.c.article_id == articles.c.id, briefed.c.subscriber == subscriber))
        .order_by(briefed.c.briefing_id.desc(), articles.c.id.desc())
        .limit(limit)
    )
    return [(stored_summary(r), r.created_at) for r in conn.execute(query)]
