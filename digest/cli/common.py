"""What every `digest` command shares: loading settings and failing with one clear line."""

from __future__ import annotations

import logging
import sys
from typing import NoReturn

import click

from digest.config import Settings, load
from digest.errors import DigestError

log = logging.getLogger("digest")


def settings_of(ctx: click.Context) -> Settings:
    try:
        return load(ctx.obj["config_path"])
    except DigestError as exc:
        fail(exc, ctx)


def fail(exc: DigestError, ctx: click.Context) -> NoReturn:
    """Print the error's one line on stderr and exit with its code (the traceback only with -vv)."""
    if ctx.obj.get("verbose", 0) >= 2:
        log.debug("details", exc_info=exc)
    click.echo(f"digest: error: {exc.message}", err=True)
    sys.exit(exc.exit_code)
