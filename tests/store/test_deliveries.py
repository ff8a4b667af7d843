"""The briefing and delivery-log part of the Store's contract, the same on every backend."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest

from digest.notify import DeliveryResult
from digest.store import PlannedPart, Store
from tests.store.conftest import NOW

DAY = dt.date(2024, 7, 26)
LATER = NOW + dt.timedelta(minutes=5)


def parts(briefing_id: int, channel: str, n: int) -> list[PlannedPart]:
    return [
        PlannedPart(channel, i, f"brf_{briefing_id}_{channel}_{i}", {"title": f"第{i}部分", "data": {}})
        for i in range(1, n + 1)
    ]


def test_a_briefing_is_saved_once_a_day(store: Store) -> None:
    first, created = store.save_briefing("alice", DAY, {"articles": [1, 2]}, now=NOW)
    assert created
    assert store.save_briefing("alice", DAY, {"articles": [3]}, now=LATER) == (first, False)
    assert store.briefing_content(first) == {"articles": [1, 2]}  # the first one stays
    other, created = store.save_briefing("alice", DAY + dt.timedelta(days=1), {}, now=NOW)
    assert created and other != first
    assert store.save_briefing("bob", DAY, {}, now=NOW)[1]
    assert store.briefing_content(9999) is None


def test_planning_is_once_per_channel_and_keeps_the_rendered_part(store: Store) -> None:
    briefing, _ = store.save_briefing("alice", DAY, {}, now=NOW)
    assert (
        store.plan_deliveries(briefing, parts(briefing, "hook", 2) + parts(briefing, "mail", 1), now=NOW) == 3
    )
    assert store.plan_deliveries(briefing, parts(briefing, "hook", 3), now=LATER) == 0
    # A channel configured later the same day gets its parts; the planned ones stay as they were.
    assert (
        store.plan_deliveries(briefing, parts(briefing, "hook", 3) + parts(briefing, "chat", 1), now=LATER)
        == 1
    )
    rows = store.deliveries()
    assert [(r.channel, r.part, r.status, r.attempts) for r in rows] == [
        ("chat", 1, "pending", 0),
        ("hook", 1, "pending", 0),
        ("hook", 2, "pending", 0),
        ("mail", 1, "pending", 0),
    ]
    assert rows[2].message == {"title": "第2部分", "data": {}}
    assert rows[2].idempotency_key == f"brf_{briefing}_hook_2"
    assert (rows[2].subscriber, rows[2].day) == ("alice", DAY)
    assert rows[1].next_attempt_at == NOW and rows[0].next_attempt_at == LATER


def test_parts_must_be_numbered_from_one(store: Store) -> None:
    briefing, _ = store.save_briefing("alice", DAY, {}, now=NOW)
    with pytest.raises(ValueError, match="not numbered"):
        store.plan_deliveries(briefing, parts(briefing, "hook", 3)[1:], now=NOW)
    assert store.deliveries() == []


def test_due_parts_oldest_first_and_in_part_order(store: Store) -> None:
    a, _ = store.save_briefing("alice", DAY, {}, now=NOW)
    b, _ = store.save_briefing("bob", DAY, {}, now=NOW)
    store.plan_deliveries(b, parts(b, "hook", 2), now=NOW)
    store.plan_deliveries(a, parts(a, "hook", 2), now=LATER)
    assert store.due_deliveries(NOW, 10) == store.due_deliveries(NOW, 10)
    assert [(r.subscriber, r.part) for r in store.due_deliveries(NOW, 10)] == [("bob", 1), ("bob", 2)]
    due = store.due_deliveries(LATER, 10)
    assert [(r.subscriber, r.part) for r in due] == [("alice", 1), ("alice", 2), ("bob", 1), ("bob", 2)]
    assert [r.subscriber for r in store.due_deliveries(LATER, 1)] == ["alice"]

    # Part 1 waits for a retry: part 2 is not due before it, whatever its own time.
    first = due[0]
    retry_at = LATER + dt.timedelta(minutes=1)
    assert store.record_attempt(
        first.id, DeliveryResult.retry("HTTP 503"), now=LATER, next_attempt_at=retry_at
    )
    assert [(r.subscriber, r.part) for r in store.due_deliveries(LATER, 10)] == [("bob", 1), ("bob", 2)]
    assert [(r.subscriber, r.part) for r in store.due_deliveries(retry_at, 10)][:2] == [
        ("alice", 1),
        ("alice", 2),
    ]


def test_recording_attempts(store: Store) -> None:
    briefing, _ = store.save_briefing("alice", DAY, {}, now=NOW)
    store.plan_deliveries(briefing, parts(briefing, "hook", 3) + parts(briefing, "mail", 1), now=NOW)
    hook1, hook2, hook3, mail = store.due_deliveries(NOW, 10)

    retry_at = NOW + dt.timedelta(seconds=30)
    store.record_attempt(hook1.id, DeliveryResult.retry("HTTP 500", 30.0), now=NOW, next_attempt_at=retry_at)
    with pytest.raises(ValueError, match="next attempt"):
        store.record_attempt(hook1.id, DeliveryResult.retry("HTTP 500"), now=NOW, next_attempt_at=None)
    store.record_attempt(hook1.id, DeliveryResult.sent("HTTP 200"), now=retry_at)
    store.record_attempt(hook2.id, DeliveryResult.failed("HTTP 404: not found"), now=retry_at)
    store.record_attempt(mail.id, DeliveryResult.sent(), now=NOW)
    # Recording on a part that is no longer pending writes nothing.
    assert not store.record_attempt(mail.id, DeliveryResult.failed("late"), now=LATER)

    rows = {(r.channel, r.part): r for r in store.deliveries()}
    assert (rows["hook", 1].status, rows["hook", 1].attempts, rows["hook", 1].last_error) == ("sent", 2, None)
    assert rows["hook", 1].updated_at == retry_at
    assert (rows["hook", 2].status, rows["hook", 2].attempts) == ("failed", 1)
    assert rows["hook", 2].last_error == "HTTP 404: not found"
    # Part 3 can no longer go out in order: it fails with part 2, without an attempt of its own.
    assert (rows["hook", 3].status, rows["hook", 3].attempts) == ("failed", 0)
    assert rows["hook", 3].last_error == "not sent: part 2 failed"
    assert (rows["mail", 1].status, rows["mail", 1].attempts) == ("sent", 1)
    assert store.due_deliveries(LATER, 10) == []
    assert hook3.part == 3


def test_listing_and_resetting_failed_parts(store: Store) -> None:
    a, _ = store.save_briefing("alice", DAY, {}, now=NOW)
    b, _ = store.save_briefing("bob", DAY, {}, now=NOW)
    c, _ = store.save_briefing("alice", DAY + dt.timedelta(days=1), {}, now=NOW)
    for briefing in (a, b, c):
        store.plan_deliveries(briefing, parts(briefing, "hook", 1) + parts(briefing, "mail", 1), now=NOW)
    for row in store.due_deliveries(NOW, 10):
        store.record_attempt(row.id, DeliveryResult.failed("HTTP 403"), now=NOW)

    assert [(r.subscriber, r.day) for r in store.deliveries(subscriber="alice")] == [
        ("alice", DAY),
        ("alice", DAY),
        ("alice", DAY + dt.timedelta(days=1)),
        ("alice", DAY + dt.timedelta(days=1)),
    ]
    assert {r.subscriber for r in store.deliveries(day=DAY)} == {"alice", "bob"}
    assert len(store.deliveries(DAY, "bob")) == 2

    assert store.reset_failed(now=LATER, day=DAY, subscriber="alice", channel="hook") == 1
    assert store.reset_failed(now=LATER, subscriber="bob") == 2
    due = store.due_deliveries(LATER, 10)
    assert [(r.subscriber, r.channel, r.attempts, r.next_attempt_at) for r in due] == [
        ("alice", "hook", 1, LATER),
        ("bob", "hook", 1, LATER),
        ("bob", "mail", 1, LATER),
    ]
    assert store.reset_failed(now=LATER) == 3
    assert store.reset_failed(now=LATER) == 0


def test_two_stores_planning_the_same_briefing(open_test_store: Callable[[], Store]) -> None:
    one, two = open_test_store(), open_test_store()
    briefing, _ = one.save_briefing("alice", DAY, {}, now=NOW)
    assert two.save_briefing("alice", DAY, {}, now=NOW) == (briefing, False)
    one.plan_deliveries(briefing, parts(briefing, "hook", 2), now=NOW)
    assert two.plan_deliveries(briefing, parts(briefing, "hook", 2), now=NOW) == 0
    assert len(one.deliveries()) == 2
