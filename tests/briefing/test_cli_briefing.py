"""`digest subscribers …` and `digest preview` as a user runs them."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

from tests.test_bot import write_config
from tests.test_cli import SAMPLE, run_digest


def test_subscribers_are_added_shown_and_removed_without_leaking_secrets(tmp_path: Path) -> None:
    config = write_config(tmp_path, tmp_path / "in")
    config.write_text(
        config.read_text(encoding="utf-8")
        + """
[[subscribers]]
name = "editors"
channels = [{ url = "https://oapi.dingtalk.com/robot/send?access_token=TOKEN123", secret = "${DING_SECRET}" }]
""",
        encoding="utf-8",
    )
    env = {"DING_SECRET": "SECabcdef"}
    added = run_digest(
        "--config",
        str(config),
        "subscribers",
        "add",
        "night",
        "--channel",
        str(tmp_path / "outbox"),
        "--time",
        "22:00",
        "--paper",
        "交城报",
        "--late",
        "supplement",
        env=env,
    )
    assert added.returncode == 0, added.stderr.decode()
    text = config.read_text(encoding="utf-8")
    assert 'late = "supplement"' in text
    assert "${DING_SECRET}" in text and "SECabcdef" not in text  # the file keeps the reference
    listed = run_digest("--config", str(config), "subscribers", "list", env=env).stdout.decode()
    assert "editors\t07:30 Asia/Shanghai\tall papers\tdingtalk" in listed
    assert "night\t22:00 Asia/Shanghai\t交城报\tfile" in listed
    shown = run_digest("--config", str(config), "subscribers", "show", "editors", env=env)
    out = shown.stdout.decode() + shown.stderr.decode()
    assert "channel dingtalk: dingtalk https://oapi.dingtalk.com/…; secret set (hidden)" in out
    assert "TOKEN123" not in out and "SECabcdef" not in out
    # Without the variable, the channel is broken alone: every command still works and says why.
    missing = run_digest("--config", str(config), "subscribers", "list")
    assert missing.returncode == 0, missing.stderr.decode()
    unset = run_digest("--config", str(config), "subscribers", "show", "editors").stdout.decode()
    assert "cannot send: channel 'dingtalk': the environment variable DING_SECRET is not set" in unset
    night = run_digest("--config", str(config), "subscribers", "show", "night", env=env).stdout.decode()
    assert "late news: supplement; look back: 3 days" in night
    removed = run_digest("--config", str(config), "subscribers", "remove", "night", env=env)
    assert removed.returncode == 0 and 'name = "night"' not in config.read_text(encoding="utf-8")


def test_preview_renders_the_day_without_sending(tmp_path: Path) -> None:
    config = write_config(tmp_path, tmp_path / "in")
    assert (
        run_digest(
            "--config", str(config), "ingest", str(SAMPLE), "--paper", "交城报", "--issue-date", "2024-08-01"
        ).returncode
        == 0
    )
    text = run_digest("--config", str(config), "preview", "desk", "--date", "2024-08-01")
    assert text.returncode == 0, text.stderr.decode()
    assert text.stdout.decode().startswith("每日简报 2024-08-01 · 5 篇")
    assert "5 articles; 0 over max_articles, 0 left out by include/exclude" in text.stderr.decode()
    html = tmp_path / "briefing.html"
    assert (
        run_digest(
            "--config",
            str(config),
            "preview",
            "desk",
            "--date",
            "2024-08-01",
            "--format",
            "html",
            "--out",
            str(html),
        ).returncode
        == 0
    )
    assert "交城县庞泉沟镇用暖心服务打造优质文旅生态圈" in html.read_text(encoding="utf-8")
    with sqlite3.connect(tmp_path / "digest.db") as conn:  # a preview records and sends nothing
        assert conn.execute("select count(*) from briefings").fetchone()[0] == 0
    unknown = run_digest("--config", str(config), "preview", "nobody")
    assert unknown.returncode == 2 and "no subscriber named 'nobody'" in unknown.stderr.decode()


def test_send_records_each_part_and_deliveries_shows_why_one_waits(tmp_path: Path) -> None:
    config = write_config(tmp_path, tmp_path / "in")
    # A second subscriber whose webhook nobody listens to: it must not hold up the first.
    config.write_text(
        config.read_text(encoding="utf-8")
        + """
[[subscribers]]
name = "ops"
channels = [{ kind = "webhook", url = "http://127.0.0.1:9/hook", secret = "whsec_c2VjcmV0LXNlY3JldA==" }]
""",
        encoding="utf-8",
    )
    assert (
        run_digest("--config", str(config), "ingest", str(SAMPLE), "--issue-date", "2024-08-01").returncode
        == 0
    )
    sent = run_digest("--config", str(config), "send", "--date", "2024-08-01")
    assert sent.returncode == 0, sent.stderr.decode()
    assert "deliveries: 1 sent, 1 to retry, 0 failed" in sent.stdout.decode()
    log = run_digest("--config", str(config), "deliveries", "--date", "2024-08-01").stdout.decode()
    assert "2024-08-01\tdesk\tfile\tpart 1\tsent\t1 attempts" in log
    assert "2024-08-01\tops\twebhook\tpart 1\tpending\t1 attempts" in log
    assert "c2VjcmV0" not in log + sent.stderr.decode()
    again = run_digest("--config", str(config), "send", "--date", "2024-08-01")
    assert "deliveries: 0 sent, 0 to retry, 0 failed" in again.stdout.decode()  # the retry is not due yet
    assert len(list((tmp_path / "outbox").glob("*.md"))) == 1  # composed once, sent once


def test_send_says_per_subscriber_what_it_did_and_touches_only_whom_it_names(tmp_path: Path) -> None:
    config = write_config(tmp_path, tmp_path / "in")
    config.write_text(
        config.read_text(encoding="utf-8").replace(
            "[scheduler]", "[delivery]\nbase_delay_seconds = 0.001\n\n[scheduler]"
        )
        + """
[[subscribers]]
name = "ops"
channels = [{ kind = "webhook", url = "http://127.0.0.1:9/hook" }]

[[subscribers]]
name = "quiet"
papers = ["石岭报"]
channels = [{ kind = "file", url = "%s" }]
"""
        % (tmp_path / "quiet"),
        encoding="utf-8",
    )
    assert (
        run_digest("--config", str(config), "ingest", str(SAMPLE), "--issue-date", "2024-08-01").returncode
        == 0
    )
    sent = run_digest("--config", str(config), "send", "--date", "2024-08-01")
    assert sent.returncode == 0, sent.stderr.decode()
    out = sent.stdout.decode()
    assert "desk 2024-08-01: briefed 5 articles; file: sent" in out
    assert re.search(
        r"ops 2024-08-01: briefed 5 articles; webhook: waiting for retry at \S+ \(.*refused", out
    ), out
    assert 'quiet 2024-08-01: nothing new to brief; nothing sent (empty_day = "skip")' in out

    # Only desk: the ops part, due again already, is left alone.
    only = run_digest("--config", str(config), "send", "--date", "2024-08-01", "--subscriber", "desk")
    assert only.returncode == 0, only.stderr.decode()
    assert "desk 2024-08-01: already briefed (5 articles); file: sent" in only.stdout.decode()
    assert "ops" not in only.stdout.decode() + only.stderr.decode()
    log = run_digest("--config", str(config), "deliveries", "--date", "2024-08-01").stdout.decode()
    assert "2024-08-01\tops\twebhook\tpart 1\tpending\t1 attempts" in log
    everyone = run_digest("--config", str(config), "send", "--date", "2024-08-01")
    assert (
        "ops 2024-08-01: already briefed (5 articles); webhook: waiting for retry" in everyone.stdout.decode()
    )
    log = run_digest("--config", str(config), "deliveries", "--date", "2024-08-01").stdout.decode()
    assert "2024-08-01\tops\twebhook\tpart 1\tpending\t2 attempts" in log


def test_preview_of_a_day_at_the_edge_of_the_calendar_says_so(tmp_path: Path) -> None:
    config = write_config(tmp_path, tmp_path / "in")
    for day in ("9999-12-31", "0001-01-01"):
        result = run_digest("--config", str(config), "preview", "desk", "--date", day)
        assert result.returncode == 2 and "too far in the past or future" in result.stderr.decode()
        assert "Traceback" not in result.stderr.decode()
