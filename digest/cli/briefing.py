"""Briefing commands: preview a subscriber's day, and manage subscribers. Thin: parse, call, print."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from digest.briefing.compose import compose
from digest.briefing.render import render
from digest.briefing.subscribers import SubscriberSettings
from digest.cli.bot import print_delivery
from digest.cli.common import fail, settings_of
from digest.config import Settings
from digest.errors import ConfigError, DigestError
from digest.store import open_store


def subscriber_named(settings: Settings, name: str, ctx: click.Context) -> SubscriberSettings:
    for subscriber in settings.subscribers:
        if subscriber.name == name:
            return subscriber
    known = ", ".join(s.name for s in settings.subscribers) or "none configured"
    fail(ConfigError(f"no subscriber named {name!r} ({known}); `digest subscribers list` shows them"), ctx)


def today_of(subscriber: SubscriberSettings) -> dt.date:
    return dt.datetime.now(subscriber.zone).date()


@click.command()
@click.argument("subscriber")
@click.option(
    "--date",
    "day",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="The day (default: today in the subscriber's time zone).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "markdown", "html", "json"]),
    default="text",
    show_default=True,
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write to this file instead of stdout (e.g. briefing.html to open in a browser).",
)
@click.pass_context
def preview(ctx: click.Context, subscriber: str, day: dt.datetime | None, fmt: str, out: Path | None) -> None:
    """Render a subscriber's briefing without sending it."""
    import json  # noqa: PLC0415

    settings = settings_of(ctx)
    reader = subscriber_named(settings, subscriber, ctx)
    date = day.date() if day else today_of(reader)
    try:
        briefing = compose(open_store(settings.store.url), reader, date)
        message = render(briefing)
    except DigestError as exc:
        fail(exc, ctx)
    # What the briefing leaves out is said, on stderr so the briefing itself stays clean to pipe.
    click.echo(
        f"digest: {briefing.count} articles; {briefing.more} over max_articles, "
        f"{briefing.filtered} left out by include/exclude, "
        f"{briefing.repeats} told already in an earlier briefing",
        err=True,
    )
    body = {
        "text": message.titled("text"),
        "markdown": message.titled("markdown"),
        "html": message.html,
        "json": json.dumps(message.data, ensure_ascii=False, indent=2) + "\n",
    }[fmt]
    if out is None:
        click.echo(body, nl=False)
    else:
        out.write_text(body, encoding="utf-8")
        click.echo(f"wrote {out}")


@click.command()
@click.option(
    "--date",
    "day",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="The day to brief (default: today in each subscriber's time zone).",
)
@click.option("--subscriber", "names", multiple=True, help="Only this subscriber (repeatable).")
@click.option("--retry-failed", is_flag=True, help="Send failed parts again, then what is due.")
@click.pass_context
def send(ctx: click.Context, day: dt.datetime | None, names: tuple[str, ...], retry_failed: bool) -> None:
    """Compose and send briefings now (each is composed once a day: an existing one is not sent again)."""
    from digest.runtime import runtime  # noqa: PLC0415
    from digest.scheduler import brief_and_deliver  # noqa: PLC0415
    from digest.summarise.extractive import ExtractiveSummariser  # noqa: PLC0415

    settings = settings_of(ctx)
    for name in names:
        subscriber_named(settings, name, ctx)
    try:
        # Sending needs no model; the lock keeps a running daemon and this command from sending at once.
        with runtime(settings, summariser=ExtractiveSummariser()) as rt:
            if retry_failed:
                again = sum(
                    rt.store.reset_failed(now=rt.clock(), day=day.date() if day else None, subscriber=name)
                    for name in (names or (None,))
                )
                click.echo(f"digest: {again} failed parts will be sent again")
            report = brief_and_deliver(rt, list(names) or None, day.date() if day else None)
    except DigestError as exc:
        fail(exc, ctx)
    print_delivery(report)


@click.command()
@click.option("--date", "day", type=click.DateTime(formats=["%Y-%m-%d"]), default=None)
@click.option("--subscriber", default=None)
@click.pass_context
def deliveries(ctx: click.Context, day: dt.datetime | None, subscriber: str | None) -> None:
    """The delivery log: one line per part and channel, with its state and the last error."""
    settings = settings_of(ctx)
    try:
        rows = open_store(settings.store.url).deliveries(day.date() if day else None, subscriber)
    except DigestError as exc:
        fail(exc, ctx)
    if not rows:
        click.echo("no deliveries yet")
    for row in rows:
        line = f"{row.day}\t{row.subscriber}\t{row.channel.split('/', 1)[-1]}\tpart {row.part}\t{row.status}"
        line += f"\t{row.attempts} attempts"
        if row.last_error:
            line += f"\t{row.last_error}"
        click.echo(line)


COMMANDS = (preview, send, deliveries)
