"""The bot's commands: run, ingest, sources, status. Thin: parse, call, print, set exit codes."""

from __future__ import annotations

import datetime as dt
import shlex
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import click
from pydantic import ValidationError

from digest.cli_common import fail, settings_of
from digest.config import Settings
from digest.config_edit import edit_list
from digest.errors import ConfigError, DigestError
from digest.http import mask_url
from digest.ingest.house_styles import house_styles
from digest.ingest.sources import read_input
from digest.pipeline import CycleReport, ingest_segmented, summarise_pending
from digest.sources.base import FetchedDocument
from digest.sources.registry import EXAMPLES, KIND_FIELDS, KindFieldError, SourceSettings, owner_of
from digest.store import IngestOutcome, open_store

if TYPE_CHECKING:  # the scheduler (and APScheduler) is imported only by the commands that run it
    from digest.scheduler import SendReport


@click.command()
@click.option("--once", is_flag=True, help="Run one full cycle now and exit (no scheduler).")
@click.pass_context
def run(ctx: click.Context, once: bool) -> None:
    """Run the bot: poll the sources, summarise what they bring, brief each subscriber at their time."""
    from digest.scheduler import brief_and_deliver, run_cycle, run_daemon, runtime  # noqa: PLC0415

    settings = settings_of(ctx)
    try:
        with runtime(settings) as rt:
            if once:
                _print_report(run_cycle(rt))
                # One full cycle includes today's briefings, whatever the subscribers' times.
                print_delivery(brief_and_deliver(rt))
            else:
                click.echo(f"digest: {_what_runs(rt)}; stop with Ctrl-C or SIGTERM", err=True)
                run_daemon(rt)
    except DigestError as exc:
        fail(exc, ctx)


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


@click.group()
def sources() -> None:
    """List, add and remove the sources the bot polls."""


@sources.command("list")
@click.pass_context
def sources_list(ctx: click.Context) -> None:
    """The configured sources with their last poll."""
    settings = settings_of(ctx)
    try:
        polled = {s.name: s for s in open_store(settings.store.url).status().sources}
    except DigestError as exc:
        fail(exc, ctx)
    if not settings.sources:
        click.echo("no sources configured; add one with: digest sources add NAME --kind folder --path DIR")
    for cfg in settings.sources:
        seen = polled.get(cfg.name)
        last = seen.last_poll_at.isoformat(timespec="seconds") if seen and seen.last_poll_at else "never"
        state = "enabled" if cfg.enabled else "disabled"
        click.echo(
            f"{cfg.name}\t{cfg.kind}\t{cfg.paper or '-'}\tevery {cfg.interval_minutes} min\t{state}\t"
            f"last poll: {last}\t{_where(cfg)}"
        )
        if seen and seen.last_error:
            click.echo(f"\tlast error: {seen.last_error}")


@sources.command("add")
@click.argument("name")
@click.option("--kind", type=click.Choice(["folder", "url", "epaper", "rss"]), required=True)
@click.option("--paper", default="", help="The newspaper's name.")
@click.option("--path", default=None, help="folder: the folder to watch.")
@click.option("--url", "urls", multiple=True, help="url: a page to fetch (repeatable).")
@click.option(
    "--url-template",
    default=None,
    help="epaper: the day's index URL, e.g. …/{date:%Y-%m}/{date:%d}/node_1.htm",
)
@click.option("--feed-url", default=None, help="rss: the feed's URL.")
@click.option(
    "--interval",
    "interval_minutes",
    type=click.IntRange(1),
    default=60,
    show_default=True,
    help="Minutes between polls.",
)
@click.option("--disabled", is_flag=True, help="Add it switched off.")
@click.pass_context
def sources_add(ctx: click.Context, /, name: str, **options: Any) -> None:
    """Add a source to your config file."""
    settings = settings_of(ctx)
    if any(s.name == name for s in settings.sources):
        fail(
            ConfigError(f"a source named {name!r} exists already; remove it first or pick another name"),
            ctx,
        )
    enabled = not options.pop("disabled")
    options["urls"] = list(options["urls"])
    try:
        new = SourceSettings(name=name, enabled=enabled, **options)
    except ValidationError as exc:
        fail(ConfigError(_add_problem(name, exc)), ctx)
    path = edit_list(settings, "sources", add=new.model_dump(exclude_defaults=True, exclude_none=True))
    click.echo(f"added source {name!r} to {path}")


# The option of `sources add` that sets each kind's field (the config file's name for it).
_OPTIONS = {"path": "--path", "urls": "--url", "url_template": "--url-template", "feed_url": "--feed-url"}


def _add_problem(name: str, exc: ValidationError) -> str:
    """What is wrong with the options of `sources add`, in the options' names (the settings' own
    message names the config file's keys, which the user did not type)."""
    error = exc.errors()[0]
    cause = error.get("ctx", {}).get("error")
    if isinstance(cause, KindFieldError):
        kind, needed = cause.kind, _OPTIONS[KIND_FIELDS[cause.kind][0]]
        if cause.misplaced:
            wrong = "; ".join(f"{_OPTIONS[f]} is for kind {owner_of(f)}, not {kind}" for f in cause.misplaced)
            return f"source {name!r}: {wrong}; kind {kind} takes {needed}: leave the others out"
        example = EXAMPLES[KIND_FIELDS[kind][0]]
        return f"source {name!r}: kind {kind} needs {needed}, e.g. {needed} {shlex.quote(example)}"
    if isinstance(cause, ValueError):  # a bad URL or template: named by its key, maybe with the source
        text = str(cause).removeprefix(f'source "{name}": ')
        key = text.split(" ", 1)[0]
        return f"source {name!r}: {_OPTIONS.get(key, key)}{text[len(key) :]}"
    where = ".".join(str(part) for part in error["loc"])
    return f"source {name!r}: {where + ': ' if where else ''}{error['msg']}"


@sources.command("remove")
@click.argument("name")
@click.pass_context
def sources_remove(ctx: click.Context, name: str) -> None:
    """Remove a source from your config file (what it ingested stays in the database)."""
    settings = settings_of(ctx)
    if not any(s.name == name for s in settings.sources):
        fail(ConfigError(f"no source named {name!r}; `digest sources list` shows them"), ctx)
    path = edit_list(settings, "sources", remove=name)
    click.echo(f"removed source {name!r} from {path}")


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
    for source_name, locator, lines in state.unplaced:
        shown = "; ".join(line[:30] for line in lines[:3]) + (" …" if len(lines) > 3 else "")
        click.echo(f"unplaced: {source_name} {mask_url(locator)}: {len(lines)} lines in no article: {shown}")


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
    for error in report.errors:
        click.echo(f"digest: warning: {error}", err=True)


def _where(cfg: SourceSettings) -> str:
    if cfg.path:
        return cfg.path
    return " ".join(mask_url(u) for u in [cfg.url_template or "", cfg.feed_url or "", *cfg.urls] if u)


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


COMMANDS = (run, ingest, sources, status)
