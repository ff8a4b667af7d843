"""The API's fixtures: a config file in tmp_path (SQLite store, tokens) and an app on it."""

from __future__ import annotations

import hashlib
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient

from digest.api.app import create_app
from digest.config import load
from digest.summarise.base import Summariser

ADMIN = "admin-secret-token"
READ = "read-secret-token"
AS_ADMIN = {"Authorization": f"Bearer {ADMIN}"}
AS_READER = {"Authorization": f"Bearer {READ}"}


def sha(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def write_config(tmp_path: Path, *, allow: list[str] | None = None, max_bytes: int = 2_000_000) -> Path:
    config = tmp_path / "digest.toml"
    allowed = ", ".join(f'"{a}"' for a in allow or [])
    config.write_text(
        f"""
[store]
url = "sqlite:///{tmp_path / "digest.db"}"

[api]
max_request_bytes = {max_bytes}
allow_private_fetch = [{allowed}]
outbox_root = "{tmp_path / "outbox"}"
tokens = [
  {{ name = "ops", scope = "admin", sha256 = "{sha(ADMIN)}" }},
  {{ name = "desk", scope = "read", sha256 = "{sha(READ)}" }},
]

[[subscribers]]
name = "desk"
channels = [{{ kind = "file", url = "{tmp_path / "outbox"}" }}]

[[subscribers]]
name = "ding"

[[subscribers.channels]]
url = "https://oapi.dingtalk.com/robot/send?access_token=TOPSECRETTOKEN"
secret = "SECdingsecretvalue"
""",
        encoding="utf-8",
    )
    return config


@pytest.fixture
def make_app(tmp_path: Path) -> Callable[..., FastAPI]:
    def make(
        *, allow: list[str] | None = None, max_bytes: int = 2_000_000, summariser: Summariser | None = None
    ) -> FastAPI:
        return create_app(
            load(write_config(tmp_path, allow=allow, max_bytes=max_bytes)), summariser=summariser
        )

    return make


@pytest.fixture
def client(make_app: Callable[..., FastAPI]) -> Iterator[TestClient]:
    with TestClient(make_app()) as test_client:
        yield test_client


class LiveServer:
    """A real uvicorn server on 127.0.0.1, in a thread."""

    def __init__(self, app: FastAPI) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
        self.sock.close()
