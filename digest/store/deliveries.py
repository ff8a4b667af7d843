"""The statements behind the Store's briefing and delivery-log methods; each runs inside the caller's
transaction.

A briefing is composed once per subscriber and day. Its delivery is planned once per channel as
numbered parts (rows of ``deliveries``: pending, then sent or failed), each carrying the rendered part,
so a restart sends exactly what was planned. Parts of one (briefing, channel) go out in order: a part
is due only when no earlier part of it is failed or waiting for a later retry.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from digest.store.queries import insert_into
from digest.store.records import DeliveryRow, PlannedPart, SavedBriefing
from digest.store.schema import briefed, briefings, deliveries

if TYPE_CHECKING:
    from digest.notify.base import DeliveryResult

PENDING, SENT, FAILED = "pending", "sent", "failed"

_ROW_COLUMNS = (
    deliveries.c.id,
    deliveries.c.briefing_id,
    briefings.c.subscriber,
    briefings.c.day,
    deliveries.c.channel,
    deliveries.c.part,
    deliveries.c.status,
    deliveries.c.attempts,
    deliveries.c.last_error,
    deliveries.c.idempotency_key,
    deliveries.c.message,
    deliveries.c.next_attempt_at,
    deliveries.c.updated_at,
)


def _rows(conn: sa.Connection, query: sa.Select[Any]) -> list[DeliveryRow]:
    return [
        DeliveryRow(
            id=r.id,
            briefing_id=r.briefing_id,
            subscriber=r.subscriber,
            day=r.day,
            channel=r.channel,
            part=r.part,
            status=r.status,
            attempts=r.attempts,
            last_error=r.last_error,
            idempotency_key=r.idempotency_key,
            message=dict(r.message) if isinstance(r.message, Mapping) else None,
            next_attempt_at=r.next_attempt_at,
            updated_at=r.updated_at,
        )
        for r in conn.execute(query)
    ]


def _select_rows() -> sa.Select[Any]:
    return sa.select(*_ROW_COLUMNS).join_from(
        deliveries, briefings, deliveries.c.briefing_id == briefings.c.id
    )


def save_briefing(
    conn: sa.Connection,
    subscriber: str,
    day: dt.date,
    content: dict[str, Any],
    now: dt.datetime,
    *,
    article_ids: Sequence[int] = (),
    sequence: int = 1,
) -> tuple[int, bool]:
    inserted = conn.execute(
        insert_into(conn, briefings)
        .values(subscriber=subscriber, day=day, created_at=now, content=content, sequence=sequence)
        .on_conflict_do_nothing(
            index_elements=[briefings.c.subscriber, briefings.c.day, briefings.c.sequence]
        )
        .returning(briefings.c.id)
    ).scalar_one_or_none()
    if inserted is not None:
        if article_ids:
            conn.execute(
                insert_into(conn, briefed).on_conflict_do_nothing(
                    index_elements=[briefed.c.subscriber, briefed.c.article_id]
                ),
                [
                    {"subscriber": subscriber, "article_id": a, "briefing_id": int(inserted)}
                    for a in article_ids
                ],
            )
        return int(inserted), True
    existing = conn.execute(
        sa.select(briefings.c.id).where(
            briefings.c.subscriber == subscriber, briefings.c.day == day, briefings.c.sequence == sequence
        )
    ).scalar_one()
    return int(existing), False


def briefings_of_day(conn: sa.Connection, subscriber: str, day: dt.date) -> list[SavedBriefing]:
    rows = conn.execute(
        sa.select(briefings.c.id, briefings.c.sequence, briefings.c.content)
        .where(briefings.c.subscriber == subscriber, briefings.c.day == day)
        .order_by(briefings.c.sequence)
    )
    return [SavedBriefing(int(r.id), int(r.sequence), dict(r.content)) for r in rows]


def briefing_content(conn: sa.Connection, briefing_id: int) -> dict[str, Any] | None:
    content = conn.execute(
        sa.select(briefings.c.content).where(briefings.c.id == briefing_id)
    ).scalar_one_or_none()
    return dict(content) if isinstance(content, Mapping) else None


def plan_deliveries(
    conn: sa.Connection, briefing_id: int, parts: Sequence[PlannedPart], now: dt.datetime
) -> int:
    """Insert the parts of each channel not planned for this briefing yet; return how many."""
    numbers: dict[str, list[int]] = {}
    for planned in parts:
        numbers.setdefault(planned.channel, []).append(planned.part)
    for channel, found in numbers.items():
        if sorted(found) != list(range(1, len(found) + 1)):
            raise ValueError(f"the parts for channel {channel!r} are not numbered 1..{len(found)}: {found}")
    planned_channels = set(
        conn.execute(
            sa.select(deliveries.c.channel).where(deliveries.c.briefing_id == briefing_id).distinct()
        ).scalars()
    )
    rows = [
        {
            "briefing_id": briefing_id,
            "channel": p.channel,
            "part": p.part,
            "status": PENDING,
            "attempts": 0,
            "last_error": None,
            "idempotency_key": p.idempotency_key,
            "updated_at": now,
            "message": p.message,
            "next_attempt_at": now,
        }
        for p in sorted(parts, key=lambda p: (p.channel, p.part))
        if p.channel not in planned_channels
    ]
    if rows:
        # A racing planner on PostgreSQL: the unique indexes make its rows and ours one set.
        conn.execute(insert_into(conn, deliveries).on_conflict_do_nothing(), rows)
    return len(rows)


def due_deliveries(
    conn: sa.Connection,
    now: dt.datetime,
    limit: int,
    subscribers: Collection[str] | None = None,
    channels: Collection[str] | None = None,
) -> list[DeliveryRow]:
    earlier = deliveries.alias("earlier")
    blocked = sa.exists().where(
        earlier.c.briefing_id == deliveries.c.briefing_id,
        earlier.c.channel == deliveries.c.channel,
        earlier.c.part < deliveries.c.part,
        sa.or_(
            earlier.c.status == FAILED,
            sa.and_(earlier.c.status == PENDING, earlier.c.next_attempt_at > now),
        ),
    )
    query = (
        _select_rows()
        .where(
            deliveries.c.status == PENDING,
            sa.or_(deliveries.c.next_attempt_at.is_(None), deliveries.c.next_attempt_at <= now),
            ~blocked,
            *([] if subscribers is None else [briefings.c.subscriber.in_(sorted(subscribers))]),
            *([] if channels is None else [deliveries.c.channel.in_(sorted(channels))]),
        )
        .order_by(deliveries.c.briefing_id, deliveries.c.channel, deliveries.c.part)
        .limit(limit)
    )
    return _rows(conn, query)


def record_attempt(
    conn: sa.Connection,
    delivery_id: int,
    result: DeliveryResult,
    now: dt.datetime,
    next_attempt_at: dt.datetime | None,
) -> bool:
    """Record one attempt on a pending part; False (and nothing written) when it is not pending."""
    row = conn.execute(
        sa.select(deliveries.c.briefing_id, deliveries.c.channel, deliveries.c.part).where(
            deliveries.c.id == delivery_id, deliveries.c.status == PENDING
        )
    ).one_or_none()
    if row is None:
        return False
    values: dict[str, Any] = {"attempts": deliveries.c.attempts + 1, "updated_at": now}
    if result.status == "sent":
        values.update(status=SENT, last_error=None, next_attempt_at=None)
    elif result.status == "failed":
        values.update(status=FAILED, last_error=result.reason, next_attempt_at=None)
    else:
        if next_attempt_at is None:
            raise ValueError("a part to retry needs the time of its next attempt")
        values.update(status=PENDING, last_error=result.reason, next_attempt_at=next_attempt_at)
    conn.execute(deliveries.update().where(deliveries.c.id == delivery_id).values(**values))
    if result.status == "failed":
        # The later parts cannot go out in order any more: they fail with it (and are retried with it).
        conn.execute(
            deliveries.update()
            .where(
                deliveries.c.briefing_id == row.briefing_id,
                deliveries.c.channel == row.channel,
                deliveries.c.part > row.part,
                deliveries.c.status == PENDING,
            )
            .values(status=FAILED, last_error=f"not sent: part {row.part} failed", updated_at=now)
        )
    return True


def _briefing_filter(day: dt.date | None, subscriber: str | None) -> list[sa.ColumnElement[bool]]:
    where: list[sa.ColumnElement[bool]] = []
    if day is not None:
        where.append(briefings.c.day == day)
    if subscriber is not None:
        where.append(briefings.c.subscriber == subscriber)
    return where


def list_deliveries(conn: sa.Connection, day: dt.date | None, subscriber: str | None) -> list[DeliveryRow]:
    query = (
        _select_rows()
        .where(*_briefing_filter(day, subscriber))
        .order_by(briefings.c.day, briefings.c.subscriber, deliveries.c.channel, deliveries.c.part)
    )
    return _rows(conn, query)


def reset_failed(
    conn: sa.Connection,
    now: dt.datetime,
    day: dt.date | None,
    subscriber: str | None,
    channel: str | None,
) -> int:
    where = [deliveries.c.status == FAILED]
    if day is not None or subscriber is not None:
        chosen = sa.select(briefings.c.id).where(*_briefing_filter(day, subscriber))
        where.append(deliveries.c.briefing_id.in_(chosen))
    if channel is not None:
        where.append(deliveries.c.channel == channel)
    result = conn.execute(
        deliveries.update().where(*where).values(status=PENDING, next_attempt_at=now, updated_at=now)
    )
    return int(result.rowcount)
