"""An admin token is not the server's owner: what arrives over the API is taken as written (no
${VAR} from the server's environment), reaches only public addresses (as fetched URLs do) and writes
files only under the configured outbox root."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.api.conftest import AS_ADMIN


def _add(client: TestClient, channel: dict[str, object], name: str = "x") -> tuple[int, str]:
    reply = client.post("/v1/subscribers", json={"name": name, "channels": [channel]}, headers=AS_ADMIN)
    return reply.status_code, reply.json().get("error", "") if reply.status_code >= 400 else ""


@pytest.mark.parametrize(
    "channel",
    [
        {"kind": "webhook", "url": "https://hooks.example.org/hook?leak=${HOME}"},
        {"kind": "webhook", "url": "https://hooks.example.org/hook", "secret": "${DIGEST_ADMIN_SECRET}"},
        {"url": "smtp://bot@smtp.example.org:587", "options": {"to": "${MAIL_TO}", "from": "b@example.org"}},
    ],
)
def test_environment_references_are_refused_over_the_api(
    client: TestClient, tmp_path: Path, channel: dict[str, object]
) -> None:
    before = (tmp_path / "digest.toml").read_text(encoding="utf-8")
    status, error = _add(client, channel)
    assert status == 422 and "${" in error and "config file" in error
    assert (tmp_path / "digest.toml").read_text(encoding="utf-8") == before


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("http://127.0.0.1:9/hook", "loopback"),
        ("http://10.1.2.3/hook", "private"),
        ("http://[fe80::1%25eth0]/hook", "link-local"),
        ("http://169.254.169.254/latest/meta-data", "link-local"),
        ("smtp://bot@127.0.0.1:25", "loopback"),
    ],
)
def test_channel_urls_from_the_api_reach_only_public_addresses(
    client: TestClient, url: str, why: str
) -> None:
    channel: dict[str, object] = {"url": url}
    if url.startswith("smtp"):
        channel["options"] = {"to": "desk@example.org", "from": "bot@example.org"}
    status, error = _add(client, channel)
    assert status == 400 and why in error, error


def test_an_allowed_internal_endpoint_is_accepted(make_app: Callable[..., FastAPI]) -> None:
    with TestClient(make_app(allow=["127.0.0.1"])) as client:
        assert _add(client, {"kind": "webhook", "url": "http://127.0.0.1:9/hook"})[0] == 201


def test_file_channels_from_the_api_write_only_under_the_outbox_root(
    client: TestClient, tmp_path: Path
) -> None:
    escapes = (
        "/etc/cron.d",
        "file://localhost/etc/cron.d",  # read as the channel reads it, not as a relative path
        "file:///etc/cron%2Ed",
        str(tmp_path / "elsewhere"),
        str(tmp_path / "outbox" / ".." / "escape"),
    )
    for folder in escapes:
        status, error = _add(client, {"kind": "file", "url": folder})
        assert status == 422 and "outbox_root" in error, (folder, error)
    assert _add(client, {"kind": "file", "url": str(tmp_path / "outbox" / "night")})[0] == 201


@pytest.mark.parametrize("field", [{"broken": "no"}, {"masked": ["x"]}])
def test_fields_the_config_loader_sets_are_not_taken_from_a_request(
    client: TestClient, field: dict[str, object]
) -> None:
    status, error = _add(client, {"kind": "webhook", "url": "https://hooks.example.org/h", **field})
    assert status == 422 and next(iter(field)) in error
