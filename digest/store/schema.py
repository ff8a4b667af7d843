"""The tables as the code uses them, at the latest schema version (see migrations.py for how a
database gets there). JSON values are stored as text, timestamps as UTC, on every backend alike."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import sqlalchemy as sa
from sqlalchemy.types import TypeDecorator

# Constraint and index names, the same on every backend. Migrations name what they create with it too:
# never change it.
NAMING_CONVENTION: dict[str, str] = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)


class JsonText(TypeDecorator[Any]):
    """A JSON value kept as text (readable in any SQL shell; no backend-specific JSON type)."""

    impl = sa.Text
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: sa.Dialect) -> str | None:
        return None if value is None else json.dumps(value, ensure_ascii=False)

    def process_result_value(self, value: Any, dialect: sa.Dialect) -> Any:
        return None if value is None else json.loads(value)


class UtcDateTime(TypeDecorator[dt.datetime]):
    """An aware datetime, stored in UTC; comes back aware (SQLite itself keeps no time zone)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: sa.Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if not isinstance(value, dt.datetime) or value.tzinfo is None:
            raise ValueError(f"the store keeps aware datetimes only, got {value!r}")
        utc = value.astimezone(dt.UTC)
        return utc.replace(tzinfo=None) if dialect.name == "sqlite" else utc

    def process_result_value(self, value: Any, dialect: sa.Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if not isinstance(value, dt.datetime):
            raise TypeError(f"expected a datetime from the database, got {value!r}")
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


schema_version = sa.Table("schema_version", metadata, sa.Column("version", sa.Integer, nullable=False))

sources = sa.Table(
    "sources",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.Text, nullable=False, unique=True),
    sa.Column("kind", sa.Text, nullable=False),
    sa.Column("paper", sa.Text, nullable=False),
    sa.Column("state", JsonText, nullable=False),  # the poll state (ETags, seen files), see PollResult
    sa.Column("last_poll_at", UtcDateTime),
    sa.Column("last_error", sa.Text),
)

issues = sa.Table(
    "issues",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("source", sa.Text, nullable=False),  # a source name; no foreign key: one-off inputs have no row
    sa.Column("paper", sa.Text, nullable=False),
    sa.Column("locator", sa.Text, nullable=False),
    sa.Column("issue_date", sa.Date),
    sa.Column("edition", sa.Text, nullable=False),
    sa.Column("content_hash", sa.Text, nullable=False),
    sa.Column("link", sa.Text),
    sa.Column("fetched_at", UtcDateTime, nullable=False),
    sa.Column("replaced_at", UtcDateTime),  # set when a changed version of the document came in
    # The page's own matter as segmentation found it (see PageMatterRecord); NULL before version 4.
    sa.Column("page", JsonText),
)
# One current version per document; replaced versions stay for the record.
sa.Index(
    "uq_issues_current",
    issues.c.source,
    issues.c.locator,
    unique=True,
    sqlite_where=issues.c.replaced_at.is_(None),
    postgresql_where=issues.c.replaced_at.is_(None),
)
sa.Index("ix_issues_paper_hash", issues.c.paper, issues.c.content_hash)
sa.Index("ix_issues_issue_date", issues.c.issue_date)

articles = sa.Table(
    "articles",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("issue_id", sa.Integer, sa.ForeignKey("issues.id"), nullable=False, index=True),
    sa.Column("position", sa.Integer, nullable=False),  # Article.index: 1-based, in page order
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("paragraphs", JsonText, nullable=False),
    sa.Column("writers", JsonText, nullable=False),
    sa.Column("photographers", JsonText, nullable=False),
    sa.Column("dateline", sa.Text),
    sa.Column("date", sa.Date),
    sa.Column("page_headline", sa.Text),
    sa.Column("kicker", sa.Text),
    sa.Column("subhead", sa.Text),
    sa.Column("captions", JsonText, nullable=False),
    sa.Column("lead", sa.Text),
    sa.Column("superseded", sa.Boolean, nullable=False),
    sa.Column("superseded_at", UtcDateTime),
    sa.Column("origin", sa.Text),  # a source note that ended the article (据新华社); version 4
)

summaries = sa.Table(
    "summaries",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("article_id", sa.Integer, sa.ForeignKey("articles.id"), nullable=False, index=True),
    sa.Column("engine", sa.Text, nullable=False),
    sa.Column("headline", sa.Text, nullable=False),
    sa.Column("summary", sa.Text, nullable=False),
    sa.Column("guard", sa.Text),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("stale", sa.Boolean, nullable=False),
)
# At most one current summary per article: two runs racing to save one cannot both win.
sa.Index(
    "uq_summaries_current",
    summaries.c.article_id,
    unique=True,
    sqlite_where=summaries.c.stale.is_(False),
    postgresql_where=summaries.c.stale.is_(False),
)

# Delivery (schema version 2): subscribers get one briefing a day, sent over channels in parts.
subscribers = sa.Table(
    "subscribers",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.Text, nullable=False, unique=True),
    sa.Column("config", JsonText, nullable=False),
)

briefings = sa.Table(
    "briefings",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("subscriber", sa.Text, nullable=False),
    sa.Column("day", sa.Date, nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("content", JsonText, nullable=False),
    # Schema version 6: 1 for the day's briefing, 2, 3, … for same-day supplements.
    sa.Column("sequence", sa.Integer, nullable=False, server_default="1"),
    sa.UniqueConstraint("subscriber", "day", "sequence"),
)

# Schema version 5: the articles each subscriber was briefed on, so none is briefed twice.
briefed = sa.Table(
    "briefed",
    metadata,
    sa.Column("subscriber", sa.Text, primary_key=True),
    sa.Column("article_id", sa.Integer, sa.ForeignKey("articles.id"), primary_key=True),
    sa.Column("briefing_id", sa.Integer, sa.ForeignKey("briefings.id"), nullable=False, index=True),
)

deliveries = sa.Table(
    "deliveries",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("briefing_id", sa.Integer, sa.ForeignKey("briefings.id"), nullable=False, index=True),
    sa.Column("channel", sa.Text, nullable=False),
    sa.Column("part", sa.Integer, nullable=False),
    sa.Column("status", sa.Text, nullable=False),  # pending, sent or failed
    sa.Column("attempts", sa.Integer, nullable=False),
    sa.Column("last_error", sa.Text),
    sa.Column("idempotency_key", sa.Text, nullable=False, unique=True),
    sa.Column("updated_at", UtcDateTime, nullable=False),
    sa.CheckConstraint("status IN ('pending', 'sent', 'failed')", name="status"),
    # Schema version 3: the rendered part (the Message fields), and when a pending part is next due
    # (NULL: at once). Both NULL only in rows from before version 3, which had no API to write them.
    sa.Column("message", JsonText),
    sa.Column("next_attempt_at", UtcDateTime),
)
# A part of a briefing is planned once per channel; the sender looks for due pending parts.
sa.Index(
    "uq_deliveries_briefing_id_channel_part",
    deliveries.c.briefing_id,
    deliveries.c.channel,
    deliveries.c.part,
    unique=True,
)
sa.Index("ix_deliveries_status_next_attempt_at", deliveries.c.status, deliveries.c.next_attempt_at)

# Schema version 7: the full-text search of the reading room (versions/v0007_search.py). Not a Table
# here: SQLite's is an FTS5 virtual table (with shadow tables of its own) and PostgreSQL's carries a
# pg_trgm index, neither of which SQLAlchemy can describe. Its triggers keep it in step; the query
# is in search.py. Version 8 ends SQLite's documents with two newlines (versions/v0008_search_ends.py).
SEARCH_TABLE = "article_search"
_FTS5_SHADOWS = ("data", "idx", "content", "docsize", "config")
SEARCH_TABLES = frozenset({SEARCH_TABLE, *(f"{SEARCH_TABLE}_{shadow}" for shadow in _FTS5_SHADOWS)})
