"""The bot's commands: run, ingest, status. Thin: parse, call, print, set exit codes."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import click
from pydantic import ValidationError

from digest.cli.common import fail, settings_of
from digest.config import Settings, SummariseSettings
from digest.errors import ConfigError, DigestError
from digest.http import mask_url
from digest.ingest.house_styles import house_styles
from digest.ingest.sources import read_input
from digest.pipeline import CycleReport, ingest_segmented, summarise_pending
from digest.sources.base import FetchedDocument
from digest.store import IngestOutcome, open_store

if TYPE_CHECKING:  # the scheduler (and APScheduler) is imported only by the commands that run it
    from digest.scheduler import SendReport


@click.command()
@click.option("--once", is_flag=True, help="Run one full cycle now and exit (no scheduler).")
@click.pass_context
def run(ctx: click.Context, once: bool) -> None:
    """Run the bot: poll the sources, summarise what they bring, brief each subscriber at their time."""
    from digest.runtime import runtime  # noqa: PLC0415
    from digest.scheduler import brief_and_deliver, run_cycle, run_daemon  # noqa: PLC0415

    settings = settings_of(ctx)
    if settings.workers.executor == "queue":
        if once:
            fail(
                ConfigError(
                    'run --once does the work in this process; with [workers] executor = "queue" the '
                    "workers do it: start `digest worker` and `digest run` (the clock)"
                ),
                ctx,
            )
        _run_clock(ctx, settings)
        return
    try:
        with runtime(settings) as rt:
            if once:
                _print_report(run_cycle(rt, log_problems=False))
                # One full cycle includes today's briefings, whatever the subscribers' times.
                print_delivery(brief_and_deliver(rt))
            else:
                click.echo(f"digest: {_what_runs(rt)}; stop with Ctrl-C or SIGTERM", err=True)
                run_daemon(rt)
    except DigestError as exc:
        fail(exc, ctx)


def _run_clock(ctx: click.Context, settings: Settings) -> None:
    """The clock of the job queue: it enqueues at the scheduled times; `digest worker` does the work.
    Several clocks may run at once (failover): each tick is enqueued once."""
    from digest.jobs import clock  # noqa: PLC0415
    from digest.runtime import runtime  # noqa: PLC0415
    from digest.scheduler import run_daemon  # noqa: PLC0415
    from digest.summarise.extractive import ExtractiveSummariser  # noqa: PLC0415

    try:
        # The clock summarises nothing: no model is loaded here.
        with runtime(settings, summariser=ExtractiveSummariser(), exclusive=False) as rt:
            clock.open_clock(rt)
            try:
                click.echo(f"digest: clock of the job queue: {_what_runs(rt)}; stop with Ctrl-C", err=True)
                run_daemon(rt)
            finally:
                clock.close_clock()
    except DigestError as exc:
        fail(exc, ctx)
    except ImportError:
        fail(ConfigError("the job queue needs its extra: pip install 'digest[queue]'"), ctx)


@click.command()
@click.option(
    "--queue",
    "queues",
    multiple=True,
    type=click.Choice(["fetch", "summarise", "deliver"]),
    help="Only jobs of this queue (repeatable; default all): e.g. summarise on a GPU machine.",
)
@click.option("--concurrency", type=click.IntRange(1, 64), default=1, show_default=True, help="Jobs at once.")
@click.option("--device", default=None, help="Where this worker's model runs (cuda on a GPU machine).")
@click.pass_context
def worker(ctx: click.Context, queues: tuple[str, ...], concurrency: int, device: str | None) -> None:
    """Do the bot's work from the job queue ([workers] executor = "queue") until Ctrl-C or SIGTERM."""
    settings = settings_of(ctx)
    if device is not None:
        try:
            summarise = SummariseSettings.model_validate(settings.summarise.model_dump() | {"device": device})
        except ValidationError as exc:
            raise click.BadParameter(str(exc.errors()[0]["msg"]), param_hint="--device") from None
        settings = settings.model_copy(update={"summarise": summarise})
    if settings.workers.executor != "queue":
        fail(
            ConfigError(
                'digest worker takes jobs from the queue; set [workers] executor = "queue" (PostgreSQL) '
                "or run everything in one process with `digest run`"
            ),
            ctx,
        )
    try:
        from digest.jobs.queue import run_worker  # noqa: PLC0415

        click.echo(f"digest: worker for {', '.join(queues) or 'all queues'}; stop with Ctrl-C", err=True)
        run_worker(settings, queues or None, concurrency)
    except DigestError as exc:
        fail(exc, ctx)
    except ImportError:
        fail(ConfigError("the job queue needs its extra: pip install 'digest[queue]'"), ctx)


@click.command()
@click.argument("source")
@click.option(
    "--paper",
    default="",
    help="The newspaper's name (default: the paper of the source --name names, else the source's name).",
)
@click.option(
    "--name", "source_name", default="manual", show_default=True, help="Source name to file it under."
)
@click.option("--single", is_flag=True, help="The input is one article.")
@click.option("--issue-date", type=click.DateTime(formats=["%Y-%m-%d"]), default=None)
@click.pass_context
def ingest(
    ctx: click.Context,
    source: str,
    paper: str,
    source_name: str,
    single: bool,
    issue_date: dt.datetime | None,
) -> None:
    """Ingest one page now (a file, an http(s) URL, or - for stdin) and summarise it."""
    from digest.summarise.engines import build_summariser  # noqa: PLC0415

    settings = settings_of(ctx)
    now = dt.datetime.now(dt.UTC)
    given_paper = paper
    if not paper:
        # A page is never filed under no paper: its briefing heading would be empty. As a configured
        # source does (registry: "the source's name when empty"), so does a page ingested by hand.
        configured = next((s for s in settings.sources if s.name == source_name), None)
        paper = (configured.paper if configured else "") or source_name
    try:
        raw = read_input(source, max_bytes=settings.ingest.max_bytes, timeout=settings.ingest.fetch_timeout)
        locator = raw.source if raw.source == "-" or "://" in raw.source else str(Path(raw.source).resolve())
        doc = FetchedDocument(
            source=source_name,
            paper=paper,
            locator=locator,
            raw=raw,
            issue_date=issue_date.date() if issue_date else None,
            single_article=single,
            link=raw.source if "://" in raw.source else None,
        )
        store = open_store(settings.store.url)
        outcome, count, warning = ingest_segmented(store, doc, now=now, styles=house_styles(settings.papers))
        done, errors = summarise_pending(
            store,
            build_summariser(settings.summarise),
            batch=settings.scheduler.summarise_batch,
            now=lambda: dt.datetime.now(dt.UTC),
        )
    except DigestError as exc:
        fail(exc, ctx)
    click.echo(f"{mask_url(raw.source)}: {outcome.value}, {count} articles; {done} summarised")
    if not given_paper and outcome is not IngestOutcome.UNCHANGED:  # unchanged: filed as it was before
        click.echo(
            f"digest: note: no --paper given: filed under paper {paper!r}; "
            "give --paper NAME to name the newspaper in briefings",
            err=True,
        )
    if warning is not None and outcome is not IngestOutcome.UNCHANGED:
        click.echo(f"digest: warning: {warning}", err=True)
    for error in errors:
        click.echo(f"digest: warning: {error}", err=True)


@click.command()
@click.pass_context
def status(ctx: click.Context) -> None:
    """Sources, their last polls, pending articles and the next scheduled runs."""
    settings = settings_of(ctx)
    # One zone for every time shown: the one the scheduler counts its polls in.
    zone = ZoneInfo(settings.scheduler.timezone)
    try:
        store = open_store(settings.store.url)
        state = store.status()
        filed = _issues_by_source(store)
        upcoming = _next_runs(store, zone)
    except DigestError as exc:
        fail(exc, ctx)
    click.echo(f"database: {store.display_url}")
    click.echo(f"times in {settings.scheduler.timezone} ([scheduler] timezone)")
    click.echo(
        f"issues: {state.issues}, articles: {state.articles}, summarised: {state.summaries}, "
        f"pending: {state.pending}"
    )
    polled = {source.name: source for source in state.sources}
    configured = {cfg.name: cfg for cfg in settings.sources}
    # Every source: configured, polled once (and removed from the config since), or only a name
    # that issues were filed under (`digest ingest` files under "manual", the API under "api").
    for name in sorted(configured.keys() | polled.keys() | filed.keys()):
        seen, cfg = polled.get(name), configured.get(name)
        if cfg is not None:
            kind: str = cfg.kind
        elif seen is not None:
            kind = f"{seen.kind}, no longer configured"
        else:
            click.echo(f"source {name} (not polled: filed by digest ingest or the API): {filed[name]} issues")
            continue
        last = _local(seen.last_poll_at, zone) if seen and seen.last_poll_at else "never"
        line = f"source {name} ({kind}): {filed.get(name, 0)} issues, last poll {last}"
        click.echo(line + (f", next {upcoming[name]}" if name in upcoming else ""))
        if seen and seen.last_error:
            click.echo(f"  last error: {seen.last_error}")
    for note in _waiting(settings, store):
        click.echo(f"waiting: {note}")
    if settings.workers.executor == "queue":
        for line in _queue_lines(settings, store):
            click.echo(line)
    for source_name, locator, lines in state.unplaced:
        shown = "; ".join(line[:30] for line in lines[:3]) + (" …" if len(lines) > 3 else "")
        click.echo(f"unplaced: {source_name} {mask_url(locator)}: {len(lines)} lines in no article: {shown}")


def _queue_lines(settings: Settings, store: Any) -> list[str]:
    try:
        from digest.jobs.queue import queue_status  # noqa: PLC0415
    except ImportError:
        return ["queue: not installed here (pip install 'digest[queue]')"]
    found = queue_status(store, settings.workers.stalled_after_seconds)
    if found is None:
        return ["queue: not created yet: start `digest run` (the clock) and `digest worker`"]
    return found.lines(settings.workers.stalled_after_seconds)


def _local(when: dt.datetime, zone: ZoneInfo) -> str:
    """A stored time (UTC) or a job's (its trigger's zone) in the scheduler's zone, with the offset."""
    return when.astimezone(zone).isoformat(timespec="seconds")


def _issues_by_source(store: Any) -> dict[str, int]:
    """Current issues per source name, for every name issues were filed under: the store's status
    counts only sources that were polled, and a page ingested by hand or pushed to the API is not."""
    import sqlalchemy as sa  # noqa: PLC0415

    from digest.store import db  # noqa: PLC0415
    from digest.store.schema import issues  # noqa: PLC0415

    with db.transaction(store.engine, write=False) as conn:
        rows = conn.execute(
            sa.select(issues.c.source, sa.func.count())
            .where(issues.c.replaced_at.is_(None))
            .group_by(issues.c.source)
        )
        return {source: int(count) for source, count in rows}


def _what_runs(rt: Any) -> str:
    """One line at start: what the daemon polls, whom it briefs, and where it keeps them."""
    sources = ", ".join(rt.sources) or "none (add one with: digest sources add)"
    people = rt.settings.subscribers
    briefed = ", ".join(f"{s.name} at {s.time}" for s in people[:5]) + (" …" if len(people) > 5 else "")
    return (
        f"running: sources {sources}; {len(people)} subscribers ({briefed or 'none'}); "
        f"database {rt.store.display_url}"
    )


def _waiting(settings: Settings, store: Any) -> list[str]:
    """Per source, what its last poll left for later and why, and the files in a watched folder that
    no poll has read yet (dropped in since the last one, or failing to read)."""
    import httpx  # noqa: PLC0415

    from digest.pipeline import WAITING  # noqa: PLC0415
    from digest.sources.folder import FolderSource  # noqa: PLC0415
    from digest.sources.registry import build_source  # noqa: PLC0415

    found: list[str] = []
    with httpx.Client() as client:
        for cfg in settings.sources:
            state = store.source_state(cfg.name)
            found += [str(note) for note in state.get(WAITING, ())]  # each names its source
            source = build_source(cfg, client) if cfg.kind == "folder" else None
            if isinstance(source, FolderSource) and (unread := source.unread(state)):
                shown = ", ".join(unread[:3]) + (f" and {len(unread) - 3} more" if len(unread) > 3 else "")
                found.append(
                    f"{cfg.name}: {len(unread)} files not read yet ({shown}); the next poll reads them, "
                    "or now: digest run --once"
                )
    return found


def print_delivery(report: SendReport) -> None:
    """Per subscriber what was briefed and where each channel stands, then this run's part counts."""
    for subscriber in report.accounts:
        click.echo(f"digest: {subscriber.line()}")
    done = report.delivery
    click.echo(f"digest: deliveries: {done.sent} sent, {done.retrying} to retry, {done.failed} failed")
    for problem in done.problems:
        click.echo(f"digest: warning: {problem}", err=True)


def _print_report(report: CycleReport) -> None:
    click.echo(f"digest: {report.line()}")
    for note in report.waiting:
        click.echo(f"digest: note: {note}", err=True)
    for problem in (*report.warnings, *report.errors):
        click.echo(f"digest: warning: {problem}", err=True)


def _next_runs(store: Any, zone: ZoneInfo) -> dict[str, str]:
    """Next poll times from the persisted job table, when a daemon has run against this database,
    in ``zone`` (a job keeps the zone its daemon's settings had)."""
    from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore  # noqa: PLC0415
    from sqlalchemy import inspect  # noqa: PLC0415

    from digest.scheduler import JOB_TABLE  # noqa: PLC0415

    if not inspect(store.engine).has_table(JOB_TABLE):
        return {}
    jobs = SQLAlchemyJobStore(engine=store.engine, tablename=JOB_TABLE).get_all_jobs()
    return {
        job.id.removeprefix("poll:"): _local(job.next_run_time, zone)
        for job in jobs
        if job.id.startswith("poll:") and job.next_run_time
    }


COMMANDS = (run, worker, ingest, status)
