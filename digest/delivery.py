"""The sender: every due part of the delivery log, sent over its channel, each attempt recorded.

A briefing's delivery is planned once (``plan_parts`` and ``Store.plan_deliveries``): per channel, the
briefing split into the parts that channel accepts, each with its rendered Message and an idempotency
key. ``deliver_due`` then sends whatever is due:

- concurrently, at most ``concurrency`` sends at once, each channel getting its share of them, so a
  channel that hangs until its timeout never holds up the others;
- the parts of one briefing on one channel in order: part 2 only after part 1 was sent;
- "retry" (a timeout, a 5xx, a 429) keeps the part pending, due again after an exponential backoff
  with jitter, or after the server's Retry-After where that is longer; "failed" (a 4xx, a bad token)
  is final, and so is the ``max_attempts``-th "retry" ("gave up after N attempts: …"). A failed part
  takes the later parts of its briefing and channel with it; ``Store.reset_failed`` puts them back.

Each attempt is recorded in its own transaction as soon as the send returns. A crash therefore never
forgets a part the receiver acknowledged and recorded, and never loses one it did not acknowledge: that
one is still pending and is sent again. The only duplicate a crash can cause is the part in flight at
that moment, and it carries the same idempotency key, so the receiver can drop it.
"""

from __future__ import annotations

import datetime as dt
import logging
import random
import threading
from collections import Counter, deque
from collections.abc import Callable, Collection, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field, replace
from typing import Any

from digest.notify.base import Channel, DeliveryResult, Message
from digest.store import DeliveryRow, PlannedPart, Store

log = logging.getLogger(__name__)

# The longest a server's Retry-After is honoured for; a longer one is taken as this.
MAX_RETRY_AFTER = 24 * 3600.0
# Due parts read from the log at a time.
BATCH = 500


def message_fields(message: Message) -> dict[str, Any]:
    """A Message as the delivery log stores it (JSON)."""
    return {
        "title": message.title,
        "text": message.text,
        "markdown": message.markdown,
        "html": message.html,
        "data": message.data,
        "idempotency_key": message.idempotency_key,
    }


def message_from_fields(fields: Mapping[str, Any], idempotency_key: str) -> Message:
    """The Message a stored part was planned as, under the key the log holds for it."""
    values = {name: fields.get(name) for name in ("title", "text", "markdown", "html")}
    data = fields.get("data")
    if not all(isinstance(v, str) for v in values.values()) or not isinstance(data, dict):
        raise ValueError("the stored part is not a rendered message")
    return Message(
        title=str(values["title"]),
        text=str(values["text"]),
        markdown=str(values["markdown"]),
        html=str(values["html"]),
        data=data,
        idempotency_key=idempotency_key,
    )


def part_key(briefing_id: int, channel: str, part: int) -> str:
    """The idempotency key of one part: the same on every retry and after every restart."""
    return f"brf_{briefing_id}_{channel}_{part}"


def plan_parts(briefing_id: int, message: Message, channels: Mapping[str, Channel]) -> list[PlannedPart]:
    """The parts of a briefing on each channel (by configured name), as the channel splits it."""
    planned: list[PlannedPart] = []
    for name, channel in channels.items():
        for number, part in enumerate(channel.split(message), 1):
            key = part_key(briefing_id, name, number)
            planned.append(PlannedPart(name, number, key, message_fields(replace(part, idempotency_key=key))))
    return planned


def retry_delay(
    attempts: int,
    *,
    base_delay: float,
    max_delay: float,
    jitter: Callable[[], float] = random.random,
    retry_after: float | None = None,
) -> float:
    """Seconds to wait after the ``attempts``-th attempt asked for a retry: ``base_delay * 2**(n-1)``
    capped at ``max_delay``, scaled by a random factor in [0.5, 1) so that parts do not retry in step;
    never less than the server's Retry-After (itself taken as at most a day)."""
    ceiling = min(max_delay, base_delay * 2.0 ** min(max(attempts, 1) - 1, 60))
    delay = ceiling * (0.5 + 0.5 * min(max(jitter(), 0.0), 1.0))
    if retry_after is not None:
        delay = max(delay, min(retry_after, MAX_RETRY_AFTER))
    return delay


@dataclass(frozen=True, slots=True)
class DeliveryReport:
    """What one ``deliver_due`` did, counted in parts."""

    sent: int = 0
    retrying: int = 0  # still pending, due again later
    failed: int = 0  # failed for good this time (with the later parts that failed with them)
    problems: tuple[str, ...] = ()  # one line per part not sent: who, which channel and part, why

    @property
    def attempted(self) -> int:
        return self.sent + self.retrying + self.failed


@dataclass
class _Tally:
    lock: threading.Lock = field(default_factory=threading.Lock)
    counts: Counter[str] = field(default_factory=Counter)
    problems: list[str] = field(default_factory=list)

    def add(self, row: DeliveryRow, result: DeliveryResult, cascaded: int) -> None:
        outcome = {"sent": "sent", "retry": "retrying", "failed": "failed"}[result.status]
        with self.lock:
            self.counts[outcome] += 1
            self.counts["failed"] += cascaded
            if not result.ok:
                where = f"{row.subscriber} {row.day} {row.channel} part {row.part}"
                self.problems.append(f"{where}: {result.status}: {result.reason}")

    def report(self) -> DeliveryReport:
        with self.lock:
            return DeliveryReport(
                self.counts["sent"], self.counts["retrying"], self.counts["failed"], tuple(self.problems)
            )


@dataclass(frozen=True, slots=True)
class _Sender:
    store: Store
    channels: Mapping[str, Channel]
    now: Callable[[], dt.datetime]
    max_attempts: int
    base_delay: float
    max_delay: float
    jitter: Callable[[], float]
    tally: _Tally

    def send_group(self, rows: Sequence[DeliveryRow]) -> bool:
        """Send the parts of one briefing on one channel in order; stop at the first not sent. True when
        all were sent."""
        for index, row in enumerate(rows):
            result = self._send(row)
            attempts = row.attempts + 1
            at = self.now()
            next_attempt_at = None
            if result.status == "retry":
                if attempts >= self.max_attempts:
                    result = DeliveryResult.failed(f"gave up after {attempts} attempts: {result.reason}")
                else:
                    delay = retry_delay(
                        attempts,
                        base_delay=self.base_delay,
                        max_delay=self.max_delay,
                        jitter=self.jitter,
                        retry_after=result.retry_after,
                    )
                    next_attempt_at = at + dt.timedelta(seconds=delay)
            # Recorded at once, in its own transaction: an acknowledged part is never sent again.
            self.store.record_attempt(row.id, result, now=at, next_attempt_at=next_attempt_at)
            cascaded = len(rows) - index - 1 if result.status == "failed" else 0
            self.tally.add(row, result, cascaded)
            if not result.ok:
                return False
        return True

    def _send(self, row: DeliveryRow) -> DeliveryResult:
        channel = self.channels.get(row.channel)
        if channel is None:
            return DeliveryResult.failed(
                f"the channel {row.channel!r} is no longer configured; add it back and run "
                "`digest send --retry-failed`"
            )
        if row.message is None:
            return DeliveryResult.failed("no rendered part was stored for this delivery")
        try:
            message = message_from_fields(row.message, row.idempotency_key)
        except ValueError as exc:
            return DeliveryResult.failed(str(exc))
        return channel.send(message)


def _groups(rows: Sequence[DeliveryRow]) -> dict[tuple[int, str], list[DeliveryRow]]:
    """Due rows by (briefing, channel), each group in part order."""
    groups: dict[tuple[int, str], list[DeliveryRow]] = {}
    for row in rows:
        groups.setdefault((row.briefing_id, row.channel), []).append(row)
    for group in groups.values():
        group.sort(key=lambda r: r.part)
    return groups


def _run_fairly(
    groups: Mapping[tuple[int, str], list[DeliveryRow]],
    send_group: Callable[[list[DeliveryRow]], bool],
    concurrency: int,
) -> set[tuple[int, str]]:
    """Run ``send_group`` on every group, at most ``concurrency`` at once and each channel at most its
    share of them (``concurrency`` divided among the channels that still have work), round robin.
    Return the groups that stopped at a part not sent."""
    queues: dict[str, deque[tuple[int, str]]] = {}
    for key in groups:
        queues.setdefault(key[1], deque()).append(key)
    running: dict[Future[bool], tuple[int, str]] = {}
    per_channel: Counter[str] = Counter()
    stopped: set[tuple[int, str]] = set()
    error: Exception | None = None
    with ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="digest-deliver") as pool:
        while queues or running:
            busy = set(queues) | {key[1] for key in running.values()}
            share = max(1, concurrency // len(busy))
            submitted = True
            while submitted and len(running) < concurrency:
                submitted = False
                for channel in list(queues):
                    if len(running) >= concurrency:
                        break
                    if per_channel[channel] >= share:
                        continue
                    key = queues[channel].popleft()
                    running[pool.submit(send_group, groups[key])] = key
                    per_channel[channel] += 1
                    submitted = True
                    if not queues[channel]:
                        del queues[channel]
            done, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in done:
                key = running.pop(future)
                per_channel[key[1]] -= 1
                try:
                    if not future.result():
                        stopped.add(key)
                except Exception as exc:  # the store failed: finish what runs, start nothing new
                    error = error or exc
                    queues.clear()
    if error is not None:
        raise error
    return stopped


def deliver_due(
    store: Store,
    channels: Mapping[str, Channel],
    *,
    now: Callable[[], dt.datetime],
    max_attempts: int = 6,
    base_delay: float = 30.0,
    max_delay: float = 3600.0,
    concurrency: int = 8,
    jitter: Callable[[], float] = random.random,
    subscribers: Collection[str] | None = None,
    only_these_channels: bool = False,
) -> DeliveryReport:
    """Send every part of the delivery log that is due (of ``subscribers`` only, where given), by the
    configured channels (by name); return what happened. ``only_these_channels``: send only the parts
    of the channels given (a queue worker sending one channel's parts in order), leaving the rest.
    Channels never raise for delivery problems;
    a store error is raised after the sends already running have finished and been recorded."""
    if max_attempts < 1 or concurrency < 1:
        raise ValueError("max_attempts and concurrency must be at least 1")
    tally = _Tally()
    sender = _Sender(store, channels, now, max_attempts, base_delay, max_delay, jitter, tally)
    seen: set[int] = set()
    stopped: set[tuple[int, str]] = set()  # (briefing, channel) with a part not sent in this run
    while True:
        rows = store.due_deliveries(
            now(), BATCH, subscribers, list(channels) if only_these_channels else None
        )
        # A part retried in this run that is due again already waits for the next run, and so do
        # the later parts of its briefing and channel (they must not overtake it).
        fresh = [r for r in rows if r.id not in seen and (r.briefing_id, r.channel) not in stopped]
        if not fresh:
            break
        seen.update(r.id for r in fresh)
        stopped |= _run_fairly(_groups(fresh), sender.send_group, concurrency)
        if len(rows) < BATCH:
            break
    report = tally.report()
    if report.attempted:
        log.info(
            "delivery: %d parts sent, %d to retry, %d failed", report.sent, report.retrying, report.failed
        )
    return report
