"""`digest serve`: the HTTP API under uvicorn. Thin: settings in, server up."""

from __future__ import annotations

import click

from digest.cli.common import fail, settings_of
from digest.errors import ConfigError, DigestError
from digest.store.db import parse_url
from digest.store.errors import display_url


@click.command()
@click.option("--host", default=None, help="Address to listen on (default: [api] host, 127.0.0.1).")
@click.option("--port", type=click.IntRange(0, 65535), default=None, help="Port (default: [api] port, 8080).")
@click.pass_context
def serve(ctx: click.Context, host: str | None, port: int | None) -> None:
    """Serve the HTTP API (see /docs on the running server) until Ctrl-C or SIGTERM."""
    settings = settings_of(ctx)
    try:
        import uvicorn  # noqa: PLC0415

        from digest.api.app import create_app  # noqa: PLC0415
    except ImportError:
        fail(ConfigError("the HTTP API needs its extra: pip install 'digest[api]'"), ctx)
    try:
        app = create_app(settings)
    except DigestError as exc:
        fail(exc, ctx)
    if not settings.api.tokens:
        click.echo("digest: warning: no [api] tokens configured; only /healthz will answer", err=True)
    where = (host or settings.api.host, settings.api.port if port is None else port)
    address = f"http://{f'[{where[0]}]' if ':' in where[0] else where[0]}:{where[1]}"
    click.echo(
        f"digest: serving the API on {address} (docs: {address}/docs; database "
        f"{display_url(parse_url(settings.store.url))}); stop with Ctrl-C or SIGTERM",
        err=True,
    )
    uvicorn.run(
        app,
        host=where[0],
        port=where[1],
        log_level="info" if ctx.obj.get("verbose") else "warning",
        # The access log shows paths and statuses only, never the Authorization header.
        access_log=bool(ctx.obj.get("verbose")),
        server_header=False,
    )


COMMANDS = (serve,)
