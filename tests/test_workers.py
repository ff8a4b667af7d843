"""The job queue on PostgreSQL: a clock and `digest worker` processes do the bot's work, two clocks
enqueue each tick once, and on SQLite nothing of the queue exists."""

from __future__ import annotations

import datetime as dt
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest
import sqlalchemy as sa

from digest.config import load
from digest.shipped import SAMPLE_PAGE
from tests.postgres_schema import fresh_schema
from tests.test_cli import run_digest

POSTGRES_ENV = "DIGEST_TEST_POSTGRES_URL"
needs_postgres = pytest.mark.skipif(
    not os.environ.get(POSTGRES_ENV), reason=f"set {POSTGRES_ENV} to run against PostgreSQL"
)


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A PostgreSQL URL whose search_path is a schema of its own, dropped afterwards."""
    with fresh_schema(os.environ[POSTGRES_ENV]) as url:
        yield url


DEV_PAGES = sorted((Path(__file__).parent / "data" / "pages").glob("*.txt"))


def _pages(folder: Path, count: int) -> int:
    """``count`` pages in ``folder``, the development pages and the sample in turn, each with its own
    editor's line (the store keeps one issue for identical bytes; a later round's stories are the
    same, which a briefing folds); how many articles they hold."""
    from digest.ingest.cues import COMMON  # noqa: PLC0415
    from digest.ingest.extract import extract  # noqa: PLC0415
    from digest.ingest.long_text import segment_long  # noqa: PLC0415
    from digest.models import RawInput  # noqa: PLC0415

    folder.mkdir(parents=True, exist_ok=True)
    sources = [*DEV_PAGES, SAMPLE_PAGE]
    articles = 0
    for i in range(count):
        data = sources[i % len(sources)].read_bytes() + f"\n责任编辑：编辑{i:03d}\n".encode()
        (folder / f"page-{i:03d}.txt").write_bytes(data)
        articles += len(segment_long(extract(RawInput(f"page-{i:03d}.txt", data)), COMMON).articles)
    return articles


def _config(tmp_path: Path, url: str, folder: Path, *, at: str = "00:00") -> Path:
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
summarise_batch = 8

[[sources]]
name = "county"
kind = "folder"
paper = "青禾报"
path = "{folder}"
settle_seconds = 0

[[subscribers]]
name = "desk"
time = "{at}"
late = "supplement"
max_articles = 500
channels = [{{ kind = "file", url = "{tmp_path / "outbox"}" }}]
""",
        encoding="utf-8",
    )
    return config


def _start(config: Path, *args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "digest", "--config", str(config), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )


def _stop(*processes: subprocess.Popen[bytes]) -> str:
    out = []
    for process in processes:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
        try:
            data, _ = process.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            data, _ = process.communicate()
        out.append(data.decode(errors="replace"))
    return "\n".join(out)


def _scalar(url: str, sql: str, **params: object) -> int:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return int(conn.execute(sa.text(sql), params).scalar() or 0)
    except sa.exc.ProgrammingError:  # the tables do not exist yet: the processes are starting
        return 0
    finally:
        engine.dispose()


def _wait(what: str, check: object, timeout: float = 120.0, every: float = 0.5) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():  # type: ignore[operator]
            return
        time.sleep(every)
    pytest.fail(f"timed out waiting for {what}")


@needs_postgres
def test_a_clock_and_two_workers_do_the_whole_day(pg_url: str, tmp_path: Path) -> None:
    expected = _pages(tmp_path / "in", 26)
    config = _config(tmp_path, pg_url, tmp_path / "in")
    workers = [_start(config, "worker"), _start(config, "worker", "--queue", "summarise")]
    clock = _start(config, "run")
    articles = "SELECT count(*) FROM articles"
    summarised = "SELECT count(DISTINCT article_id) FROM summaries"
    try:
        _wait("every article", lambda: _scalar(pg_url, articles) == expected == _scalar(pg_url, summarised))
        _wait("the briefing delivered", lambda: any((tmp_path / "outbox").glob("*.md")))
        status = run_digest("--config", str(config), "status").stdout.decode()
    finally:
        logs = _stop(clock, *workers)
    assert _scalar(pg_url, "SELECT count(*) FROM summaries") == expected, logs  # one summary each
    assert "Traceback" not in logs, logs
    assert "每日简报" in next((tmp_path / "outbox").glob("*.md")).read_text(encoding="utf-8")
    assert "workers: 2 alive, 0 silent" in status, status  # `digest status` shows the queue
    assert "queue" in status


@needs_postgres
def test_two_clocks_enqueue_each_tick_once(pg_url: str, tmp_path: Path) -> None:
    _pages(tmp_path / "in", 1)
    config = _config(tmp_path, pg_url, tmp_path / "in")
    # No worker: what the clocks enqueue stays in the queue to be counted. Both clocks share the
    # persisted schedule, so both fire the source's first poll at once.
    clocks = [_start(config, "run"), _start(config, "run")]
    polls = "SELECT count(*) FROM procrastinate_jobs WHERE task_name = 'digest.poll'"
    try:
        _wait("a poll enqueued", lambda: _has_table(pg_url) and _scalar(pg_url, polls) >= 1, timeout=60)
        time.sleep(5)  # time for a second enqueue, if there were one
    finally:
        logs = _stop(*clocks)
    assert _scalar(pg_url, polls) == 1, logs

    # The briefing tick of the same minute from two clocks (two processes' runtimes in one here).
    from digest.jobs import clock  # noqa: PLC0415
    from digest.runtime import runtime  # noqa: PLC0415
    from digest.summarise.extractive import ExtractiveSummariser  # noqa: PLC0415

    settings = load(config)
    for _ in range(2):
        with runtime(settings, summariser=ExtractiveSummariser(), exclusive=False) as rt:
            clock.open_clock(rt)
            try:
                clock.enqueue_briefing("desk")
            finally:
                clock.close_clock()
    briefings = "SELECT count(*) FROM procrastinate_jobs WHERE task_name = 'digest.compose'"
    assert _scalar(pg_url, briefings) == 1


def _has_table(url: str) -> bool:
    return _scalar(url, "SELECT (to_regclass('procrastinate_jobs') IS NOT NULL)::int") == 1


def test_on_sqlite_nothing_of_the_queue_exists(tmp_path: Path) -> None:
    _pages(tmp_path / "in", 1)
    config = tmp_path / "digest.toml"
    config.write_text(
        f'[store]\nurl = "sqlite:///{tmp_path / "d.db"}"\n'
        f'[[sources]]\nname = "county"\nkind = "folder"\npath = "{tmp_path / "in"}"\nsettle_seconds = 0\n',
        encoding="utf-8",
    )
    result = run_digest("--config", str(config), "run", "--once")
    assert result.returncode == 0, result.stderr.decode()
    assert "5 articles, 5 summarised" in result.stdout.decode()
    with sqlite3.connect(tmp_path / "d.db") as db:
        tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert not {t for t in tables if t.startswith(("procrastinate", "digest_clock"))}


def test_the_queue_on_sqlite_is_refused_with_what_to_do(tmp_path: Path) -> None:
    config = tmp_path / "digest.toml"
    config.write_text(
        f'[store]\nurl = "sqlite:///{tmp_path / "d.db"}"\n[workers]\nexecutor = "queue"\n', encoding="utf-8"
    )
    result = run_digest("--config", str(config), "worker")
    assert result.returncode == 2
    assert "needs the PostgreSQL store" in result.stderr.decode()


def test_a_worker_without_the_queue_says_how_to_set_it(tmp_path: Path) -> None:
    result = run_digest("--config", str(_plain(tmp_path)), "worker")
    assert result.returncode == 2
    assert 'executor = "queue"' in result.stderr.decode()


def _plain(tmp_path: Path) -> Path:
    config = tmp_path / "plain.toml"
    config.write_text(f'[store]\nurl = "sqlite:///{tmp_path / "d.db"}"\n', encoding="utf-8")
    return config


@needs_postgres
def test_metrics_export_the_queue(pg_url: str, tmp_path: Path) -> None:
    from fastapi.testclient import TestClient  # noqa: PLC0415

    from digest.api.app import create_app  # noqa: PLC0415
    from digest.jobs.queue import ensure_queue_schema  # noqa: PLC0415
    from digest.store import open_store  # noqa: PLC0415
    from tests.api.conftest import READ, sha  # noqa: PLC0415

    config = _config(tmp_path, pg_url, tmp_path / "in")
    with config.open("a", encoding="utf-8") as extra:
        extra.write(f'\n[api]\ntokens = [{{ name = "desk", scope = "read", sha256 = "{sha(READ)}" }}]\n')
    settings = load(config)
    store = open_store(pg_url)
    try:
        ensure_queue_schema(store)
    finally:
        store.close()
    with TestClient(create_app(settings)) as client:
        body = client.get("/metrics", headers={"Authorization": f"Bearer {READ}"}).text
    assert "digest_queue_workers_alive 0.0" in body
    assert "digest_queue_jobs_stalled 0.0" in body


def test_a_few_failing_short_articles_never_hold_up_the_rest(tmp_path: Path) -> None:
    # Batches are claimed shortest first: were failed articles claimed again, a batch of them would
    # end every summarise job and the longer articles behind them would never be summarised.
    import httpx  # noqa: PLC0415

    from digest.jobs.work import summarise_batches  # noqa: PLC0415
    from digest.models import Article, Summary  # noqa: PLC0415
    from digest.pipeline import ingest_document  # noqa: PLC0415
    from digest.runtime import Runtime  # noqa: PLC0415
    from digest.sources.base import FetchedDocument  # noqa: PLC0415
    from digest.store import open_store  # noqa: PLC0415
    from digest.summarise.extractive import ExtractiveSummariser  # noqa: PLC0415

    class FailsOnShort(ExtractiveSummariser):
        def summarise(self, articles: Sequence[Article]) -> list[Summary]:
            if any(len(a.text) < 200 for a in articles):
                raise RuntimeError("this engine cannot do short articles")
            return super().summarise(articles)

    _pages(tmp_path / "in", 26)
    store = open_store(f"sqlite:///{tmp_path / 'd.db'}")
    now = dt.datetime(2026, 12, 2, tzinfo=dt.UTC)
    for page in sorted((tmp_path / "in").iterdir()):
        from digest.models import RawInput  # noqa: PLC0415

        doc = FetchedDocument("county", "青禾报", page.name, RawInput(page.name, page.read_bytes()))
        ingest_document(store, doc, now=now)
    short = [a for a in store.pending_articles(10_000) if len(a.article.text) < 200]
    assert len(short) >= 8  # more than a batch of them, all shortest
    settings = load(environ={})  # the defaults: only the engine and the store below matter
    with httpx.Client() as client:
        rt = Runtime(settings, store, FailsOnShort(), client, {})
        done, errors = summarise_batches(rt, batch=4)
    assert len(errors) == len(short)
    assert done == _count(store) - len(short)  # every other article summarised in this one job
    assert {a.id for a in store.pending_articles(10_000)} == {a.id for a in short}
    store.close()


def _count(store: object) -> int:
    with store.engine.connect() as conn:  # type: ignore[attr-defined]
        return int(conn.execute(sa.text("SELECT count(*) FROM articles")).scalar_one())
