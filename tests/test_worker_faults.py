"""Machines die: three workers and a clock on a folder of 100 pages; one worker is killed (SIGKILL) in
the middle of summarising and another in the middle of sending. The survivor finishes the day: every
article has exactly one summary, every part is sent, none that was acknowledged is sent twice, and
every subscriber has their briefing."""

from __future__ import annotations

import json
import os
import signal
import threading
import time
from collections import Counter
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.test_workers import _pages, _scalar, _start, _stop, _wait, needs_postgres, pg_url  # noqa: F401

SUBSCRIBERS = ("desk", "night")


class _Bot(BaseHTTPRequestHandler):
    """A WeCom group bot that takes its time (so a send can be caught in flight) and keeps what it got."""

    received: list[str]
    lock = threading.Lock()

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        time.sleep(0.3)
        with self.lock:
            # Both subscribers may get the same text: a part is its bot (the query) and its text.
            self.received.append(f"{self.path}\n{json.loads(body)['markdown']['content']}")
        reply = b'{"errcode": 0, "errmsg": "ok"}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)

    def log_message(self, *_args: object) -> None:
        pass


@pytest.fixture
def bot() -> Iterator[tuple[str, list[str]]]:
    received: list[str] = []
    handler = type("Bot", (_Bot,), {"received": received})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/cgi-bin/webhook/send?key=test", received
    finally:
        server.shutdown()
        server.server_close()


def _config(tmp_path: Path, url: str, folder: Path, hook: str) -> Path:
    subscribers = "".join(
        f"""
[[subscribers]]
name = "{name}"
time = "00:00"
late = "supplement"
max_articles = 30
channels = [{{ kind = "wecom", url = "{hook}&to={name}" }}]
"""
        for name in SUBSCRIBERS
    )
    config = tmp_path / "digest.toml"
    config.write_text(
        f"""
[store]
url = "{url}"

[workers]
executor = "queue"
heartbeat_seconds = 1.0
stalled_after_seconds = 4.0
summarise_jobs = 3

[scheduler]
summarise_batch = 2

[delivery]
base_delay_seconds = 1.0
max_delay_seconds = 2.0

[[sources]]
name = "county"
kind = "folder"
paper = "青禾报"
path = "{folder}"
settle_seconds = 0
{subscribers}""",
        encoding="utf-8",
    )
    return config


def _workers(url: str) -> list[int]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return [
                int(r[0]) for r in conn.execute(sa.text("SELECT id FROM procrastinate_workers ORDER BY id"))
            ]
    except sa.exc.ProgrammingError:
        return []
    finally:
        engine.dispose()


def _running(url: str, worker: int, task: str) -> bool:
    return (
        _scalar(
            url,
            "SELECT count(*) FROM procrastinate_jobs WHERE status = 'doing' AND worker_id = :worker "
            "AND task_name = :task",
            worker=worker,
            task=task,
        )
        > 0
    )


@needs_postgres
def test_the_survivors_finish_the_day_when_workers_are_killed(
    pg_url: str,  # noqa: F811 - the fixture
    tmp_path: Path,
    bot: tuple[str, list[str]],
) -> None:
    hook, received = bot
    expected = _pages(tmp_path / "in", 100)
    config = _config(tmp_path, pg_url, tmp_path / "in", hook)
    # The workers start first, one after the other, so that each one's id in the queue is known;
    # then the clock, whose first tick polls the folder.
    processes = []
    ids: list[int] = []
    for queues in ((), ("--queue", "summarise"), ("--queue", "deliver")):
        processes.append(_start(config, "worker", *queues))
        _wait("a worker", lambda: len(_workers(pg_url)) == len(ids) + 1, timeout=60)
        (new,) = set(_workers(pg_url)) - set(ids)
        ids.append(new)
    _survivor_id, summariser_id, sender_id = ids
    _survivor, summariser, sender = processes
    processes.append(_start(config, "run"))
    try:
        _wait("it summarising", lambda: _running(pg_url, summariser_id, "digest.summarise"), every=0.1)
        os.kill(summariser.pid, signal.SIGKILL)
        _wait("it sending", lambda: _running(pg_url, sender_id, "digest.send"), timeout=120, every=0.1)
        os.kill(sender.pid, signal.SIGKILL)

        articles = "SELECT count(*) FROM articles"
        summarised = "SELECT count(DISTINCT article_id) FROM summaries"
        _wait(
            "every article summarised",
            lambda: _scalar(pg_url, summarised) == expected == _scalar(pg_url, articles),
            timeout=180,
        )
        unsent = "SELECT count(*) FROM deliveries WHERE status <> 'sent'"
        briefed = "SELECT count(DISTINCT subscriber) FROM briefings"
        _wait(
            "every part sent",
            lambda: _scalar(pg_url, briefed) == len(SUBSCRIBERS) and _scalar(pg_url, unsent) == 0,
            timeout=180,
        )
        # The stalled jobs of the dead were taken over, not left running.
        stalled = "SELECT count(*) FROM procrastinate_jobs WHERE status = 'doing' AND worker_id IN (:a, :b)"
        _wait(
            "the dead workers' jobs retried",
            lambda: _scalar(pg_url, stalled, a=summariser_id, b=sender_id) == 0,
        )
    finally:
        logs = _stop(*processes)

    assert _scalar(pg_url, "SELECT count(*) FROM summaries") == expected, logs  # exactly one each
    # The survivor took over both dead workers' jobs once their heartbeats went stale.
    assert "(digest.summarise) was running on a worker that stopped" in logs, logs
    assert "(digest.send) was running on a worker that stopped" in logs, logs
    sent = _scalar(pg_url, "SELECT count(*) FROM deliveries WHERE status = 'sent'")
    # Every part reached the bot; only the one in flight when its sender died may have come twice
    # (the bot answered, the sender died before it could record it); none recorded as sent came again.
    assert len(set(received)) == sent
    repeats = sum(count - 1 for count in Counter(received).values())
    assert repeats <= 1, logs
    for name in SUBSCRIBERS:
        assert _scalar(pg_url, "SELECT count(*) FROM briefings WHERE subscriber = :name", name=name) >= 1
