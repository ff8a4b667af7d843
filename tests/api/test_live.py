"""End to end over a real uvicorn server on 127.0.0.1: push the sample page by URL, poll the issue
until it is done, read its five articles, fetch the briefing; and a slow engine never stalls /healthz."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import httpx
from fastapi import FastAPI

from digest.models import Article, Summary
from digest.summarise.extractive import ExtractiveSummariser
from tests.api.conftest import ADMIN, AS_ADMIN, AS_READER, LiveServer, write_config
from tests.conftest import LocalServer
from tests.test_cli import SAMPLE, run_digest


def test_push_poll_read_and_brief_over_a_real_server(
    make_app: Callable[..., FastAPI], http_server: LocalServer
) -> None:
    url = http_server.route(
        "/2024-07-26/page.txt", SAMPLE.read_bytes(), headers={"Content-Type": "text/plain"}
    )
    with LiveServer(make_app(allow=["127.0.0.1"])) as server, httpx.Client(base_url=server.url) as client:
        assert client.get("/healthz").json()["status"] == "ok"
        pushed = client.post(
            "/v1/issues", json={"url": url, "paper": "交城报", "issue_date": "2024-07-26"}, headers=AS_ADMIN
        )
        assert pushed.status_code == 202, pushed.text
        issue_id = pushed.json()["id"]
        deadline = time.monotonic() + 30
        while (body := client.get(f"/v1/issues/{issue_id}", headers=AS_READER).json())["status"] != "done":
            assert body["status"] in ("queued", "processing"), body
            assert time.monotonic() < deadline
            time.sleep(0.05)
        assert len(body["articles"]) == 5
        assert [a["index"] for a in body["articles"]] == [1, 2, 3, 4, 5]
        assert all(a["headline"] and a["summary"] for a in body["articles"])
        briefing = client.get("/v1/briefings/2024-07-26", params={"subscriber": "desk"}, headers=AS_READER)
        assert briefing.status_code == 200 and briefing.json()["count"] == 5
        headlines = [a["headline"] for a in briefing.json()["issues"][0]["articles"]]
        assert headlines == [a["headline"] for a in body["articles"]]


class Slow(ExtractiveSummariser):
    def summarise(self, articles: Sequence[Article]) -> list[Summary]:
        time.sleep(2.0)
        return super().summarise(articles)


def test_a_slow_engine_does_not_stall_healthz(make_app: Callable[..., FastAPI]) -> None:
    with LiveServer(make_app(summariser=Slow())) as server:
        replies: list[int] = []

        def post() -> None:
            reply = httpx.post(
                server.url + "/v1/summarise",
                content=SAMPLE.read_bytes(),
                headers={"Content-Type": "text/plain"} | AS_ADMIN,
                timeout=30,
            )
            replies.append(reply.status_code)

        worker = threading.Thread(target=post)
        worker.start()
        time.sleep(0.3)
        start = time.monotonic()
        assert httpx.get(server.url + "/healthz", timeout=5).status_code == 200
        assert time.monotonic() - start < 1.0
        worker.join()
        assert replies == [200]


def test_serve_is_a_command() -> None:
    result = run_digest("serve", "--help")
    assert result.returncode == 0
    assert b"--port" in result.stdout and b"--host" in result.stdout


def test_digest_serve_answers_and_stops_on_sigterm(tmp_path: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = write_config(tmp_path)
    server = subprocess.Popen(
        [sys.executable, "-m", "digest", "--config", str(config), "serve", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                reply = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1)
                break
            except httpx.TransportError:
                assert server.poll() is None, server.stderr.read() if server.stderr else b""
                assert time.monotonic() < deadline
                time.sleep(0.1)
        assert reply.status_code == 200
        summarised = httpx.post(
            f"http://127.0.0.1:{port}/v1/summarise",
            content=SAMPLE.read_bytes(),
            headers={"Content-Type": "text/plain"} | AS_ADMIN,
            timeout=30,
        )
        assert summarised.status_code == 200 and len(summarised.json()["articles"]) == 5
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=15)
    # uvicorn shuts down gracefully, then re-raises the signal so the exit status says why it ended.
    assert server.returncode in (0, -signal.SIGTERM)
    said = server.stderr.read() if server.stderr else b""
    assert ADMIN.encode() not in said
    assert f"serving the API on http://127.0.0.1:{port} (docs: http://127.0.0.1:{port}/docs".encode() in said
