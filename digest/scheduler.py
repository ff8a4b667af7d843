"""The bot: APScheduler 3 jobs that poll sources, summarise what they bring, and brief subscribers.

Jobs persist in the digest database (SQLAlchemyJobStore) so that a restart knows what was due while
digest was down: a job whose time passed less than the grace ago runs once (several missed runs
coalesce into one), an older one waits for its next time. Jobs are module-level functions with plain
arguments, since APScheduler stores them by reference; the live objects they need (settings, store,
engine) sit in a process-wide context set when the daemon starts.
"""

from __future__ import annotations

import datetime as dt
import logging
import signal
from collections.abc import Callable
from dataclasses import dataclass
from types import FrameType
from typing import Any
from zoneinfo import ZoneInfo

from digest.briefing.accounts import SubscriberAccount, account
from digest.briefing.daily import BriefOutcome, brief, supplement
from digest.delivery import DeliveryReport, deliver_due
from digest.ingest.house_styles import house_styles
from digest.pipeline import CycleReport, poll_source, summarise_pending
from digest.runtime import Runtime, current

log = logging.getLogger(__name__)

JOB_TABLE = "apscheduler_jobs"


def run_cycle(rt: Runtime, names: list[str] | None = None, *, log_problems: bool = True) -> CycleReport:
    """Poll the given sources (all enabled ones by default), then summarise everything pending.

    Its warnings and errors are logged, the daemon's only voice; `run --once` prints them from the
    report instead (``log_problems=False``), so that each is said once."""
    report = CycleReport()
    styles = house_styles(rt.settings.papers)  # compiled once a cycle, not once a source
    with rt.work:
        for name in names if names is not None else list(rt.sources):
            if rt.stop.is_set():
                break
            cfg, source = rt.sources[name]
            poll_source(
                rt.store,
                source,
                cfg.kind,
                report,
                today=rt.today(),
                now=rt.clock(),
                styles=styles,
                should_stop=rt.stop.is_set,
            )
        done, errors = summarise_pending(
            rt.store,
            rt.summariser,
            batch=rt.settings.scheduler.summarise_batch,
            now=rt.clock,
            should_stop=rt.stop.is_set,
        )
    report.summarised += done
    report.errors.extend(errors)
    log.info("cycle: %s", report.line())
    if log_problems:
        for note in report.waiting:
            log.info("%s", note)
        for problem in (*report.warnings, *report.errors):
            log.warning("%s", problem)
    return report


@dataclass(frozen=True, slots=True)
class SendReport:
    delivery: DeliveryReport  # the parts this run sent, left to retry, or failed
    accounts: tuple[SubscriberAccount, ...]  # where each subscriber's briefing stands, and why


def brief_and_deliver(rt: Runtime, names: list[str] | None = None, day: dt.date | None = None) -> SendReport:
    """Compose and plan the briefings of the given subscribers (all by default) for ``day`` (today in
    each one's time zone), then send their parts that are due: only theirs, where names are given."""
    with rt.work:
        briefed = []
        for subscriber in rt.settings.subscribers:
            if names is not None and subscriber.name not in names:
                continue
            when = day or rt.clock().astimezone(subscriber.zone).date()
            outcome = brief(rt.store, subscriber, when, rt.channels, now=rt.clock(), web=rt.settings.web)
            log.info("briefing of %s for %s: %s", subscriber.name, when, outcome.value)
            late = 0
            # A briefing planned just now holds all there is: composing again at once finds nothing.
            if subscriber.late == "supplement" and outcome is BriefOutcome.UNCHANGED:
                late = supplement(
                    rt.store, subscriber, when, rt.channels, now=rt.clock(), web=rt.settings.web
                )
            briefed.append((subscriber, when, outcome, late))
        report = deliver(rt, names)
        accounts = tuple(account(rt.store, s, when, outcome, late) for s, when, outcome, late in briefed)
        for line in accounts:
            log.info("%s", line.line())
        return SendReport(report, accounts)


def deliver(rt: Runtime, names: list[str] | None = None) -> DeliveryReport:
    settings = rt.settings.delivery
    return deliver_due(
        rt.store,
        rt.channels,
        now=rt.clock,
        max_attempts=settings.max_attempts,
        base_delay=settings.base_delay_seconds,
        max_delay=settings.max_delay_seconds,
        concurrency=settings.concurrency,
        subscribers=names,
    )


def brief_job(subscriber_name: str) -> None:
    """The scheduled daily job of one subscriber."""
    rt = current()
    if rt is None or all(s.name != subscriber_name for s in rt.settings.subscribers):
        log.warning("briefing job for %s skipped: not configured in this process", subscriber_name)
        return
    brief_and_deliver(rt, [subscriber_name])


def deliver_job() -> None:
    """Sends parts that are due: retries, and parts a crash left pending."""
    rt = current()
    if rt is not None:
        deliver(rt)


def poll_job(source_name: str) -> None:
    """The scheduled job of one source."""
    rt = current()
    if rt is None or source_name not in rt.sources:
        log.warning("job for source %s skipped: it is not configured in this process", source_name)
        return
    if run_cycle(rt, [source_name]).summarised:
        send_late_news(rt)


def send_late_news(rt: Runtime) -> SendReport | None:
    """After a cycle that brought news: a same-day supplement for each subscriber who asked for one
    (late = "supplement") and whose briefing time has passed today; before it, their briefing holds it."""
    now = rt.clock()
    names = [
        s.name
        for s in rt.settings.subscribers
        if s.late == "supplement" and now.astimezone(s.zone).time() >= s.at
    ]
    return brief_and_deliver(rt, names) if names else None


def build_scheduler(rt: Runtime) -> Any:
    """A BackgroundScheduler whose jobs live in the digest database."""
    from apscheduler.executors.pool import ThreadPoolExecutor  # noqa: PLC0415
    from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore  # noqa: PLC0415
    from apscheduler.schedulers.background import BackgroundScheduler  # noqa: PLC0415
    from apscheduler.triggers.cron import CronTrigger  # noqa: PLC0415
    from apscheduler.triggers.interval import IntervalTrigger  # noqa: PLC0415

    scheduler = BackgroundScheduler(
        jobstores={"default": SQLAlchemyJobStore(engine=rt.store.engine, tablename=JOB_TABLE)},
        # One worker: jobs share the store and the model, and running them in turn keeps that simple.
        executors={"default": ThreadPoolExecutor(1)},
        job_defaults={
            "coalesce": True,
            "max_instances": 1,
            "misfire_grace_time": rt.settings.scheduler.misfire_grace_seconds,
        },
        timezone=ZoneInfo(rt.settings.scheduler.timezone),
    )
    scheduler.start(paused=True)  # load persisted jobs before deciding what to keep
    # Inline, the jobs do the work; with the queue, the same ticks enqueue it for the workers.
    poll, daily, check = (poll_job, brief_job, deliver_job)
    if rt.settings.workers.executor == "queue":
        from digest.jobs import clock  # noqa: PLC0415

        poll, daily, check = (clock.enqueue_poll, clock.enqueue_briefing, clock.enqueue_due_sends)
    wanted = set()
    for name, (cfg, _) in rt.sources.items():
        job_id = f"poll:{name}"
        wanted.add(job_id)
        trigger = IntervalTrigger(
            minutes=cfg.interval_minutes, timezone=ZoneInfo(rt.settings.scheduler.timezone)
        )
        ensure_job(scheduler, job_id, poll, trigger, [name], first_run=rt.clock())
    for subscriber in rt.settings.subscribers:
        job_id = f"brief:{subscriber.name}"
        wanted.add(job_id)
        at = subscriber.at
        at_time = CronTrigger(hour=at.hour, minute=at.minute, timezone=subscriber.zone)
        ensure_job(scheduler, job_id, daily, at_time, [subscriber.name], first_run=None)
    wanted.add("deliver")
    every = IntervalTrigger(minutes=rt.settings.delivery.check_every_minutes)
    ensure_job(scheduler, "deliver", check, every, [], first_run=rt.clock())
    for job in scheduler.get_jobs():
        if job.id not in wanted:
            job.remove()  # a source or subscriber that was removed from the settings
    return scheduler


def ensure_job(
    scheduler: Any,
    job_id: str,
    func: Callable[..., None],
    trigger: Any,
    args: list[Any],
    *,
    first_run: dt.datetime | None,
) -> None:
    """Keep a persisted job whose trigger is unchanged (its missed runs then follow the misfire
    rules); replace one whose settings changed; add a new one to run at ``first_run`` (None: at the
    trigger's first time)."""
    existing = scheduler.get_job(job_id)
    if (
        existing is not None
        and str(existing.trigger) == str(trigger)
        and list(existing.args) == args
        and existing.func_ref == f"{func.__module__}:{func.__qualname__}"  # the executor may have changed
    ):
        return
    timing = {"next_run_time": first_run} if first_run is not None else {}
    scheduler.add_job(func, trigger, args=args, id=job_id, replace_existing=True, **timing)


def run_daemon(rt: Runtime) -> None:
    """Run jobs until SIGTERM or SIGINT; the job in progress finishes its current batch first."""
    scheduler = build_scheduler(rt)

    def stop(signum: int, _frame: FrameType | None) -> None:
        log.info("received %s; finishing the current batch, then stopping", signal.Signals(signum).name)
        rt.stop.set()

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        scheduler.resume()
        log.info("digest is running: %d sources; stop with Ctrl-C or SIGTERM", len(rt.sources))
        while not rt.stop.wait(1.0):
            pass
    finally:
        scheduler.shutdown(wait=True)
        for sig, handler in previous.items():
            signal.signal(sig, handler)
