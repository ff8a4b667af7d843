"""Kind inference, ${ENV} secrets, masking in reprs, and the outbox folder."""

# ruff: noqa: S106 - made-up credentials for local test servers

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from digest.errors import ConfigError
from digest.notify import (
    ChannelSettings,
    DingTalkChannel,
    EmailChannel,
    FileChannel,
    Message,
    TelegramChannel,
    WebhookChannel,
    channel_from_settings,
    infer_kind,
)

MESSAGE = Message("简报", "正文", "**正文**", "<p>正文</p>", {"articles": [1, 2]}, "brf_7_outbox_1")


@pytest.mark.parametrize(
    ("url", "kind"),
    [
        ("https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abc", "wecom"),
        ("https://oapi.dingtalk.com/robot/send?access_token=abc", "dingtalk"),
        ("https://open.feishu.cn/open-apis/bot/v2/hook/abc", "feishu"),
        ("https://open.larksuite.com/open-apis/bot/v2/hook/abc", "feishu"),
        ("https://hooks.slack.com/services/T/B/abc", "slack"),
        ("https://api.telegram.org/bot1:abc", "telegram"),
        ("mailto:editor@example.cn", "email"),
        ("smtp://bot@mail.example.cn:587", "email"),
        ("smtps://mail.example.cn", "email"),
        ("file:///var/spool/digest", "file"),
        ("/var/spool/digest", "file"),
        ("outbox", "file"),
        ("https://example.cn/hooks/digest", "webhook"),
        ("http://127.0.0.1:8080/x", "webhook"),
    ],
)
def test_kind_from_the_url(url: str, kind: str) -> None:
    assert infer_kind(url) == kind


def test_env_secrets_resolve_from_the_mapping_given() -> None:
    settings = ChannelSettings(
        url="https://oapi.dingtalk.com/robot/send?access_token=${DING_TOKEN}", secret="${DING_SECRET}"
    )
    channel = channel_from_settings(settings, environ={"DING_TOKEN": "tok123456", "DING_SECRET": "SECabcdef"})
    assert isinstance(channel, DingTalkChannel)
    assert channel.url.endswith("access_token=tok123456")
    assert "tok123456" not in repr(channel) and "SECabcdef" not in repr(channel)


def test_a_missing_variable_is_named() -> None:
    settings = ChannelSettings(
        url="https://api.telegram.org", secret="${TELEGRAM_TOKEN}", options={"chat_id": 1}
    )
    with pytest.raises(ConfigError, match=r"TELEGRAM_TOKEN is not set \(its secret refers to it"):
        channel_from_settings(settings, environ={})


def test_settings_repr_hides_the_url_and_the_secret() -> None:
    settings = ChannelSettings(
        url="https://hooks.slack.com/services/T/B/sEcReTpAtH99", secret="whsec_c2VjcmV0"
    )
    shown = repr(settings) + str(settings)
    assert "sEcReTpAtH99" not in shown and "c2VjcmV0" not in shown
    assert "https://hooks.slack.com/…" in shown


def test_telegram_token_from_the_url_or_the_secret() -> None:
    from_url = channel_from_settings(
        ChannelSettings(url="https://api.telegram.org/bot55:SeCrEtToKeN?chat_id=-100")
    )
    assert isinstance(from_url, TelegramChannel)
    assert from_url.url == "https://api.telegram.org/bot55:SeCrEtToKeN/sendMessage"
    assert from_url.chat_id == "-100"
    assert "SeCrEtToKeN" not in repr(from_url)
    with pytest.raises(ConfigError, match="chat_id"):
        channel_from_settings(ChannelSettings(url="https://api.telegram.org", secret="1:x"))


def test_bad_settings_are_config_errors() -> None:
    with pytest.raises(ConfigError, match="unknown option"):
        channel_from_settings(ChannelSettings(url="https://example.cn/h", options={"tiemout": 3}))
    with pytest.raises(ConfigError, match=r"whsec_"):
        channel_from_settings(ChannelSettings(url="https://example.cn/h", secret="not base64 !!"))
    with pytest.raises(ConfigError, match=r"options\.host"):
        channel_from_settings(ChannelSettings(url="mailto:a@example.cn"))
    with pytest.raises(ConfigError, match="http"):
        channel_from_settings(ChannelSettings(kind="wecom", url="ftp://x/y?key=k"))


def test_email_settings_from_a_url() -> None:
    channel = channel_from_settings(
        ChannelSettings(
            url="smtps://bot%40example.cn@mail.example.cn",
            secret="${SMTP_PASSWORD}",
            options={"to": "a@example.cn, b@example.cn"},
        ),
        environ={"SMTP_PASSWORD": "pa55word!"},
    )
    assert isinstance(channel, EmailChannel)
    assert (channel.host, channel.port, channel.security, channel.user) == (
        "mail.example.cn",
        465,
        "ssl",
        "bot@example.cn",
    )
    assert channel.recipients == ("a@example.cn", "b@example.cn")
    assert channel.sender == "bot@example.cn"
    assert "pa55word" not in repr(channel)


def test_unsigned_webhook_still_has_id_and_timestamp() -> None:
    channel = channel_from_settings(ChannelSettings(url="https://example.cn/h"))
    assert isinstance(channel, WebhookChannel)


def test_file_channel_writes_atomically_and_idempotently(tmp_path: Path) -> None:
    outbox = tmp_path / "outbox"
    channel = channel_from_settings(ChannelSettings(url=f"file://{outbox}"))
    assert isinstance(channel, FileChannel)
    assert channel.send(MESSAGE).ok
    assert channel.send(MESSAGE).ok  # a retry overwrites the same files
    assert sorted(p.name for p in outbox.iterdir()) == ["brf_7_outbox_1.json", "brf_7_outbox_1.md"]
    assert (outbox / "brf_7_outbox_1.md").read_text(encoding="utf-8") == "# 简报\n\n**正文**\n"
    record = json.loads((outbox / "brf_7_outbox_1.json").read_text(encoding="utf-8"))
    assert record["data"] == MESSAGE.data and record["id"] == MESSAGE.idempotency_key


def test_file_channel_keys_become_safe_names(tmp_path: Path) -> None:
    channel = FileChannel(tmp_path)
    odd = Message("t", "x", "x", "", {}, "../../etc/passwd")
    assert channel.send(odd).ok
    names = [p.name for p in tmp_path.iterdir()]
    assert all("/" not in n and not n.startswith(".") for n in names) and len(names) == 2
    assert all(p.parent == tmp_path for p in tmp_path.iterdir())


def test_file_channel_failures_are_results(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="digest")
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    result = FileChannel(blocker / "sub").send(MESSAGE)
    assert (result.ok, result.status) == (False, "failed")
    assert "cannot write" in caplog.text
    assert not list(tmp_path.glob(".*tmp"))


@pytest.mark.parametrize(
    "settings",
    [
        ChannelSettings(kind="webhook", url="http://hooks.example.org:abc/h"),
        ChannelSettings(url="smtp://bot@smtp.example.org:99999", options={"to": "a@example.org"}),
        ChannelSettings(kind="webhook", url="https://hooks.example.org/h", options={"timeout": 10**400}),
    ],
)
def test_values_python_refuses_are_config_errors_naming_the_channel(settings: ChannelSettings) -> None:
    with pytest.raises(ConfigError, match=r"channel '(webhook|email)'"):
        channel_from_settings(settings).close()
