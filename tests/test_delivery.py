"""The sender against the real store (SQLite) and real channels: a webhook channel posting to a
server on 127.0.0.1 and the outbox-folder channel."""

from __future__ import annotations

import datetime as dt
import functools
import json
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from digest.delivery import deliver_due, message_fields, part_key, plan_parts, retry_delay
from digest.notify import Channel, FileChannel, Message, WebhookChannel
from digest.store import PlannedPart, Store, open_store
from tests.conftest import Route, serve

ROOT = Path(__file__).parent.parent
DAY = dt.date(2024, 7, 26)
T0 = dt.datetime(2024, 7, 26, 7, 0, tzinfo=dt.UTC)
OK = Route(200, body=b"ok")


@dataclass
class Receiver:
    """Takes POSTs; counts them per webhook-id (the idempotency key); answers from queued routes, then
    the path's route (404 for an unknown path)."""

    base_url: str
    routes: dict[str, Route] = field(default_factory=dict)
    queued: dict[str, list[Route]] = field(default_factory=dict)
    keys: list[str] = field(default_factory=list)  # in arrival order
    lock: threading.Lock = field(default_factory=threading.Lock)

    def route(self, path: str, route: Route = OK, *queued: Route) -> str:
        self.routes[path] = route
        self.queued[path] = list(queued)
        return self.base_url + path

    def answer(self, path: str, key: str) -> Route:
        with self.lock:
            self.keys.append(key)
            queued = self.queued.get(path)
            if queued:
                return queued.pop(0)
            return self.routes.get(path, Route(404, body=b"not found"))

    def counts(self) -> Counter[str]:
        with self.lock:
            return Counter(self.keys)


def _handler_for(receiver: Receiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            route = receiver.answer(urlsplit(self.path).path, self.headers.get("webhook-id", ""))
            if route.delay:
                time.sleep(route.delay)
            self.send_response(route.status)
            for name, value in route.headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(route.body)))
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(route.body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    return Handler


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with serve(_handler_for, Receiver) as server:
        yield server


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'digest.db'}"


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    with open_store(db_url) as store:
        yield store


class Clock:
    def __init__(self, start: dt.datetime = T0) -> None:
        self.time = start

    def __call__(self) -> dt.datetime:
        return self.time

    def advance(self, seconds: float) -> None:
        self.time += dt.timedelta(seconds=seconds)


def briefing_message(subscriber: str = "alice", part: int = 0) -> Message:
    title = f"{subscriber} 的每日简报 {DAY}" + (f" ({part})" if part else "")
    return Message(
        title=title,
        text=f"{title}\n\n交城县总工会送清凉慰问活动。",
        markdown=f"**{title}**\n\n交城县总工会送清凉慰问活动。",
        html=f"<h1>{title}</h1>",
        data={"subscriber": subscriber, "day": DAY.isoformat()},
        idempotency_key="unused",
    )


def plan(
    store: Store, channels: dict[str, Channel], subscriber: str = "alice", *, now: dt.datetime = T0
) -> int:
    briefing, _ = store.save_briefing(subscriber, DAY, {"articles": []}, now=now)
    store.plan_deliveries(briefing, plan_parts(briefing, briefing_message(subscriber), channels), now=now)
    return briefing


def plan_numbered(store: Store, channel: str, n: int, *, now: dt.datetime = T0) -> list[str]:
    """A briefing of ``n`` parts on one channel; returns their keys in order."""
    briefing, _ = store.save_briefing("alice", DAY, {}, now=now)
    planned = [
        PlannedPart(channel, i, part_key(briefing, channel, i), message_fields(briefing_message(part=i)))
        for i in range(1, n + 1)
    ]
    store.plan_deliveries(briefing, planned, now=now)
    return [p.idempotency_key for p in planned]


def hook(
    receiver: Receiver, path: str, *queued: Route, route: Route = OK, timeout: float = 5.0
) -> WebhookChannel:
    return WebhookChannel(receiver.route(path, route, *queued), name=path.strip("/"), timeout=timeout)


def only(store: Store) -> tuple[str, int, str | None, dt.datetime | None]:
    (row,) = store.deliveries()
    return row.status, row.attempts, row.last_error, row.next_attempt_at


def test_every_part_is_sent_once(store: Store, receiver: Receiver, tmp_path: Path) -> None:
    channels: dict[str, Channel] = {"hook": hook(receiver, "/hook"), "outbox": FileChannel(tmp_path / "out")}
    for subscriber in ("alice", "bob", "carol"):
        plan(store, channels, subscriber)
    clock = Clock()
    report = deliver_due(store, channels, now=clock)
    assert (report.sent, report.retrying, report.failed, report.problems) == (6, 0, 0, ())
    assert {r.status for r in store.deliveries()} == {"sent"}
    keys = {r.idempotency_key for r in store.deliveries() if r.channel == "hook"}
    assert receiver.counts() == dict.fromkeys(keys, 1)
    written = sorted(p.name for p in (tmp_path / "out").glob("*.json"))
    assert len(written) == 3
    record = json.loads((tmp_path / "out" / written[0]).read_text(encoding="utf-8"))
    assert record["title"] == f"alice 的每日简报 {DAY}" and record["id"].endswith("_outbox_1")

    clock.advance(3600)
    assert deliver_due(store, channels, now=clock).attempted == 0
    assert sum(receiver.counts().values()) == 3
    # Planning again the same day plans nothing new, so nothing is sent again either.
    plan(store, channels, "alice")
    assert deliver_due(store, channels, now=clock).attempted == 0


def test_a_server_error_is_retried_with_backoff(store: Store, receiver: Receiver) -> None:
    channels: dict[str, Channel] = {"hook": hook(receiver, "/hook", Route(500), Route(503))}
    plan(store, channels)
    clock = Clock()
    send = functools.partial(
        deliver_due, store, channels, now=clock, base_delay=10.0, max_delay=100.0, jitter=lambda: 0.0
    )

    report = send()
    assert (report.sent, report.retrying) == (0, 1)
    assert only(store) == ("pending", 1, "HTTP 500", T0 + dt.timedelta(seconds=5))  # 10 s x [0.5, 1)
    clock.advance(4)
    assert send().attempted == 0
    clock.advance(1)
    send()
    assert only(store) == ("pending", 2, "HTTP 503", clock.time + dt.timedelta(seconds=10))  # doubled
    clock.advance(10)
    assert send().sent == 1
    assert only(store) == ("sent", 3, None, None)
    assert sum(receiver.counts().values()) == 3


def test_retry_after_is_honoured(store: Store, receiver: Receiver) -> None:
    limited = Route(429, {"Retry-After": "120"}, b'{"error": "slow down"}')
    channels: dict[str, Channel] = {"hook": hook(receiver, "/hook", limited)}
    plan(store, channels)
    clock = Clock()
    deliver_due(store, channels, now=clock, base_delay=1.0, jitter=lambda: 0.5)
    status, attempts, reason, next_at = only(store)
    assert (status, attempts, next_at) == ("pending", 1, T0 + dt.timedelta(seconds=120))
    assert reason is not None and reason.startswith("HTTP 429")
    clock.advance(119)
    assert deliver_due(store, channels, now=clock, base_delay=1.0).attempted == 0
    clock.advance(1)
    assert deliver_due(store, channels, now=clock, base_delay=1.0).sent == 1


def test_a_client_error_fails_at_once_with_the_later_parts(store: Store, receiver: Receiver) -> None:
    channel = hook(receiver, "/gone", route=Route(404, body=b"no such hook"))
    plan_numbered(store, "gone", 3)
    report = deliver_due(store, {"gone": channel}, now=Clock())
    assert (report.sent, report.retrying, report.failed) == (0, 0, 3)
    assert report.problems == (f"alice {DAY} gone part 1: failed: HTTP 404: no such hook",)
    rows = store.deliveries()
    assert [(r.status, r.attempts, r.last_error) for r in rows] == [
        ("failed", 1, "HTTP 404: no such hook"),
        ("failed", 0, "not sent: part 1 failed"),
        ("failed", 0, "not sent: part 1 failed"),
    ]
    assert len(receiver.keys) == 1


def test_timeouts_are_retried_until_the_cap_then_reset_and_sent(store: Store, receiver: Receiver) -> None:
    slow = hook(receiver, "/hook", route=Route(200, delay=1.0), timeout=0.2)
    plan(store, {"hook": slow})
    clock = Clock()
    send = functools.partial(
        deliver_due, store, {"hook": slow}, now=clock, max_attempts=2, base_delay=1.0, jitter=lambda: 0.0
    )
    assert send().retrying == 1
    status, attempts, reason, _ = only(store)
    assert (status, attempts) == ("pending", 1) and reason is not None and "timed out" in reason
    clock.advance(1)
    report = send()
    assert report.failed == 1
    status, attempts, reason, next_at = only(store)
    assert (status, attempts, next_at) == ("failed", 2, None)
    assert reason is not None and reason.startswith("gave up after 2 attempts: ") and "timed out" in reason
    clock.advance(3600)
    assert deliver_due(store, {"hook": slow}, now=clock).attempted == 0  # failed stays failed

    fixed = hook(receiver, "/fixed")
    assert store.reset_failed(now=clock.time) == 1
    assert deliver_due(store, {"hook": fixed}, now=clock).sent == 1
    assert only(store)[:2] == ("sent", 3)


def test_a_channel_no_longer_configured_fails_with_a_reason(store: Store, receiver: Receiver) -> None:
    plan(store, {"old": hook(receiver, "/old")})
    report = deliver_due(store, {"new": hook(receiver, "/new")}, now=Clock())
    assert report.failed == 1
    status, _, reason, _ = only(store)
    assert status == "failed" and reason is not None and "'old' is no longer configured" in reason
    assert receiver.keys == []


def test_parts_go_out_in_order(store: Store, receiver: Receiver) -> None:
    channels: dict[str, Channel] = {"hook": hook(receiver, "/hook", OK, Route(502))}
    keys = plan_numbered(store, "hook", 3)
    clock = Clock()
    report = deliver_due(store, channels, now=clock, base_delay=4.0, jitter=lambda: 0.0)  # 2 s
    assert (report.sent, report.retrying) == (1, 1)
    assert [(r.status, r.attempts) for r in store.deliveries()] == [
        ("sent", 1),
        ("pending", 1),
        ("pending", 0),
    ]
    clock.advance(1)
    assert deliver_due(store, channels, now=clock).attempted == 0  # part 3 waits for part 2
    clock.advance(1)
    assert deliver_due(store, channels, now=clock).sent == 2
    assert receiver.keys == [keys[0], keys[1], keys[1], keys[2]]


def test_a_hanging_channel_does_not_delay_the_others(store: Store, receiver: Receiver) -> None:
    channels: dict[str, Channel] = {
        "slow": hook(receiver, "/slow", route=Route(200, delay=2.0), timeout=0.5),
        "fast": hook(receiver, "/fast"),
    }
    for subscriber in ("alice", "bob", "carol"):
        plan(store, channels, subscriber)
    clock = Clock()
    runner = threading.Thread(
        target=deliver_due, args=(store, channels), kwargs={"now": clock, "concurrency": 2}
    )
    started = time.monotonic()
    runner.start()
    try:
        while time.monotonic() - started < 5:
            if [r.status for r in store.deliveries() if r.channel == "fast"] == ["sent"] * 3:
                break
            time.sleep(0.01)
        fast_done = time.monotonic() - started
        # The slow channel's three sends time out one after another (1.5 s); the fast one's are done
        # well before: it kept its share of the workers.
        assert runner.is_alive() and fast_done < 1.0
    finally:
        runner.join(timeout=10)
    slow = [r for r in store.deliveries() if r.channel == "slow"]
    assert [(r.status, r.attempts) for r in slow] == [("pending", 1)] * 3
    assert all(r.last_error and "timed out" in r.last_error for r in slow)


SENDER = """
import datetime as dt, sys
from digest.delivery import deliver_due
from digest.notify import WebhookChannel
from digest.store import open_store

store = open_store(sys.argv[1])
channel = WebhookChannel(sys.argv[2], name="hook", timeout=10)
deliver_due(store, {"hook": channel}, now=lambda: dt.datetime.now(dt.UTC), concurrency=1)
print("finished", flush=True)
"""


def test_a_sender_killed_mid_briefing_loses_nothing_and_repeats_at_most_the_part_in_flight(
    store: Store, db_url: str, receiver: Receiver
) -> None:
    url = receiver.route("/hook", Route(200, delay=0.2))
    keys = plan_numbered(store, "hook", 10, now=dt.datetime.now(dt.UTC))
    process = subprocess.Popen(
        [sys.executable, "-c", SENDER, db_url, url], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    try:
        deadline = time.monotonic() + 30
        while sum(r.status == "sent" for r in store.deliveries()) < 3:
            assert process.poll() is None, process.communicate()
            assert time.monotonic() < deadline, "the sender sent nothing"
            time.sleep(0.005)
        process.send_signal(signal.SIGKILL)
    finally:
        out, err = process.communicate(timeout=10)
    assert process.returncode == -signal.SIGKILL, (out, err)
    recorded = {r.idempotency_key for r in store.deliveries() if r.status == "sent"}
    assert 3 <= len(recorded) < 10

    channel = WebhookChannel(url, name="hook", timeout=10)
    report = deliver_due(store, {"hook": channel}, now=lambda: dt.datetime.now(dt.UTC))
    assert report.sent == 10 - len(recorded)
    assert {r.status for r in store.deliveries()} == {"sent"}

    counts = receiver.counts()
    assert set(counts) == set(keys)  # every part arrived
    assert all(counts[key] == 1 for key in recorded)  # acknowledged and recorded: never again
    duplicates = {key: n for key, n in counts.items() if n > 1}
    assert len(duplicates) <= 1 and set(duplicates.values()) <= {2}  # at most the one in flight
    assert not set(duplicates) & recorded
    # Sent in order, the duplicate being the first part the second run sent.
    first_unrecorded = next(key for key in keys if key not in recorded)
    assert set(duplicates) <= {first_unrecorded}
    assert [key for key in dict.fromkeys(receiver.keys)] == keys


def test_retry_delay() -> None:
    delays = [retry_delay(n, base_delay=30, max_delay=3600, jitter=lambda: 0.0) for n in range(1, 10)]
    assert delays == [15, 30, 60, 120, 240, 480, 960, 1800, 1800]
    assert retry_delay(1, base_delay=30, max_delay=3600, jitter=lambda: 0.999) == pytest.approx(29.985)
    assert retry_delay(1, base_delay=30, max_delay=3600, jitter=lambda: 0.0, retry_after=90) == 90
    assert retry_delay(3, base_delay=30, max_delay=3600, jitter=lambda: 0.0, retry_after=5) == 60
    assert retry_delay(1, base_delay=30, max_delay=3600, jitter=lambda: 0, retry_after=1e9) == 24 * 3600
    assert retry_delay(500, base_delay=30, max_delay=3600, jitter=lambda: 1.0) == 3600


def test_plan_parts_keys_and_messages(tmp_path: Path) -> None:
    channels: dict[str, Channel] = {
        "outbox": FileChannel(tmp_path),
        "hook": WebhookChannel("http://127.0.0.1:9/"),
    }
    planned = plan_parts(7, briefing_message(), channels)
    assert [(p.channel, p.part, p.idempotency_key) for p in planned] == [
        ("outbox", 1, "brf_7_outbox_1"),
        ("hook", 1, "brf_7_hook_1"),
    ]
    assert planned[0].message == {**message_fields(briefing_message()), "idempotency_key": "brf_7_outbox_1"}


def test_bad_settings_are_refused(store: Store) -> None:
    never: Callable[[], dt.datetime] = Clock()
    with pytest.raises(ValueError, match="at least 1"):
        deliver_due(store, {}, now=never, concurrency=0)
