"""Schema version 1: what ingest and summarising need."""

from __future__ import annotations

import sqlalchemy as sa

from digest.store.schema import NAMING_CONVENTION


def upgrade(conn: sa.Connection) -> None:
    meta = sa.MetaData(naming_convention=NAMING_CONVENTION)
    ts = sa.DateTime(timezone=True)
    sa.Table(
        "sources",
        meta,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.Text, nullable=False, unique=True),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("paper", sa.Text, nullable=False),
        sa.Column("state", sa.Text, nullable=False),
        sa.Column("last_poll_at", ts),
        sa.Column("last_error", sa.Text),
    )
    issues = sa.Table(
        "issues",
        meta,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("paper", sa.Text, nullable=False),
        sa.Column("locator", sa.Text, nullable=False),
        sa.Column("issue_date", sa.Date),
        sa.Column("edition", sa.Text, nullable=False),
        sa.Column("content_hash", sa.Text, nullable=False),
        sa.Column("link", sa.Text),
        sa.Column("fetched_at", ts, nullable=False),
        sa.Column("replaced_at", ts),
    )
    current = issues.c.replaced_at.is_(None)
    sa.Index(
        "uq_issues_current",
        issues.c.source,
        issues.c.locator,
        unique=True,
        sqlite_where=current,
        postgresql_where=current,
    )
    sa.Index("ix_issues_paper_hash", issues.c.paper, issues.c.content_hash)
    sa.Index("ix_issues_issue_date", issues.c.issue_date)
    sa.Table(
        "articles",
        meta,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("issue_id", sa.Integer, sa.ForeignKey("issues.id"), nullable=False, index=True),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("paragraphs", sa.Text, nullable=False),
        sa.Column("writers", sa.Text, nullable=False),
        sa.Column("photographers", sa.Text, nullable=False),
        sa.Column("dateline", sa.Text),
        sa.Column("date", sa.Date),
        sa.Column("page_headline", sa.Text),
        sa.Column("kicker", sa.Text),
        sa.Column("subhead", sa.Text),
        sa.Column("captions", sa.Text, nullable=False),
        sa.Column("lead", sa.Text),
        sa.Column("superseded", sa.Boolean, nullable=False),
        sa.Column("superseded_at", ts),
    )
    summaries = sa.Table(
        "summaries",
        meta,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("article_id", sa.Integer, sa.ForeignKey("articles.id"), nullable=False, index=True),
        sa.Column("engine", sa.Text, nullable=False),
        sa.Column("headline", sa.Text, nullable=False),
        sa.Column("summary", sa.Text, nullable=False),
        sa.Column("guard", sa.Text),
        sa.Column("created_at", ts, nullable=False),
        sa.Column("stale", sa.Boolean, nullable=False),
    )
    fresh = summaries.c.stale.is_(False)
    sa.Index(
        "uq_summaries_current",
        summaries.c.article_id,
        unique=True,
        sqlite_where=fresh,
        postgresql_where=fresh,
    )
    meta.create_all(conn, checkfirst=False)
