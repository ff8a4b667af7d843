"""The `digest` command: parses, calls, prints, sets exit codes. No logic of its own lives here."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import sys

import click
from pydantic import ValidationError

from digest.cli.common import fail, settings_of
from digest.config import Settings, SummariseSettings
from digest.errors import DigestError
from digest.ingest.cues import HouseStyle
from digest.ingest.house_styles import house_styles, style_for
from digest.ingest.sources import read_input
from digest.output import FORMATS, explained_json, render_explained, render_markdown, render_text, to_json
from digest.pipeline import digest_page, segmented, unplaced_warning
from digest.summarise.engines import ENGINES, build_summariser


@click.command()
@click.argument("source")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    default="text",
    show_default=True,
    help="text for a terminal, markdown, or json (the documented contract).",
)
@click.option("--single", is_flag=True, help="Treat the whole input as one article, lead or not.")
@click.option(
    "--paper",
    default=None,
    help="The paper's name: its house style from [[papers]] in the config is used.",
)
@click.option(
    "--explain",
    is_flag=True,
    help="Summarise nothing: print every input line with what it was read as (body, lead, byline, "
    "headline, caption, header, …) and its article's number.",
)
@click.option(
    "--issue-date",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="The issue's date (YYYY-MM-DD); resolves datelines such as 7月25日 to full dates.",
)
@click.option(
    "--engine",
    type=click.Choice(ENGINES),
    default=None,
    help="extractive (no model), seq2seq (a model, exit 2 if it cannot load) or auto (seq2seq if it "
    "loads, else extractive). Default: [summarise] engine in the config.",
)
@click.option("--model", default=None, help="Model profile name, hub id or local directory (seq2seq, auto).")
@click.option("--profile", default=None, help="Profile to apply to a --model the registry does not know.")
@click.option("--device", default=None, help="auto, cpu, cuda, cuda:N or mps.")
@click.option("--dtype", type=click.Choice(["auto", "float32", "bfloat16", "float16"]), default=None)
@click.option(
    "--quantize", type=click.Choice(["none", "int8"]), default=None, help="int8 weights (torch: CPU only)."
)
@click.option(
    "--backend",
    type=click.Choice(["auto", "torch", "ctranslate2"]),
    default=None,
    help="Who runs the model: torch, ctranslate2 (converted once, cached), or auto (ctranslate2 when "
    "installed).",
)
@click.option(
    "--model-writes",
    type=click.Choice(["profile", "headline", "summary", "both"]),
    default=None,
    help="What the model writes; the extractive engine writes the rest. Default: the profile's choice.",
)
@click.option("--headline-max", type=click.IntRange(4, 200), default=None, help="Headline length limit.")
@click.option("--summary-max", type=click.IntRange(10, 5000), default=None, help="Summary length limit.")
@click.pass_context
def summarise(
    ctx: click.Context,
    source: str,
    fmt: str,
    single: bool,
    paper: str | None,
    explain: bool,
    issue_date: dt.datetime | None,
    engine: str | None,
    model: str | None,
    profile: str | None,
    device: str | None,
    dtype: str | None,
    quantize: str | None,
    backend: str | None,
    model_writes: str | None,
    headline_max: int | None,
    summary_max: int | None,
) -> None:
    """Summarise every article of a page: SOURCE is a file, an http(s) URL, or - for stdin."""
    settings = settings_of(ctx)
    overrides = {
        "engine": engine,
        "model": model,
        "profile": profile,
        "device": device,
        "dtype": dtype,
        "quantize": quantize,
        "backend": backend,
        "model_writes": model_writes,
        "headline_max_chars": headline_max,
        "summary_max_chars": summary_max,
    }
    try:
        chosen = SummariseSettings.model_validate(
            settings.summarise.model_dump() | {k: v for k, v in overrides.items() if v is not None}
        )
    except ValidationError as exc:
        raise click.BadParameter(str(exc.errors()[0]["msg"])) from None
    day = issue_date.date() if issue_date else None
    style = style_for(house_styles(settings.papers), paper)
    if explain:
        _explain(ctx, source, settings, fmt, single=single, issue_date=day, style=style)
        return
    try:
        summariser = build_summariser(
            chosen, warn=lambda message: click.echo(f"digest: warning: {message}", err=True)
        )
        raw = read_input(source, max_bytes=settings.ingest.max_bytes, timeout=settings.ingest.fetch_timeout)
        page = digest_page(raw, summariser, single_article=single, issue_date=day, style=style)
    except DigestError as exc:
        fail(exc, ctx)
    if fmt == "json":
        click.echo(json.dumps(to_json(page), ensure_ascii=False, indent=2))
    elif fmt == "markdown":
        click.echo(render_markdown(page), nl=False)
    else:
        width = shutil.get_terminal_size().columns if sys.stdout.isatty() else None
        click.echo(render_text(page, width), nl=False)
    for error in page.errors:
        click.echo(f"digest: warning: article {error.index} was skipped ({error.message})", err=True)
    if page.warning:
        click.echo(f"digest: warning: {page.warning}", err=True)


def _explain(
    ctx: click.Context,
    source: str,
    settings: Settings,
    fmt: str,
    *,
    single: bool,
    issue_date: dt.date | None,
    style: HouseStyle,
) -> None:
    try:
        raw = read_input(source, max_bytes=settings.ingest.max_bytes, timeout=settings.ingest.fetch_timeout)
        found = segmented(raw, single_article=single, issue_date=issue_date, style=style)
    except DigestError as exc:
        fail(exc, ctx)
    if fmt == "json":
        click.echo(json.dumps(explained_json(found.lines), ensure_ascii=False, indent=2))
    else:
        click.echo(render_explained(found.lines), nl=False)
    warning = unplaced_warning(raw.source, found)
    if warning:
        click.echo(f"digest: warning: {warning}", err=True)


COMMANDS = (summarise,)
