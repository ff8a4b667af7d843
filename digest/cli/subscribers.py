"""`digest subscribers`: list, show, add and remove subscribers and their channels (in the user's
config file)."""

from __future__ import annotations

from typing import Any

import click
from pydantic import ValidationError

from digest.briefing.subscribers import SubscriberSettings, channel_name
from digest.cli.briefing import subscriber_named
from digest.cli.common import fail, settings_of
from digest.config_edit import edit_list
from digest.errors import ConfigError
from digest.notify.base import origin
from digest.notify.settings import ChannelSettings, check_channel, infer_kind


@click.group()
def subscribers() -> None:
    """List, show, add and remove the subscribers of the daily briefing."""


@subscribers.command("list")
@click.pass_context
def subscribers_list(ctx: click.Context) -> None:
    """One line per subscriber: time, papers and channels."""
    settings = settings_of(ctx)
    if not settings.subscribers:
        click.echo("no subscribers; add one with: digest subscribers add NAME --channel URL")
    for s in settings.subscribers:
        channels = ", ".join(channel_name(c) for c in s.channels) or "no channels"
        papers = ", ".join(s.papers) or "all papers"
        click.echo(f"{s.name}\t{s.time} {s.timezone}\t{papers}\t{channels}")


@subscribers.command("show")
@click.argument("name")
@click.pass_context
def subscribers_show(ctx: click.Context, name: str) -> None:
    """Everything about one subscriber, with secrets masked."""
    s = subscriber_named(settings_of(ctx), name, ctx)
    click.echo(f"name: {s.name}")
    click.echo(f"time: {s.time} ({s.timezone})")
    click.echo(f"papers: {', '.join(s.papers) or 'all'}")
    click.echo(f"include: {', '.join(s.include) or '-'}; exclude: {', '.join(s.exclude) or '-'}")
    click.echo(f"max articles: {s.max_articles}; on a day without news: {s.empty_day}")
    click.echo(f"late news: {s.late}; look back: {s.look_back_days} days")
    for channel in s.channels:
        kind = channel.kind or infer_kind(channel.url)
        where = channel.url if kind == "file" else origin(channel.url)
        secret = "set (hidden)" if channel.secret else "none"
        options = ", ".join(
            f"{k}=***" if channel.hides(k, v) else f"{k}={v}" for k, v in channel.options.items()
        )
        click.echo(
            f"channel {channel_name(channel)}: {kind} {where}; secret {secret}"
            + (f"; {options}" if options else "")
        )
        problem = channel.broken or check_channel(channel)
        if problem:
            click.echo(f"  cannot send: {problem}")


def _channel_tables(options: dict[str, Any], ctx: click.Context) -> list[dict[str, Any]]:
    """The --channel URLs as config tables, with --name and --option on the one channel they need."""
    tables: list[dict[str, Any]] = [{"url": url} for url in options["channels"]]
    extras: dict[str, Any] = {}
    for pair in options["channel_options"]:
        key, eq, value = pair.partition("=")
        if not eq or not key.strip():
            fail(ConfigError(f"--option {pair!r}: write KEY=VALUE, e.g. chat_id=-100123"), ctx)
        extras[key.strip()] = value.strip()
    if (extras or options["channel_name_"]) and len(tables) != 1:
        fail(ConfigError("--name and --option apply to one channel: give exactly one --channel"), ctx)
    if extras:
        tables[0]["options"] = extras
    if options["channel_name_"]:
        tables[0]["name"] = options["channel_name_"]
    return tables


@subscribers.command("add")
@click.argument("name")
@click.option(
    "--channel",
    "channels",
    multiple=True,
    required=True,
    help="Where the briefing goes: a chat bot's webhook URL, mailto:…, or an outbox folder "
    "(repeatable; the kind follows from the URL). Secrets go into the config file, as ${ENV_VAR}.",
)
@click.option("--name", "channel_name_", default=None, help="The channel's name (with one --channel).")
@click.option(
    "--option",
    "channel_options",
    multiple=True,
    metavar="KEY=VALUE",
    help="A channel option, e.g. chat_id=-100123 (Telegram) or to=desk@example.org (email); with one "
    "--channel; repeatable.",
)
@click.option("--time", "at", default="07:30", show_default=True, help="Local time of day, HH:MM.")
@click.option("--timezone", default="Asia/Shanghai", show_default=True)
@click.option("--paper", "papers", multiple=True, help="Only these papers (repeatable; default all).")
@click.option("--include", multiple=True, help="Only articles that mention one of these words.")
@click.option("--exclude", multiple=True, help="Never articles that mention one of these words.")
@click.option("--max-articles", type=click.IntRange(1, 500), default=30, show_default=True)
@click.option("--empty-day", type=click.Choice(["skip", "notice"]), default="skip", show_default=True)
@click.option(
    "--late",
    type=click.Choice(["next", "supplement"]),
    default="next",
    show_default=True,
    help="What comes in after the day's briefing: in the next one, or in a same-day supplement.",
)
@click.option("--look-back-days", type=click.IntRange(0, 60), default=3, show_default=True)
@click.pass_context
def subscribers_add(ctx: click.Context, /, name: str, **options: Any) -> None:
    """Add a subscriber to your config file."""
    settings = settings_of(ctx)
    if any(s.name == name for s in settings.subscribers):
        fail(ConfigError(f"a subscriber named {name!r} exists already; remove it first"), ctx)
    channel_tables = _channel_tables(options, ctx)
    try:
        new = SubscriberSettings(
            name=name,
            time=options["at"],
            timezone=options["timezone"],
            papers=list(options["papers"]),
            include=list(options["include"]),
            exclude=list(options["exclude"]),
            max_articles=options["max_articles"],
            empty_day=options["empty_day"],
            late=options["late"],
            look_back_days=options["look_back_days"],
            channels=[ChannelSettings.model_validate(table) for table in channel_tables],
        )
    except ValidationError as exc:
        fail(ConfigError(f"subscriber {name!r}: {exc.errors()[0]['msg']}"), ctx)
    for channel in new.channels:
        # Checked the way sending will check it: a channel that cannot work is refused now, not
        # discovered at the first briefing.
        problem = check_channel(channel)
        if problem:
            fail(ConfigError(f"subscriber {name!r}: {problem}; nothing was added"), ctx)
    table = new.model_dump(exclude_defaults=True, exclude_none=True, exclude={"channels"})
    table["name"] = name
    table["channels"] = channel_tables
    path = edit_list(settings, "subscribers", add=table)
    click.echo(f"added subscriber {name!r} to {path}")


@subscribers.command("remove")
@click.argument("name")
@click.pass_context
def subscribers_remove(ctx: click.Context, name: str) -> None:
    """Remove a subscriber from your config file (past briefings stay in the database)."""
    settings = settings_of(ctx)
    subscriber_named(settings, name, ctx)
    path = edit_list(settings, "subscribers", remove=name)
    click.echo(f"removed subscriber {name!r} from {path}")


COMMANDS = (subscribers,)
