"""Schema version 5: which articles each subscriber has been briefed on.

``briefed`` holds one row per (subscriber, article) written in the transaction that saves the
briefing holding it, so a briefing is composed from what is not briefed yet (whatever the issue's
date: a late issue goes into the next briefing) and no article is ever in two briefings of one
subscriber. Briefings saved before version 5 briefed nothing here: their day's articles stay out
of later briefings only by the look-back.
"""

from __future__ import annotations

import sqlalchemy as sa


def upgrade(conn: sa.Connection) -> None:
    meta = sa.MetaData()
    briefed = sa.Table(
        "briefed",
        meta,
        sa.Column("subscriber", sa.Text, primary_key=True),
        sa.Column("article_id", sa.Integer, sa.ForeignKey("articles.id"), primary_key=True),
        sa.Column("briefing_id", sa.Integer, sa.ForeignKey("briefings.id"), nullable=False, index=True),
    )
    sa.Table("articles", meta, sa.Column("id", sa.Integer, primary_key=True))
    sa.Table("briefings", meta, sa.Column("id", sa.Integer, primary_key=True))
    briefed.create(conn)
