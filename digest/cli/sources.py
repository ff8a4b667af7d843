"""`digest sources`: list, add and remove the sources the bot polls (in the user's config file)."""

from __future__ import annotations

import shlex
from typing import Any

import click
from pydantic import ValidationError

from digest.cli.common import fail, settings_of
from digest.config_edit import edit_list
from digest.errors import ConfigError, DigestError
from digest.http import mask_url
from digest.sources.registry import EXAMPLES, KIND_FIELDS, KindFieldError, SourceSettings, owner_of
from digest.store import open_store


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


def _where(cfg: SourceSettings) -> str:
    if cfg.path:
        return cfg.path
    return " ".join(mask_url(u) for u in [cfg.url_template or "", cfg.feed_url or "", *cfg.urls] if u)


COMMANDS = (sources,)
