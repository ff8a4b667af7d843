"""The statements behind each Store method; each function runs inside the caller's transaction."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from digest.models import Article, Summary
from digest.sources.base import FetchedDocument
from digest.store.records import (
    IngestOutcome,
    StoredArticle,
    StoredIssue,
    StoredSummary,
)
from digest.store.schema import articles, briefed, briefings, issues, summaries

CURRENT_ISSUE = issues.c.replaced_at.is_(None)
CURRENT_ARTICLE = articles.c.superseded.is_(False)
FRESH = summaries.c.stale.is_(False)
_ARTICLE_COLUMNS = (
    articles.c.position,
    articles.c.paragraphs,
    articles.c.writers,
    articles.c.photographers,
    articles.c.dateline,
    articles.c.date,
    articles.c.page_headline,
    articles.c.kicker,
    articles.c.subhead,
    articles.c.captions,
    articles.c.lead,
    articles.c.origin,
)


def insert_into(conn: sa.Connection, table: sa.Table) -> sqlite.Insert | postgresql.Insert:
    """INSERT with the backend's ON CONFLICT support (same semantics on both)."""
    return postgresql.insert(table) if conn.dialect.name == "postgresql" else sqlite.insert(table)


def has_fresh_summary() -> sa.Exists:
    return sa.exists().where(summaries.c.article_id == articles.c.id, FRESH)


def _article_row(issue_id: int, article: Article) -> dict[str, Any]:
    return {
        "issue_id": issue_id,
        "position": article.index,
        "text": article.text,
        "paragraphs": list(article.paragraphs),
        "writers": list(article.writers),
        "photographers": list(article.photographers),
        "dateline": article.dateline,
        "date": article.date,
        "page_headline": article.page_headline,
        "kicker": article.kicker,
        "subhead": article.subhead,
        "captions": list(article.captions),
        "lead": article.lead,
        "origin": article.origin,
        "superseded": False,
        "superseded_at": None,
    }


def _article(row: sa.Row[Any]) -> Article:
    return Article(
        index=row.position,
        paragraphs=tuple(row.paragraphs),
        writers=tuple(row.writers),
        photographers=tuple(row.photographers),
        dateline=row.dateline,
        date=row.date,
        page_headline=row.page_headline,
        kicker=row.kicker,
        subhead=row.subhead,
        captions=tuple(row.captions),
        lead=row.lead,
        origin=row.origin,
    )


def stored_summary(r: sa.Row[Any]) -> StoredSummary:
    """An article row with its issue's columns and its fresh summary's (outer-joined: None when the
    article has none yet)."""
    return StoredSummary(
        r.id,
        r.issue_id,
        r.paper,
        r.issue_date,
        r.edition,
        r.link,
        _article(r),
        None if r.engine is None else Summary(r.headline, r.summary, r.engine, r.guard),
    )


# record_document's statements, built once: building them per call costs more than running them.
_SAME_DOCUMENT = sa.select(issues.c.id, issues.c.content_hash).where(
    issues.c.source == sa.bindparam("source"), issues.c.locator == sa.bindparam("locator"), CURRENT_ISSUE
)
_SAME_BYTES = (
    sa.select(issues.c.id)
    .where(
        issues.c.paper == sa.bindparam("paper"), issues.c.content_hash == sa.bindparam("hash"), CURRENT_ISSUE
    )
    .order_by(issues.c.id)
    .limit(1)
)
_NEW_ISSUE = issues.insert().returning(issues.c.id)
_NEW_ARTICLES = articles.insert()


def record_document(
    conn: sa.Connection,
    doc: FetchedDocument,
    content_hash: str,
    new_articles: Sequence[Article],
    now: dt.datetime,
    *,
    page: dict[str, Any] | None = None,
) -> tuple[IngestOutcome, int]:
    current = conn.execute(_SAME_DOCUMENT, {"source": doc.source, "locator": doc.locator}).one_or_none()
    if current is not None and current.content_hash == content_hash:
        return IngestOutcome.UNCHANGED, int(current.id)
    copy = conn.execute(_SAME_BYTES, {"paper": doc.paper, "hash": content_hash}).scalar_one_or_none()
    if copy is not None:  # the same bytes under another name or from another source
        return IngestOutcome.UNCHANGED, int(copy)
    outcome = IngestOutcome.NEW
    if current is not None:
        _retire_issue(conn, int(current.id), now)
        outcome = IngestOutcome.REPLACED
    issue = {
        "source": doc.source,
        "paper": doc.paper,
        "locator": doc.locator,
        "issue_date": doc.issue_date,
        "edition": doc.edition,
        "content_hash": content_hash,
        "link": doc.link,
        "fetched_at": now,
        "replaced_at": None,
        "page": page,
    }
    issue_id = int(conn.execute(_NEW_ISSUE, issue).scalar_one())
    if new_articles:
        conn.execute(_NEW_ARTICLES, [_article_row(issue_id, a) for a in new_articles])
    return outcome, issue_id


def _retire_issue(conn: sa.Connection, issue_id: int, now: dt.datetime) -> None:
    """The old version of a changed document: replaced, its articles superseded, summaries stale."""
    conn.execute(issues.update().where(issues.c.id == issue_id).values(replaced_at=now))
    old_articles = sa.select(articles.c.id).where(articles.c.issue_id == issue_id).scalar_subquery()
    conn.execute(summaries.update().where(summaries.c.article_id.in_(old_articles), FRESH).values(stale=True))
    conn.execute(
        articles.update()
        .where(articles.c.issue_id == issue_id, CURRENT_ARTICLE)
        .values(superseded=True, superseded_at=now)
    )


def pending_articles(conn: sa.Connection, limit: int) -> list[StoredArticle]:
    rows = conn.execute(
        sa.select(articles.c.id, articles.c.issue_id, issues.c.paper, issues.c.issue_date, issues.c.link)
        .add_columns(*_ARTICLE_COLUMNS)
        .join_from(articles, issues)
        .where(CURRENT_ARTICLE, ~has_fresh_summary())
        .order_by(articles.c.id)
        .limit(limit)
    )
    return [StoredArticle(r.id, r.issue_id, r.paper, r.issue_date, r.link, _article(r)) for r in rows]


def claim_pending(conn: sa.Connection, limit: int, skip: Collection[int] = ()) -> list[StoredArticle]:
    """Up to ``limit`` pending articles of any issue, shortest first (a batch of like lengths pads
    little on a GPU), locked for this transaction. On PostgreSQL rows another transaction holds are
    skipped, so two workers never take the same article; a worker that dies releases its rows with
    its connection. SQLite has one writer at a time and no row locks: there this is pending_articles
    by length."""
    query = (
        sa.select(articles.c.id, articles.c.issue_id, issues.c.paper, issues.c.issue_date, issues.c.link)
        .add_columns(*_ARTICLE_COLUMNS)
        .join_from(articles, issues)
        .where(CURRENT_ARTICLE, ~has_fresh_summary(), *([articles.c.id.not_in(sorted(skip))] if skip else []))
        .order_by(sa.func.length(articles.c.text), articles.c.id)
        .limit(limit)
    )
    if conn.dialect.name == "postgresql":
        query = query.with_for_update(of=articles, skip_locked=True)
    rows = conn.execute(query)
    return [StoredArticle(r.id, r.issue_id, r.paper, r.issue_date, r.link, _article(r)) for r in rows]


def save_summaries(conn: sa.Connection, items: Sequence[tuple[int, Summary]], now: dt.datetime) -> None:
    by_article: dict[int, Summary] = {}
    for article_id, summary in items:
        by_article.setdefault(article_id, summary)
    if not by_article:
        return
    wanted = conn.execute(
        sa.select(articles.c.id).where(
            articles.c.id.in_(list(by_article)), CURRENT_ARTICLE, ~has_fresh_summary()
        )
    ).scalars()
    rows = [
        {
            "article_id": article_id,
            "engine": by_article[article_id].engine,
            "headline": by_article[article_id].headline,
            "summary": by_article[article_id].summary,
            "guard": by_article[article_id].guard,
            "created_at": now,
            "stale": False,
        }
        for article_id in sorted(wanted)
    ]
    if rows:
        # A racing run on PostgreSQL may have saved one since our read: the unique index on current
        # summaries turns that into a no-op instead of an error.
        conn.execute(insert_into(conn, summaries).on_conflict_do_nothing(), rows)


def articles_for_day(
    conn: sa.Connection,
    day: dt.date,
    papers: Sequence[str] | None,
    tz: dt.tzinfo,
    *,
    look_back: int = 0,
    not_briefed_to: str | None = None,
) -> list[StoredSummary]:
    first = day - dt.timedelta(days=look_back)
    start = dt.datetime.combine(first, dt.time(), tzinfo=tz)
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=tz)
    # An article of these days by its issue's date, or one that came in these days whatever its
    # issue's date says (a late issue, an old page filed today).
    on_day = sa.or_(
        issues.c.issue_date.between(first, day),
        sa.and_(issues.c.fetched_at >= start, issues.c.fetched_at < end),
    )
    query = (
        sa.select(articles.c.id, articles.c.issue_id, issues.c.paper, issues.c.issue_date)
        .add_columns(issues.c.edition, issues.c.link, *_ARTICLE_COLUMNS)
        .add_columns(summaries.c.engine, summaries.c.headline, summaries.c.summary, summaries.c.guard)
        .select_from(
            articles.join(issues, articles.c.issue_id == issues.c.id).outerjoin(
                summaries, sa.and_(summaries.c.article_id == articles.c.id, FRESH)
            )
        )
        .where(CURRENT_ARTICLE, on_day)
        .order_by(issues.c.paper, issues.c.id, articles.c.position)
    )
    if papers is not None:
        query = query.where(issues.c.paper.in_(list(papers)))
    if not_briefed_to is not None:
        query = query.where(
            ~sa.exists().where(briefed.c.subscriber == not_briefed_to, briefed.c.article_id == articles.c.id)
        )
    found = [stored_summary(r) for r in conn.execute(query)]
    # By paper name in code point order whatever the database's collation (a zh_CN one sorts by pinyin).
    found.sort(key=lambda s: s.paper)
    return found


def briefed_texts(conn: sa.Connection, subscriber: str, since: dt.date) -> list[str]:
    """The texts of the articles briefed to ``subscriber`` in briefings of ``since`` or later."""
    query = (
        sa.select(articles.c.text)
        .select_from(
            briefed.join(articles, articles.c.id == briefed.c.article_id).join(
                briefings, briefings.c.id == briefed.c.briefing_id
            )
        )
        .where(briefed.c.subscriber == subscriber, briefings.c.day >= since)
        .order_by(briefed.c.briefing_id, briefed.c.article_id)
    )
    return list(conn.execute(query).scalars())


def current_issue_with_bytes(conn: sa.Connection, paper: str, content_hash: str) -> int | None:
    found = conn.execute(_SAME_BYTES, {"paper": paper, "hash": content_hash}).scalar_one_or_none()
    return None if found is None else int(found)


def issue(conn: sa.Connection, issue_id: int) -> StoredIssue | None:
    row = conn.execute(sa.select(issues).where(issues.c.id == issue_id)).one_or_none()
    if row is None:
        return None
    query = (
        sa.select(articles.c.id)
        .add_columns(*_ARTICLE_COLUMNS)
        .add_columns(summaries.c.engine, summaries.c.headline, summaries.c.summary, summaries.c.guard)
        .select_from(articles.outerjoin(summaries, sa.and_(summaries.c.article_id == articles.c.id, FRESH)))
        .where(articles.c.issue_id == issue_id)
        .order_by(articles.c.position)
    )
    found = tuple(
        StoredSummary(
            r.id,
            issue_id,
            row.paper,
            row.issue_date,
            row.edition,
            row.link,
            _article(r),
            None if r.engine is None else Summary(r.headline, r.summary, r.engine, r.guard),
        )
        for r in conn.execute(query)
    )
    return StoredIssue(
        id=int(row.id),
        source=row.source,
        paper=row.paper,
        locator=row.locator,
        issue_date=row.issue_date,
        edition=row.edition,
        link=row.link,
        fetched_at=row.fetched_at,
        replaced_at=row.replaced_at,
        articles=found,
    )
