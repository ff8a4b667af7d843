"""Schema version 6: briefings numbered within a day, for same-day supplements.

A subscriber with ``late = "supplement"`` gets the articles that come in after the day's briefing in
a supplement that same day: briefing 2, 3, … of the day. ``sequence`` numbers them (1: the day's
briefing, all briefings saved before version 6), and the uniqueness moves from (subscriber, day) to
(subscriber, day, sequence). PostgreSQL swaps the constraint in place; SQLite cannot drop one, so
the table is copied under the new definition and renamed (db.transaction's ``rebuilds_tables``).
"""

from __future__ import annotations

import sqlalchemy as sa

from digest.store.schema import NAMING_CONVENTION

_OLD = "uq_briefings_subscriber_day"
_NEW = "uq_briefings_subscriber_day_sequence"


def upgrade(conn: sa.Connection) -> None:
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("ALTER TABLE briefings ADD COLUMN sequence INTEGER NOT NULL DEFAULT 1")
        conn.exec_driver_sql(f"ALTER TABLE briefings DROP CONSTRAINT {_OLD}")
        conn.exec_driver_sql(
            f"ALTER TABLE briefings ADD CONSTRAINT {_NEW} UNIQUE (subscriber, day, sequence)"
        )
        return
    meta = sa.MetaData(naming_convention=NAMING_CONVENTION)
    rebuilt = sa.Table(
        "briefings_v6",
        meta,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("subscriber", sa.Text, nullable=False),
        sa.Column("day", sa.Date, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("content", sa.Text, nullable=False),
        sa.Column("sequence", sa.Integer, nullable=False, server_default="1"),
        sa.UniqueConstraint("subscriber", "day", "sequence", name=_NEW),
    )
    rebuilt.create(conn)
    conn.exec_driver_sql(
        "INSERT INTO briefings_v6 (id, subscriber, day, created_at, content, sequence) "
        "SELECT id, subscriber, day, created_at, content, 1 FROM briefings"
    )
    # Foreign keys are off for this step: the rows of briefed and deliveries keep their briefing ids,
    # which the renamed table holds again; db.transaction checks them all before the commit.
    conn.exec_driver_sql("DROP TABLE briefings")
    conn.exec_driver_sql("ALTER TABLE briefings_v6 RENAME TO briefings")
