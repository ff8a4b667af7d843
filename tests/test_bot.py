"""The bot end to end: `digest run`, `digest ingest`, `digest sources`, `digest status` as a user runs
them, against a real SQLite database and real processes (killed, locked, stopped)."""

from __future__ import annotations

import datetime as dt
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.interval import IntervalTrigger

from digest.scheduler import JOB_TABLE
from tests.test_cli import SAMPLE, run_digest


def write_config(tmp_path: Path, folder: Path, *, batch: int = 64) -> Path:
    config = tmp_path / "digest.toml"
    config.write_text(
        f"""
[store]
url = "sqlite:///{tmp_path / "digest.db"}"

[scheduler]
summarise_batch = {batch}

[[sources]]
name = "county"
kind = "folder"
paper = "交城报"
path = "{folder}"
settle_seconds = 0

[[subscribers]]
name = "desk"
channels = [{{ kind = "file", url = "{tmp_path / "outbox"}" }}]
""",
        encoding="utf-8",
    )
    return config


def copies(folder: Path, count: int) -> None:
    """Distinct issues: the sample page with a different masthead line each."""
    folder.mkdir(exist_ok=True)
    text = SAMPLE.read_text(encoding="utf-8")
    for i in range(count):
        (folder / f"page-{i:03}.txt").write_text(f"交城报 第{i}期\n\n{text}", encoding="utf-8")


def counts(db: Path) -> dict[str, int]:
    with sqlite3.connect(db) as conn:
        return {
            "issues": conn.execute("select count(*) from issues").fetchone()[0],
            "articles": conn.execute("select count(*) from articles").fetchone()[0],
            "summaries": conn.execute("select count(*) from summaries").fetchone()[0],
            "summarised_articles": conn.execute(
                "select count(distinct article_id) from summaries"
            ).fetchone()[0],
        }


def test_run_once_ingests_and_summarises_and_a_second_run_adds_nothing(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    copies(folder, 1)
    config = write_config(tmp_path, folder)
    first = run_digest("--config", str(config), "run", "--once")
    assert first.returncode == 0, first.stderr.decode()
    assert "1 new" in first.stdout.decode() and "5 summarised" in first.stdout.decode()
    assert counts(tmp_path / "digest.db") == {
        "issues": 1,
        "articles": 5,
        "summaries": 5,
        "summarised_articles": 5,
    }
    second = run_digest("--config", str(config), "run", "--once")
    assert second.returncode == 0
    assert "0 new" in second.stdout.decode() and "0 summarised" in second.stdout.decode()
    assert counts(tmp_path / "digest.db")["summaries"] == 5


def test_a_corrected_page_replaces_its_articles(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    copies(folder, 1)
    config = write_config(tmp_path, folder)
    assert run_digest("--config", str(config), "run", "--once").returncode == 0
    page = folder / "page-000.txt"
    page.write_text(page.read_text(encoding="utf-8").replace("盛夏时节", "仲夏时节"), encoding="utf-8")
    result = run_digest("--config", str(config), "run", "--once")
    assert "1 replaced" in result.stdout.decode()
    with sqlite3.connect(tmp_path / "digest.db") as conn:
        current = conn.execute("select text from articles where not superseded order by id").fetchall()
    assert len(current) == 5 and current[0][0].startswith("仲夏时节")


def test_kill_in_the_middle_then_a_clean_run_finishes_without_duplicates(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    copies(folder, 40)
    config = write_config(tmp_path, folder, batch=5)
    db = tmp_path / "digest.db"
    process = subprocess.Popen(
        [sys.executable, "-m", "digest", "--config", str(config), "run", "--once"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if db.exists():
            try:
                if counts(db)["summaries"] > 0:
                    break
            except sqlite3.OperationalError:
                pass  # tables not created yet
        time.sleep(0.02)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    killed = counts(db)
    assert 0 < killed["summaries"] < 200, killed  # it really was killed mid-cycle
    result = run_digest("--config", str(config), "run", "--once")
    assert result.returncode == 0, result.stderr.decode()
    final = counts(db)
    assert final["issues"] == 40
    assert final["articles"] == 200
    assert final["summaries"] == final["summarised_articles"] == 200  # each article summarised once


def test_a_second_run_on_the_same_database_refuses_and_sigterm_stops_cleanly(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    copies(folder, 1)
    config = write_config(tmp_path, folder)
    daemon = subprocess.Popen(
        [sys.executable, "-m", "digest", "--config", str(config), "-v", "run"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            db = tmp_path / "digest.db"
            if db.exists():
                try:
                    if counts(db)["summaries"] == 5:
                        break
                except sqlite3.OperationalError:
                    pass
            time.sleep(0.05)
        assert counts(tmp_path / "digest.db")["summaries"] == 5  # the daemon polled at start
        second = run_digest("--config", str(config), "run", "--once")
        assert second.returncode == 2
        assert "another digest run" in second.stderr.decode()
    finally:
        daemon.send_signal(signal.SIGTERM)
        _, err = daemon.communicate(timeout=60)
    assert daemon.returncode == 0, err.decode()
    assert "SIGTERM" in err.decode()
    # It said at start what runs.
    assert (
        "digest: running: sources county; 1 subscribers (desk at 07:30); database sqlite:///" in err.decode()
    )


def test_ingest_command_and_status(tmp_path: Path) -> None:
    config = write_config(tmp_path, tmp_path / "none")
    result = run_digest(
        "--config", str(config), "ingest", str(SAMPLE), "--paper", "交城报", "--issue-date", "2024-08-01"
    )
    assert result.returncode == 0, result.stderr.decode()
    assert "new, 5 articles; 5 summarised" in result.stdout.decode()
    again = run_digest("--config", str(config), "ingest", str(SAMPLE))
    assert "unchanged" in again.stdout.decode()
    status = run_digest("--config", str(config), "status")
    assert status.returncode == 0
    assert "articles: 5, summarised: 5, pending: 0" in status.stdout.decode()


def test_sources_add_list_remove_edit_the_config_file(tmp_path: Path) -> None:
    config = write_config(tmp_path, tmp_path / "in")
    config.write_text("# my settings\n" + config.read_text(encoding="utf-8"), encoding="utf-8")
    added = run_digest(
        "--config",
        str(config),
        "sources",
        "add",
        "feed",
        "--kind",
        "rss",
        "--feed-url",
        "https://example.org/rss?token=SECRET",
        "--paper",
        "某报",
        "--interval",
        "30",
    )
    assert added.returncode == 0, added.stderr.decode()
    text = config.read_text(encoding="utf-8")
    assert text.startswith("# my settings") and 'name = "feed"' in text and 'name = "county"' in text
    listed = run_digest("--config", str(config), "sources", "list").stdout.decode()
    assert "county\tfolder" in listed and "feed\trss\t某报\tevery 30 min" in listed
    assert "SECRET" not in listed
    duplicate = run_digest(
        "--config", str(config), "sources", "add", "feed", "--kind", "folder", "--path", "x"
    )
    assert duplicate.returncode == 2 and "exists already" in duplicate.stderr.decode()
    incomplete = run_digest("--config", str(config), "sources", "add", "web", "--kind", "url")
    assert incomplete.returncode == 2
    removed = run_digest("--config", str(config), "sources", "remove", "county")
    assert removed.returncode == 0
    assert 'name = "county"' not in config.read_text(encoding="utf-8")


@pytest.mark.skipif(os.name != "posix", reason="signals")
def test_run_without_sources_tells_what_to_do(tmp_path: Path) -> None:
    config = tmp_path / "empty.toml"
    config.write_text(f'sources = []\n[store]\nurl = "sqlite:///{tmp_path / "d.db"}"\n', encoding="utf-8")
    result = run_digest("--config", str(config), "sources", "list")
    assert "no sources configured" in result.stdout.decode()


def test_one_run_drains_a_folder_of_120_pages(tmp_path: Path) -> None:
    # The folder source reads 50 documents a poll to bound memory; a cycle polls again until the
    # folder has nothing new, so a backlog never trickles in over hours.
    folder = tmp_path / "in"
    folder.mkdir()
    for i in range(120):
        (folder / f"2024-07-{1 + i % 28:02}-p{i:03}.txt").write_text(
            f"本报讯 清河县第{i}号新闻的正文写在这里。\n（记者 王建国）\n", encoding="utf-8"
        )
    config = write_config(tmp_path, folder)
    result = run_digest("--config", str(config), "run", "--once")
    assert result.returncode == 0, result.stderr.decode()
    assert "120 documents (120 new" in result.stdout.decode()
    assert counts(tmp_path / "digest.db")["issues"] == 120
    again = run_digest("--config", str(config), "run", "--once")
    assert "0 documents" in again.stdout.decode()


def test_status_says_what_is_waiting_and_why(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    copies(folder, 4)
    config = write_config(tmp_path, folder)
    before = run_digest("--config", str(config), "status")
    assert before.returncode == 0, before.stderr.decode()
    assert "waiting: county: 4 files not read yet (" in before.stdout.decode()
    assert "digest run --once" in before.stdout.decode()
    assert run_digest("--config", str(config), "run", "--once").returncode == 0
    assert "waiting:" not in run_digest("--config", str(config), "status").stdout.decode()
    # A file still being written is left for the next poll: status says so, and why.
    config.write_text(
        config.read_text(encoding="utf-8").replace("settle_seconds = 0", "settle_seconds = 3600"),
        encoding="utf-8",
    )
    (folder / "2024-07-30.txt").write_text("本报讯 清河县的新闻。\n", encoding="utf-8")
    assert run_digest("--config", str(config), "run", "--once").returncode == 0
    status = run_digest("--config", str(config), "status").stdout.decode()
    assert (
        "waiting: county: 2024-07-30.txt changed" in status and "once it has been still for 3600 s" in status
    )
    assert "waiting: county: 1 files not read yet (2024-07-30.txt)" in status


def test_late_news_reaches_a_supplement_subscriber_the_same_day_and_waits_for_the_others(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.txt").write_text("本报讯 清河县召开秋收会议。\n（记者 王建国）\n", encoding="utf-8")
    config = write_config(tmp_path, folder)
    config.write_text(
        config.read_text(encoding="utf-8").replace(
            'name = "desk"\n', 'name = "desk"\nlate = "supplement"\ntime = "00:00"\n'
        )
        + f"""
[[subscribers]]
name = "weekly"
channels = [{{ kind = "file", url = "{tmp_path / "weekly"}" }}]
""",
        encoding="utf-8",
    )
    first = run_digest("--config", str(config), "run", "--once")
    assert first.returncode == 0, first.stderr.decode()
    (folder / "b.txt").write_text("本报讯 石岭镇举办农民丰收节。\n（记者 李秀梅）\n", encoding="utf-8")
    second = run_digest("--config", str(config), "run", "--once")
    assert second.returncode == 0, second.stderr.decode()
    assert "and now a supplement of 1 that came in since" in second.stdout.decode()
    outbox = sorted(p.name for p in (tmp_path / "outbox").glob("*.md"))
    supplements = [name for name in outbox if name.endswith("-desk-2.md")]
    assert len(outbox) == 2 and len(supplements) == 1, outbox
    late = (tmp_path / "outbox" / supplements[0]).read_text(encoding="utf-8")
    assert "补充 · 1 篇" in late and "丰收节" in late and "秋收会议" not in late
    # The other subscriber gets it in their next briefing, not today.
    assert len(list((tmp_path / "weekly").glob("*.md"))) == 1
    third = run_digest("--config", str(config), "run", "--once")
    assert "supplement" not in third.stdout.decode()
    assert len(list((tmp_path / "outbox").glob("*.md"))) == 2


def test_ingest_without_paper_never_gives_a_briefing_an_empty_heading(tmp_path: Path) -> None:
    config = write_config(tmp_path, tmp_path / "none")
    result = run_digest("--config", str(config), "ingest", str(SAMPLE), "--issue-date", "2024-08-01")
    assert result.returncode == 0, result.stderr.decode()
    # It says what it filed the page under, and how to name the paper.
    assert "no --paper given: filed under paper 'manual'" in result.stderr.decode()
    assert "--paper NAME" in result.stderr.decode()
    preview = run_digest("--config", str(config), "preview", "desk", "--date", "2024-08-01")
    assert preview.returncode == 0, preview.stderr.decode()
    assert "【manual 2024-08-01】" in preview.stdout.decode()
    # Under a configured source's name, a page is filed under that source's paper.
    county = SAMPLE.read_text(encoding="utf-8").replace("盛夏时节", "仲夏时节")
    page = tmp_path / "county.txt"
    page.write_text(county, encoding="utf-8")
    named = run_digest("--config", str(config), "ingest", str(page), "--name", "county")
    assert named.returncode == 0, named.stderr.decode()
    assert "filed under paper '交城报'" in named.stderr.decode()
    # An issue stored with no paper at all (by the API, or before this fallback) gets a heading too.
    with sqlite3.connect(tmp_path / "digest.db") as conn:
        conn.execute("update issues set paper = ''")
    unnamed = run_digest("--config", str(config), "preview", "desk", "--date", "2024-08-01")
    assert unnamed.returncode == 0, unnamed.stderr.decode()
    assert "【】" not in unnamed.stdout.decode() and "【 " not in unnamed.stdout.decode()
    assert "【未注明报名 2024-08-01】" in unnamed.stdout.decode()


def test_status_shows_every_source_with_issues_and_all_times_in_the_scheduler_zone(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    copies(folder, 1)
    config = write_config(tmp_path, folder)
    # Kathmandu is +05:45 all year: neither UTC nor the default zone, so a time in the wrong zone shows.
    config.write_text(
        config.read_text(encoding="utf-8").replace(
            "[scheduler]\n", '[scheduler]\ntimezone = "Asia/Kathmandu"\n'
        ),
        encoding="utf-8",
    )
    assert run_digest("--config", str(config), "run", "--once").returncode == 0
    assert run_digest("--config", str(config), "ingest", str(SAMPLE), "--paper", "某报").returncode == 0
    # The job table as a daemon leaves it, here one that ran with another zone (UTC) in its settings.
    scheduler = BackgroundScheduler(
        jobstores={
            "default": SQLAlchemyJobStore(url=f"sqlite:///{tmp_path / 'digest.db'}", tablename=JOB_TABLE)
        },
        timezone="UTC",
    )
    scheduler.start(paused=True)
    scheduler.add_job(
        "digest.scheduler:poll_job",
        IntervalTrigger(minutes=60, timezone="UTC"),
        args=["county"],
        id="poll:county",
        next_run_time=dt.datetime(2030, 1, 1, 0, 0, tzinfo=dt.UTC),
    )
    scheduler.shutdown(wait=False)
    status = run_digest("--config", str(config), "status")
    assert status.returncode == 0, status.stderr.decode()
    out = status.stdout.decode()
    assert "times in Asia/Kathmandu" in out
    county = next(line for line in out.splitlines() if line.startswith("source county"))
    assert "+05:45" in county and "+00:00" not in county, county
    assert "next 2030-01-01T05:45:00+05:45" in county
    # What `digest ingest` filed is a source too, though no config names it and nothing polls it.
    assert "source manual (not polled: filed by digest ingest or the API): 1 issues" in out


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--kind", "url"], "source 'web': kind url needs --url, e.g. --url https://"),
        (["--kind", "epaper"], "source 'web': kind epaper needs --url-template, e.g. --url-template 'http"),
        (["--kind", "rss"], "source 'web': kind rss needs --feed-url, e.g. --feed-url https://"),
        (["--kind", "folder"], "source 'web': kind folder needs --path, e.g. --path /"),
        (
            ["--kind", "epaper", "--path", "/srv/in"],
            "source 'web': --path is for kind folder, not epaper; kind epaper takes --url-template",
        ),
        (
            [
                "--kind",
                "folder",
                "--path",
                "/srv/in",
                "--url",
                "https://a.example/",
                "--feed-url",
                "https://b/",
            ],
            "source 'web': --url is for kind url, not folder; --feed-url is for kind rss, not folder",
        ),
        (["--kind", "rss", "--feed-url", "ftp://x"], "source 'web': 'ftp://x' is not an http(s) URL"),
        (
            ["--kind", "epaper", "--url-template", "http://x/{day}"],
            "source 'web': --url-template 'http://x/{day}' cannot be formatted",
        ),
    ],
)
def test_sources_add_names_the_option_the_kind_needs(
    tmp_path: Path, options: list[str], message: str
) -> None:
    config = write_config(tmp_path, tmp_path / "in")
    before = config.read_text(encoding="utf-8")
    result = run_digest("--config", str(config), "sources", "add", "web", *options)
    assert result.returncode == 2
    err = result.stderr.decode()
    assert message in err, err
    assert "Value error" not in err and " = " not in err  # option names, not pydantic's or TOML's
    assert config.read_text(encoding="utf-8") == before


def test_run_once_says_each_problem_once_naming_its_source_once(tmp_path: Path) -> None:
    # The cycle used to log each error and the command print it again, and the pipeline prefixed
    # the source's name to errors that already opened with it ("county: county: cannot list …").
    config = write_config(tmp_path, tmp_path / "missing")
    result = run_digest("--config", str(config), "run", "--once")
    assert result.returncode == 0
    err = result.stderr.decode()
    assert err.count("cannot list the folder") == 1, err
    assert "county: cannot list the folder" in err and "county: county:" not in err


def test_run_once_warns_of_page_text_no_article_took(tmp_path: Path) -> None:
    # A page whose text opens no article is a warning of the cycle: `run --once` must say it, as
    # the daemon logs it, not drop it.
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "page.txt").write_text(
        "青禾县召开会议\n本报讯 8月2日，青禾县召开秋粮收购会议。会议要求各乡镇做好准备。\n"
        "本报地址：青禾县人民路8号 邮编：030500 印刷：青禾印刷厂 定价：1.00元\n",
        encoding="utf-8",
    )
    result = run_digest("--config", str(write_config(tmp_path, folder)), "run", "--once")
    err = result.stderr.decode()
    assert err.count("belong to no article") == 1, err
    assert "digest: warning: " in err and "page.txt" in err
