"""The job bodies, the same for both executors: each is idempotent, so running one twice (a clock's
retry, a worker that died after doing it) does no harm."""

from __future__ import annotations

import datetime as dt
import logging

from digest.briefing.daily import BriefOutcome, brief, supplement
from digest.delivery import DeliveryReport, deliver_due
from digest.ingest.house_styles import house_styles
from digest.pipeline import CycleReport, poll_source, summarise_isolated
from digest.runtime import Runtime

log = logging.getLogger(__name__)


def poll(rt: Runtime, source_name: str) -> CycleReport:
    """Poll one source and store what it brings (summarising is a job of its own)."""
    report = CycleReport()
    cfg, source = rt.sources[source_name]
    poll_source(
        rt.store,
        source,
        cfg.kind,
        report,
        today=rt.today(),
        now=rt.clock(),
        styles=house_styles(rt.settings.papers),
        should_stop=rt.stop.is_set,
    )
    for problem in (*report.warnings, *report.errors):
        log.warning("%s", problem)
    return report


def summarise_batches(rt: Runtime, batch: int) -> tuple[int, list[str]]:
    """Summarise pending articles of any issue, a claimed batch at a time (shortest first), until
    none are left; two workers never hold the same article. An article that fails is skipped for
    the rest of the job (its error returned, the article left pending for a later job), so a few
    failing short articles never hold up the longer ones behind them."""
    done = 0
    errors: list[str] = []
    failed: set[int] = set()
    while not rt.stop.is_set():
        with rt.store.claimed_pending(batch, skip=failed) as (claimed, save):
            if not claimed:
                break
            summaries, article_errors = summarise_isolated(rt.summariser, [c.article for c in claimed])
            save(
                [(c.id, s) for c, s in zip(claimed, summaries, strict=True) if s is not None], now=rt.clock()
            )
        lost = [c for c, s in zip(claimed, summaries, strict=True) if s is None]
        failed.update(c.id for c in lost)
        errors.extend(f"article {c.id}: {e.message}" for c, e in zip(lost, article_errors, strict=False))
        done += sum(1 for s in summaries if s is not None)
    for error in errors:
        log.warning("%s", error)
    return done, errors


def compose(rt: Runtime, subscriber_name: str, day: dt.date | None = None) -> BriefOutcome | None:
    """Compose and plan one subscriber's briefing for ``day`` (today in their time zone), with a
    same-day supplement when they asked for one; None for a subscriber not configured here."""
    subscriber = next((s for s in rt.settings.subscribers if s.name == subscriber_name), None)
    if subscriber is None:
        log.warning("briefing of %s skipped: not configured in this process", subscriber_name)
        return None
    when = day or rt.clock().astimezone(subscriber.zone).date()
    web = rt.settings.web
    outcome = brief(rt.store, subscriber, when, rt.channels, now=rt.clock(), web=web)
    if subscriber.late == "supplement" and outcome is BriefOutcome.UNCHANGED:
        supplement(rt.store, subscriber, when, rt.channels, now=rt.clock(), web=web)
    return outcome


def send(rt: Runtime, subscriber_name: str, channel: str) -> DeliveryReport:
    """Send the due parts of one subscriber's channel (a delivery-log channel key), in order."""
    settings = rt.settings.delivery
    found = rt.channels.get(channel)
    return deliver_due(
        rt.store,
        {channel: found} if found is not None else {},
        now=rt.clock,
        max_attempts=settings.max_attempts,
        base_delay=settings.base_delay_seconds,
        max_delay=settings.max_delay_seconds,
        concurrency=1,
        subscribers=[subscriber_name],
        only_these_channels=True,
    )
