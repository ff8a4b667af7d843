"""One channel that cannot work (an unset ${VAR}, a Telegram bot without chat_id, email without
recipients) fails alone: every command still works, the other subscribers are served, and its parts
are recorded as failed with a reason that names the subscriber and the channel."""

from __future__ import annotations

from pathlib import Path

from tests.test_bot import write_config
from tests.test_cli import SAMPLE, run_digest

BROKEN = """
[[subscribers]]
name = "ding"
channels = [{ url = "https://oapi.dingtalk.com/robot/send?access_token=${DING_TOKEN}" }]

[[subscribers]]
name = "tg"
channels = [{ url = "https://api.telegram.org/bot123:abc" }]

[[subscribers]]
name = "mail"
channels = [{ url = "smtp://bot@smtp.example.org:587", options = { from = "bot@example.org" } }]
"""


def _config(tmp_path: Path) -> Path:
    config = write_config(tmp_path, tmp_path / "in")
    config.write_text(config.read_text(encoding="utf-8") + BROKEN, encoding="utf-8")
    return config


def test_every_command_works_and_the_good_channel_delivers(tmp_path: Path) -> None:
    config = _config(tmp_path)
    summarised = run_digest("--config", str(config), "summarise", str(SAMPLE))
    assert summarised.returncode == 0, summarised.stderr.decode()
    assert run_digest("--config", str(config), "status").returncode == 0
    listed = run_digest("--config", str(config), "subscribers", "list")
    assert listed.returncode == 0, listed.stderr.decode()
    shown = run_digest("--config", str(config), "subscribers", "show", "ding").stdout.decode()
    assert "DING_TOKEN is not set" in shown
    ingest = ("ingest", str(SAMPLE), "--paper", "交城报", "--issue-date", "2024-08-01")
    assert run_digest("--config", str(config), *ingest).returncode == 0
    sent = run_digest("--config", str(config), "send", "--date", "2024-08-01")
    assert sent.returncode == 0, sent.stderr.decode()
    assert "1 sent" in sent.stdout.decode() and "3 failed" in sent.stdout.decode()
    assert len(list((tmp_path / "outbox").glob("*.md"))) == 1  # desk, whose channel works
    log = run_digest("--config", str(config), "deliveries").stdout.decode()
    failed = {line.split("\t")[1]: line for line in log.splitlines() if "\tfailed" in line}
    assert set(failed) == {"ding", "tg", "mail"}
    assert "DING_TOKEN" in failed["ding"] and "subscriber 'ding'" in failed["ding"]
    assert "chat_id" in failed["tg"] and "recipients" in failed["mail"]
    removed = run_digest("--config", str(config), "subscribers", "remove", "tg")
    assert removed.returncode == 0, removed.stderr.decode()


def test_subscribers_add_refuses_a_channel_that_cannot_work(tmp_path: Path) -> None:
    config = write_config(tmp_path, tmp_path / "in")
    before = config.read_text(encoding="utf-8")
    refused = run_digest(
        "--config",
        str(config),
        "subscribers",
        "add",
        "tg",
        "--channel",
        "https://api.telegram.org/bot123:abc",
    )
    assert refused.returncode == 2 and "chat_id" in refused.stderr.decode()
    assert config.read_text(encoding="utf-8") == before
    added = run_digest(
        "--config",
        str(config),
        "subscribers",
        "add",
        "tg",
        "--channel",
        "https://api.telegram.org/bot123:abc",
        "--name",
        "group",
        "--option",
        "chat_id=-1001234",
    )
    assert added.returncode == 0, added.stderr.decode()
    text = config.read_text(encoding="utf-8")
    assert 'chat_id = "-1001234"' in text and 'name = "group"' in text
