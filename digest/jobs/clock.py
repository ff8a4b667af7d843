"""The clock of the job queue: `digest run` with [workers] executor = "queue".

APScheduler still decides when (polls at their intervals, briefings at the subscribers' times, the
delivery check); at each tick the clock claims the tick's slot and enqueues the job for the workers.
Several clocks may run for failover: the slot goes to one of them, and the queueing locks keep a job
that still waits from being enqueued again.
"""

from __future__ import annotations

import logging
from typing import Any

from digest.jobs import queue
from digest.runtime import Runtime, current

log = logging.getLogger(__name__)

_app: Any = None


def open_clock(rt: Runtime) -> Any:
    """The queue app this clock defers through (schema created when missing)."""
    global _app  # noqa: PLW0603 - APScheduler jobs take plain arguments; the app is process-wide
    queue.ensure_queue_schema(rt.store)
    _app = queue.build_app(rt.settings, for_worker=False)
    _app.open()
    return _app


def close_clock() -> None:
    global _app  # noqa: PLW0603
    if _app is not None:
        _app.close()
        _app = None


def _ready(job: str) -> tuple[Runtime, Any] | None:
    rt = current()
    if rt is None or _app is None:
        return None
    if not queue.claim_slot(rt.store, queue.slot_of(job, rt.clock())):
        log.info("%s: another clock enqueued this tick", job)
        return None
    return rt, _app


def enqueue_poll(source_name: str) -> None:
    if (ready := _ready(f"poll:{source_name}")) is not None:
        queue.defer_poll(ready[1], source_name)


def enqueue_briefing(subscriber_name: str) -> None:
    if (ready := _ready(f"brief:{subscriber_name}")) is not None:
        queue.defer_compose(ready[1], subscriber_name)


def enqueue_due_sends() -> None:
    """The check every minute: sends for every channel with parts due (retries, and parts a dead
    worker left pending), and summarise jobs while articles wait (after a summarise job failed,
    nothing else would ask for them until the next poll brought news)."""
    if (ready := _ready("deliver")) is None:
        return
    rt, app = ready
    for subscriber, channel in queue.channels_with_due_parts(rt.store, rt.clock()):
        queue.defer_send(app, subscriber, channel)
    if rt.store.pending_articles(1):
        queue.defer_summarise(app, rt.settings.workers.summarise_jobs)
