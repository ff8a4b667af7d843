"""Schema version 3: what the delivery log needs to send a planned part after a restart.

``deliveries`` gains the rendered part (``message``: the JSON of the Message fields, so a restart sends
exactly what was planned) and ``next_attempt_at`` (when a pending part is due; NULL: at once), one row
per (briefing, channel, part) and an index for the query that finds the due parts. Version 2 wrote no
deliveries (it had no API for them), so both columns may stay NULL for rows from before.
"""

from __future__ import annotations

import sqlalchemy as sa


def upgrade(conn: sa.Connection) -> None:
    ts = sa.DateTime(timezone=True)
    for column in (sa.Column("message", sa.Text), sa.Column("next_attempt_at", ts)):
        kind = column.type.compile(dialect=conn.dialect)
        conn.exec_driver_sql(f"ALTER TABLE deliveries ADD COLUMN {column.name} {kind}")
    meta = sa.MetaData()
    deliveries = sa.Table("deliveries", meta, autoload_with=conn)
    sa.Index(
        "uq_deliveries_briefing_id_channel_part",
        deliveries.c.briefing_id,
        deliveries.c.channel,
        deliveries.c.part,
        unique=True,
    ).create(conn)
    sa.Index(
        "ix_deliveries_status_next_attempt_at", deliveries.c.status, deliveries.c.next_attempt_at
    ).create(conn)
