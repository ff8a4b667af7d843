"""Schema version 2: subscribers, their daily briefings and the deliveries of each briefing."""

from __future__ import annotations

import sqlalchemy as sa

from digest.store.schema import NAMING_CONVENTION


def upgrade(conn: sa.Connection) -> None:
    meta = sa.MetaData(naming_convention=NAMING_CONVENTION)
    ts = sa.DateTime(timezone=True)
    sa.Table(
        "subscribers",
        meta,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.Text, nullable=False, unique=True),
        sa.Column("config", sa.Text, nullable=False),
    )
    sa.Table(
        "briefings",
        meta,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("subscriber", sa.Text, nullable=False),
        sa.Column("day", sa.Date, nullable=False),
        sa.Column("created_at", ts, nullable=False),
        sa.Column("content", sa.Text, nullable=False),
        sa.UniqueConstraint("subscriber", "day"),
    )
    sa.Table(
        "deliveries",
        meta,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("briefing_id", sa.Integer, sa.ForeignKey("briefings.id"), nullable=False, index=True),
        sa.Column("channel", sa.Text, nullable=False),
        sa.Column("part", sa.Integer, nullable=False),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("last_error", sa.Text),
        sa.Column("idempotency_key", sa.Text, nullable=False, unique=True),
        sa.Column("updated_at", ts, nullable=False),
        sa.CheckConstraint("status IN ('pending', 'sent', 'failed')", name="status"),
    )
    meta.create_all(conn, checkfirst=False)
