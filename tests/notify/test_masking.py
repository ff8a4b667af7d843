"""Every value a channel got from the environment is a secret wherever it appears: in a URL's path or
query as much as in `secret`. A receiver that echoes the request back must not get it into a reason,
a log line or `digest deliveries`."""

from __future__ import annotations

import logging
from pathlib import Path

import httpx
import pytest

from digest.briefing.daily import build_channels
from digest.config import load
from digest.notify import Message
from tests.conftest import Route
from tests.notify.conftest import HookServer, Received

HOOK_PATH_VALUE = "p4th-s3cret-from-env"
HOOK_ID_VALUE = "qu3ry-s3cret-from-env"


def _echo(request: Received) -> Route:
    # A receiver that says what it got, as many do in their error pages.
    return Route(400, {"Content-Type": "text/plain"}, f"bad request for {request.path}".encode())


def test_values_resolved_from_the_environment_are_masked_wherever_they_appear(
    tmp_path: Path, hook_server: HookServer, caplog: pytest.LogCaptureFixture
) -> None:
    hook_server.handle(f"/hooks/{HOOK_PATH_VALUE}", _echo)
    config = tmp_path / "digest.toml"
    config.write_text(
        f"""
[[subscribers]]
name = "desk"
channels = [{{ kind = "webhook", url = "{hook_server.base_url}/hooks/${{HOOK_PATH}}?id=${{HOOK_ID}}" }}]
""",
        encoding="utf-8",
    )
    settings = load(config, environ={"HOOK_PATH": HOOK_PATH_VALUE, "HOOK_ID": HOOK_ID_VALUE})
    caplog.set_level(logging.DEBUG, logger="digest")
    with httpx.Client() as client:
        (channel,) = build_channels(settings.subscribers, client).values()
        result = channel.send(Message("t", "x", "x", "", {}, "brf_1_webhook_1"))
    assert result.status == "failed" and "bad request for" in result.reason
    shown = result.reason + caplog.text + repr(channel) + channel.describe()
    assert HOOK_PATH_VALUE not in shown and HOOK_ID_VALUE not in shown
    # It was sent as configured: only what is shown is masked.
    assert hook_server.received[-1].path.startswith(f"/hooks/{HOOK_PATH_VALUE}?id={HOOK_ID_VALUE}")
