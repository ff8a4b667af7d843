"""The `digest` command: the click group and its options; each command group lives in its own module
(summarise, bot, sources, briefing, subscribers, serve), all thin: parse, call, print, set exit codes."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import click

from digest import __version__
from digest.cli.bot import COMMANDS as BOT_COMMANDS
from digest.cli.briefing import COMMANDS as BRIEFING_COMMANDS
from digest.cli.serve import COMMANDS as SERVE_COMMANDS
from digest.cli.sources import COMMANDS as SOURCES_COMMANDS
from digest.cli.subscribers import COMMANDS as SUBSCRIBERS_COMMANDS
from digest.cli.summarise import COMMANDS as SUMMARISE_COMMANDS

log = logging.getLogger("digest")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="digest")
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="TOML settings file (default: $DIGEST_CONFIG, else the embedded defaults).",
)
@click.option("-v", "--verbose", count=True, help="More log output on stderr (-vv for debug).")
@click.pass_context
def cli(ctx: click.Context, config_path: Path | None, verbose: int) -> None:
    """digest: Chinese newspaper pages in, headlines and summaries out."""
    level = logging.WARNING - 10 * min(verbose, 2)
    logging.basicConfig(level=level, format="digest: %(levelname)s: %(message)s", stream=sys.stderr)
    # httpx logs every request with its full URL, tokens in query strings included: keep it quiet.
    for noisy in ("httpx", "httpcore"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    ctx.obj = {"config_path": config_path, "verbose": verbose}


for command in (
    *SUMMARISE_COMMANDS,
    *BOT_COMMANDS,
    *SOURCES_COMMANDS,
    *BRIEFING_COMMANDS,
    *SUBSCRIBERS_COMMANDS,
    *SERVE_COMMANDS,
):
    cli.add_command(command)


def main() -> None:
    try:
        cli(prog_name="digest")
    except KeyboardInterrupt:
        click.echo("digest: interrupted", err=True)
        sys.exit(130)
