"""`digest subscribers …` and `digest preview` as a user runs them."""

from __future__ import annotations

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
        env=env,
    )
    assert added.returncode == 0, added.stderr.decode()
    text = config.read_text(encoding="utf-8")
    assert "${DING_SECRET}" in text and "SECabcdef" not in text  # the file keeps the reference
    listed = run_digest("--config", str(config), "subscribers", "list", env=env).stdout.decode()
    assert "editors\t07:30 Asia/Shanghai\tall papers\tdingtalk" in listed
    assert "night\t22:00 Asia/Shanghai\t交城报\tfile" in listed
    shown = run_digest("--config", str(config), "subscribers", "show", "editors", env=env)
    out = shown.stdout.decode() + shown.stderr.decode()
    assert "channel dingtalk: dingtalk https://oapi.dingtalk.com/…; secret set (hidden)" in out
    assert "TOKEN123" not in out and "SECabcdef" not in out
    missing = run_digest("--config", str(config), "subscribers", "list")
    assert missing.returncode == 2 and "DING_SECRET" in missing.stderr.decode()
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
    text = run_digest("--config", str(config), "preview", "outbox", "--date", "2024-08-01")
    assert text.returncode == 0, text.stderr.decode()
    assert text.stdout.decode().startswith("每日简报 2024-08-01 · 5 篇")
    html = tmp_path / "briefing.html"
    assert (
        run_digest(
            "--config",
            str(config),
            "preview",
            "outbox",
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
