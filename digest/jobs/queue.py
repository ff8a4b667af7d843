"""The PostgreSQL job queue (Procrastinate): `digest run` enqueues, `digest worker` processes work.

Procrastinate keeps its jobs in the digest database, so there is no broker to run. Its own tools do
the ordering and the exclusion:

- a poll job is locked per source (one poll of a source at a time), a send job per subscriber and
  channel (parts stay in order); a waiting job has a queueing lock, so a second clock (or a second
  tick) does not enqueue what already waits;
- summarise jobs claim batches of pending articles with ``FOR UPDATE SKIP LOCKED``
  (Store.claimed_pending): several workers summarise at once and never the same article, and a
  worker that dies releases its batch with its connection;
- workers send heartbeats; a worker silent for ``stalled_after_seconds`` is dead, and a periodic job
  (run by whichever worker is alive) gives its running jobs to the others.

Each clock tick claims its slot in ``digest_clock_slots`` before it enqueues, so that two clocks
running for failover enqueue each poll and each briefing once.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from digest.briefing.daily import channel_key
from digest.config import Settings
from digest.errors import ConfigError
from digest.jobs import work
from digest.runtime import Runtime, current, runtime
from digest.store import Store

if TYPE_CHECKING:
    from procrastinate import App

log = logging.getLogger(__name__)

QUEUES = ("fetch", "summarise", "deliver")
# The clock's slots: created only with the queue, so that SQLite databases never hold it.
_slots = sa.Table(
    "digest_clock_slots",
    sa.MetaData(),
    sa.Column("slot", sa.Text, primary_key=True),
    sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
)
_POLL, _SUMMARISE, _COMPOSE, _SEND, _RECOVER = (
    "digest.poll",
    "digest.summarise",
    "digest.compose",
    "digest.send",
    "digest.recover_stalled",
)


def conninfo(store_url: str) -> str:
    """The libpq URL of a SQLAlchemy PostgreSQL URL (postgresql+psycopg://… → postgresql://…)."""
    url = sa.engine.make_url(store_url)
    if url.get_backend_name() != "postgresql":
        raise ConfigError(
            '[workers] executor = "queue" needs the PostgreSQL store ([store] url = '
            '"postgresql+psycopg://…"); on SQLite digest runs its jobs itself (executor = "inline")'
        )
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def build_app(settings: Settings, *, for_worker: bool) -> App:
    """The Procrastinate app on the store's database, its tasks registered. A worker needs the
    asynchronous connector; a clock defers through the synchronous one."""
    import procrastinate  # noqa: PLC0415  (the queue extra: pip install 'digest[queue]')

    info = conninfo(settings.store.url)
    connector: procrastinate.PsycopgConnector | procrastinate.SyncPsycopgConnector = (
        procrastinate.PsycopgConnector(conninfo=info)
        if for_worker
        else procrastinate.SyncPsycopgConnector(conninfo=info)
    )
    app = procrastinate.App(connector=connector)
    _register(app, settings)
    return app


def _runtime() -> Runtime:
    rt = current()
    if rt is None:  # pragma: no cover - a worker opens its runtime before it takes jobs
        raise RuntimeError("a digest job ran outside `digest worker`")
    return rt


def _register(app: App, settings: Settings) -> None:
    workers = settings.workers

    @app.task(name=_POLL, queue="fetch")
    def poll_task(source_name: str) -> None:
        rt = _runtime()
        if source_name not in rt.sources:
            log.warning("poll of %s skipped: the source is not configured in this worker", source_name)
            return
        if work.poll(rt, source_name).documents:
            defer_summarise(app, workers.summarise_jobs)

    @app.task(name=_SUMMARISE, queue="summarise")
    def summarise_task() -> None:
        rt = _runtime()
        done, _errors = work.summarise_batches(rt, rt.settings.scheduler.summarise_batch)
        if done:
            for subscriber in late_subscribers(rt):
                defer_compose(app, subscriber)

    @app.task(name=_COMPOSE, queue="deliver")
    def compose_task(subscriber_name: str, day: str | None = None) -> None:
        rt = _runtime()
        when = dt.date.fromisoformat(day) if day else None
        if work.compose(rt, subscriber_name, when) is not None:
            for channel in _channels_of(rt, subscriber_name):
                defer_send(app, subscriber_name, channel)

    @app.task(name=_SEND, queue="deliver")
    def send_task(subscriber_name: str, channel: str) -> None:
        work.send(_runtime(), subscriber_name, channel)

    # A live worker of the deliver queue runs this every 10 seconds (Procrastinate defers a periodic
    # job once for all workers, on its task's queue): the jobs of workers silent for
    # stalled_after_seconds go back to the queue. Keep a deliver worker on more than one machine.
    @app.periodic(cron="* * * * * */10", periodic_id="recover")
    @app.task(name=_RECOVER, queue="deliver", queueing_lock=_RECOVER)
    async def recover_task(timestamp: int) -> None:
        stalled = await app.job_manager.get_stalled_jobs(
            seconds_since_heartbeat=workers.stalled_after_seconds
        )
        for job in stalled:
            if job.id is None:  # pragma: no cover - a stored job always has its id
                continue
            log.warning(
                "job %s (%s) was running on a worker that stopped; it runs again", job.id, job.task_name
            )
            await app.job_manager.retry_job_by_id_async(job.id, dt.datetime.now(dt.UTC))
        await app.job_manager.prune_stalled_workers(workers.stalled_after_seconds)


def late_subscribers(rt: Runtime) -> list[str]:
    """Subscribers who want late news the same day and whose briefing time has passed today."""
    now = rt.clock()
    return [
        s.name
        for s in rt.settings.subscribers
        if s.late == "supplement" and now.astimezone(s.zone).time() >= s.at
    ]


def _channels_of(rt: Runtime, subscriber_name: str) -> list[str]:
    subscriber = next((s for s in rt.settings.subscribers if s.name == subscriber_name), None)
    if subscriber is None:
        return []
    from digest.briefing.subscribers import channel_name  # noqa: PLC0415

    return [channel_key(subscriber.name, channel_name(c)) for c in subscriber.channels]


# -- deferring: each waiting job at most once (queueing locks) -------------------------------------


def _defer(app: App, task: str, *, lock: str | None, queueing_lock: str, **kwargs: Any) -> bool:
    """Enqueue ``task`` unless the same job already waits; whether it was enqueued."""
    from procrastinate import exceptions  # noqa: PLC0415

    try:
        app.configure_task(name=task, lock=lock, queueing_lock=queueing_lock).defer(**kwargs)
    except exceptions.AlreadyEnqueued:
        return False
    return True


def defer_poll(app: App, source_name: str) -> bool:
    return _defer(
        app, _POLL, lock=f"poll:{source_name}", queueing_lock=f"poll:{source_name}", source_name=source_name
    )


def defer_summarise(app: App, jobs: int) -> int:
    return sum(_defer(app, _SUMMARISE, lock=None, queueing_lock=f"summarise:{i}") for i in range(jobs))


def defer_compose(app: App, subscriber_name: str, day: dt.date | None = None) -> bool:
    return _defer(
        app,
        _COMPOSE,
        lock=f"compose:{subscriber_name}",
        queueing_lock=f"compose:{subscriber_name}",
        subscriber_name=subscriber_name,
        day=day.isoformat() if day else None,
    )


def defer_send(app: App, subscriber_name: str, channel: str) -> bool:
    key = f"send:{channel}"
    return _defer(app, _SEND, lock=key, queueing_lock=key, subscriber_name=subscriber_name, channel=channel)


def channels_with_due_parts(store: Store, now: dt.datetime) -> list[tuple[str, str]]:
    """(subscriber, channel) pairs with parts due now: the clock's delivery check enqueues a send
    for each (retries, and parts a dead worker left pending)."""
    return sorted({(row.subscriber, row.channel) for row in store.due_deliveries(now, 10_000)})


# -- the clock's slots -------------------------------------------------------------------------------


def ensure_queue_schema(store: Store) -> None:
    """Create Procrastinate's tables and the clock's slot table when they are missing (PostgreSQL
    only: on SQLite nothing of the queue exists)."""
    import procrastinate  # noqa: PLC0415

    with store.engine.begin() as conn:
        # One process at a time creates the schema (workers and clocks may start together).
        conn.execute(sa.text("SELECT pg_advisory_xact_lock(hashtext('digest-queue-schema'))"))
        present = conn.execute(sa.text("SELECT to_regclass('procrastinate_jobs') IS NOT NULL")).scalar()
        _slots.create(conn, checkfirst=True)
        if not present:
            schema = procrastinate.schema.SchemaManager.get_schema()
            conn.exec_driver_sql(schema.replace("%", "%%"))


def claim_slot(store: Store, slot: str) -> bool:
    """Whether this clock is the first to claim ``slot`` (e.g. poll:county@2026-12-02T07:30)."""
    from sqlalchemy.dialects.postgresql import insert  # noqa: PLC0415

    with store.engine.begin() as conn:
        claimed = conn.execute(
            insert(_slots).values(slot=slot).on_conflict_do_nothing().returning(_slots.c.slot)
        ).first()
        # Old slots are of no use: keep the table small.
        conn.execute(_slots.delete().where(_slots.c.claimed_at < sa.func.now() - dt.timedelta(days=7)))
    return claimed is not None


def slot_of(job: str, now: dt.datetime) -> str:
    """A tick's slot: the job and the minute it fired in. Clocks share the persisted schedule, so
    they fire the same job in the same minute."""
    return f"{job}@{now.astimezone(dt.UTC).replace(second=0, microsecond=0).isoformat()}"


@dataclass(frozen=True, slots=True)
class QueueStatus:
    """The job queue as `digest status` and /metrics show it."""

    jobs: tuple[tuple[str, str, int], ...]  # (queue, status, jobs)
    workers: tuple[tuple[int, float], ...]  # (id, seconds since its last heartbeat)
    stalled: int  # running jobs whose worker has been silent for stalled_after_seconds

    def lines(self, stalled_after: float) -> list[str]:
        by_queue: dict[str, list[str]] = {}
        for queue_name, state, count in self.jobs:
            by_queue.setdefault(queue_name, []).append(f"{count} {state}")
        shown = [f"queue {name}: {', '.join(counts)}" for name, counts in sorted(by_queue.items())]
        if not shown:
            shown.append("queue: empty (finished jobs are removed; failed ones stay)")
        alive = [w for w in self.workers if w[1] <= stalled_after]
        shown.append(f"workers: {len(alive)} alive, {len(self.workers) - len(alive)} silent")
        if self.stalled:
            shown.append(
                f"stalled: {self.stalled} jobs on silent workers; a live worker of the deliver queue "
                "gives them back to the queue within 10 s"
            )
        if not alive:
            shown.append("no worker is alive: start `digest worker` (nothing is done until one runs)")
        return shown


def queue_status(store: Store, stalled_after: float) -> QueueStatus | None:
    """The queue's jobs by queue and status, its workers and its stalled jobs; None where the queue
    does not exist (SQLite, or no clock or worker has started yet)."""
    with store.engine.connect() as conn:
        if not conn.execute(sa.text("SELECT to_regclass('procrastinate_jobs') IS NOT NULL")).scalar():
            return None
        jobs = conn.execute(
            sa.text(
                "SELECT queue_name, status::text, count(*) FROM procrastinate_jobs "
                "GROUP BY queue_name, status ORDER BY queue_name, status"
            )
        ).all()
        workers = conn.execute(
            sa.text(
                "SELECT id, extract(epoch FROM now() - last_heartbeat) FROM procrastinate_workers ORDER BY id"
            )
        ).all()
        stalled = conn.execute(
            sa.text(
                "SELECT count(*) FROM procrastinate_jobs j LEFT JOIN procrastinate_workers w "
                "ON w.id = j.worker_id WHERE j.status = 'doing' AND (w.id IS NULL OR "
                "w.last_heartbeat < now() - make_interval(secs => :after))"
            ),
            {"after": stalled_after},
        ).scalar_one()
    return QueueStatus(
        jobs=tuple((r[0], r[1], int(r[2])) for r in jobs),
        workers=tuple((int(r[0]), float(r[1])) for r in workers),
        stalled=int(stalled),
    )


def run_worker(settings: Settings, queues: Iterable[str] | None, concurrency: int) -> None:
    """Take jobs until SIGTERM or SIGINT (Procrastinate finishes the running ones first)."""
    with runtime(settings, exclusive=False) as rt:
        ensure_queue_schema(rt.store)
        app = build_app(settings, for_worker=True)
        app.run_worker(
            queues=list(queues) if queues else None,
            concurrency=concurrency,
            update_heartbeat_interval=settings.workers.heartbeat_seconds,
            stalled_worker_timeout=settings.workers.stalled_after_seconds,
            # Finished jobs are deleted; failed ones stay for `digest status`.
            delete_jobs="successful",
        )
