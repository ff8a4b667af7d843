"""Each HTTP channel against a local server that verifies it the way the vendor does."""

# ruff: noqa: S106 - made-up credentials for local test servers

from __future__ import annotations

import logging

import pytest

from digest.notify import Channel, ChannelSettings, DeliveryResult, Message, channel_from_settings
from tests.conftest import Route
from tests.notify.conftest import HookServer, json_route
from tests.notify.vendors import VENDORS, Vendor

TIMEOUT = 0.3

MESSAGE = Message(
    title="每日简报 2024年7月26日",
    text="交城县总工会送清凉\n盛夏时节，骄阳似火。\n\n交城县整治农村人居环境\n全县推进整改工作。",
    markdown="**交城县总工会送清凉**\n盛夏时节，骄阳似火。\n\n**交城县整治农村人居环境**\n全县推进整改工作。",
    html="<h1>每日简报</h1>",
    data={"briefing": "brf_42", "articles": [{"headline": "交城县总工会送清凉"}]},
    idempotency_key="brf_42_ops_1",
)


def make(vendor: Vendor, server: HookServer, *, wrong: bool = False) -> Channel:
    vendor.serve(server)
    settings = ChannelSettings(
        kind=vendor.kind,  # type: ignore[arg-type]
        name="ops",
        url=vendor.url(server.base_url, wrong),
        secret=vendor.secret(wrong),
        options={**vendor.options, "timeout": TIMEOUT},
    )
    return channel_from_settings(settings)


def assert_nothing_secret(vendor: Vendor, channel: Channel, result: DeliveryResult, logs: str) -> None:
    for secret in vendor.secrets:
        assert secret not in result.reason
        assert secret not in logs
        assert secret not in repr(channel)
        assert secret not in channel.describe()


@pytest.fixture(params=VENDORS, ids=[v.kind for v in VENDORS])
def vendor(request: pytest.FixtureRequest) -> Vendor:
    return request.param  # type: ignore[no-any-return]


@pytest.fixture(autouse=True)
def _logs(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="digest")


def test_sent_with_a_valid_signature(
    vendor: Vendor, hook_server: HookServer, caplog: pytest.LogCaptureFixture
) -> None:
    with make(vendor, hook_server) as channel:
        result = channel.send(MESSAGE)
    assert result == DeliveryResult(True, "sent", result.reason)
    assert len(hook_server.received) == 1
    assert_nothing_secret(vendor, channel, result, caplog.text)


def test_a_500_is_temporary_and_the_next_send_succeeds(
    vendor: Vendor, hook_server: HookServer, caplog: pytest.LogCaptureFixture
) -> None:
    hook_server.queue(vendor.path, Route(500, body=b"upstream broke"))
    with make(vendor, hook_server) as channel:
        first = channel.send(MESSAGE)
        second = channel.send(MESSAGE)
    assert (first.ok, first.status) == (False, "retry")
    assert first.reason.startswith("HTTP 500")
    assert (second.ok, second.status) == (True, "sent")
    # One attempt per send: the caller owns retries.
    assert len(hook_server.received) == 2
    assert_nothing_secret(vendor, channel, first, caplog.text)


def test_a_timeout_is_temporary(
    vendor: Vendor, hook_server: HookServer, caplog: pytest.LogCaptureFixture
) -> None:
    hook_server.queue(vendor.path, Route(200, delay=TIMEOUT * 4))
    with make(vendor, hook_server) as channel:
        result = channel.send(MESSAGE)
    assert (result.ok, result.status) == (False, "retry")
    assert "timed out" in result.reason
    assert_nothing_secret(vendor, channel, result, caplog.text)


def test_a_429_is_temporary_with_its_retry_after(
    vendor: Vendor, hook_server: HookServer, caplog: pytest.LogCaptureFixture
) -> None:
    hook_server.queue(vendor.path, Route(429, {"Retry-After": "7"}, b"slow down"))
    with make(vendor, hook_server) as channel:
        result = channel.send(MESSAGE)
    assert result == DeliveryResult(False, "retry", result.reason, 7.0)
    assert result.reason.startswith("HTTP 429")
    assert_nothing_secret(vendor, channel, result, caplog.text)


def test_wrong_credentials_fail_with_the_vendors_reason(
    vendor: Vendor, hook_server: HookServer, caplog: pytest.LogCaptureFixture
) -> None:
    with make(vendor, hook_server, wrong=True) as channel:
        result = channel.send(MESSAGE)
    assert (result.ok, result.status) == (False, "failed")
    assert vendor.refusal in result.reason
    assert_nothing_secret(vendor, channel, result, caplog.text)
    assert vendor.refusal in caplog.text  # logged, masked


def test_a_refused_connection_is_temporary(vendor: Vendor, hook_server: HookServer) -> None:
    channel = make(vendor, hook_server)
    dead = make_dead(vendor)
    result = dead.send(MESSAGE)
    channel.close()
    dead.close()
    assert (result.ok, result.status) == (False, "retry")
    assert_nothing_secret(vendor, dead, result, "")


def make_dead(vendor: Vendor) -> Channel:
    settings = ChannelSettings(
        kind=vendor.kind,  # type: ignore[arg-type]
        url=vendor.url("http://127.0.0.1:9", False),  # the discard port: nothing listens
        secret=vendor.secret(False),
        options={**vendor.options, "timeout": TIMEOUT},
    )
    return channel_from_settings(settings)


@pytest.mark.parametrize(
    ("kind", "path", "reply", "code"),
    [
        ("wecom", "/cgi-bin/webhook/send", {"errcode": 45009, "errmsg": "api freq out of limit"}, "45009"),
        (
            "dingtalk",
            "/robot/send",
            {"errcode": 130101, "errmsg": "send too fast, exceed 20 times per minute"},
            "130101",
        ),
        ("feishu", "/open-apis/bot/v2/hook/x", {"code": 11232, "msg": "frequency limited psm"}, "11232"),
    ],
)
def test_a_vendor_rate_limit_code_in_a_200_is_temporary(
    hook_server: HookServer, kind: str, path: str, reply: dict[str, object], code: str
) -> None:
    url = hook_server.handle(path, lambda _request: json_route(reply)) + "?key=k&access_token=t"
    with channel_from_settings(ChannelSettings(kind=kind, url=url)) as channel:  # type: ignore[arg-type]
        result = channel.send(MESSAGE)
    assert (result.ok, result.status) == (False, "retry")
    assert code in result.reason
    assert result.retry_after == 60.0


def test_telegram_429_in_the_body_gives_retry_after(hook_server: HookServer) -> None:
    reply = {"ok": False, "error_code": 429, "description": "Too Many Requests: retry after 12"}
    hook_server.handle(
        "/bot42:tok/sendMessage",
        lambda _r: json_route({**reply, "parameters": {"retry_after": 12}}, status=429),
    )
    settings = ChannelSettings(
        kind="telegram", url=hook_server.base_url, secret="42:tok", options={"chat_id": 5}
    )
    with channel_from_settings(settings) as channel:
        result = channel.send(MESSAGE)
    assert result == DeliveryResult(False, "retry", result.reason, 12.0)
    assert "Too Many Requests" in result.reason and "42:tok" not in result.reason


def test_feishu_older_replies_say_statuscode(hook_server: HookServer) -> None:
    url = hook_server.handle(
        "/hook/abc", lambda _r: json_route({"StatusCode": 0, "StatusMessage": "success"})
    )
    with channel_from_settings(
        ChannelSettings(kind="feishu", url=url, options={"format": "card"})
    ) as channel:
        assert channel.send(MESSAGE).status == "sent"
    card = hook_server.received[0].json()
    assert card["msg_type"] == "interactive"
    assert card["card"]["elements"][0]["content"] == MESSAGE.markdown


def test_standard_webhooks_id_is_stable_across_sends(hook_server: HookServer) -> None:
    vendor = next(v for v in VENDORS if v.kind == "webhook")
    hook_server.queue(vendor.path, Route(503))
    with make(vendor, hook_server) as channel:
        assert channel.send(MESSAGE).status == "retry"
        assert channel.send(MESSAGE).status == "sent"
    first, second = hook_server.received
    assert first.headers["webhook-id"] == second.headers["webhook-id"] == MESSAGE.idempotency_key
    payload = second.json()
    assert payload["type"] == "digest.briefing"
    assert payload["data"]["briefing"] == MESSAGE.data
    assert payload["data"]["text"] == MESSAGE.text


def test_a_gone_webhook_is_final(hook_server: HookServer) -> None:
    url = hook_server.handle("/gone", lambda _r: Route(410, body=b"endpoint disabled"))
    with channel_from_settings(ChannelSettings(url=url)) as channel:
        result = channel.send(MESSAGE)
    assert (result.status, result.reason) == ("failed", "HTTP 410: endpoint disabled")


def test_payloads_as_the_vendors_expect(hook_server: HookServer) -> None:
    for vendor in VENDORS:
        with make(vendor, hook_server) as channel:
            assert channel.send(MESSAGE).ok, vendor.kind
    by_kind = dict(zip([v.kind for v in VENDORS], hook_server.received, strict=True))
    assert by_kind["wecom"].json()["markdown"]["content"].startswith(f"**{MESSAGE.title}**\n")
    ding = by_kind["dingtalk"].json()["markdown"]
    assert ding["title"] == MESSAGE.title and MESSAGE.markdown in ding["text"]
    post = by_kind["feishu"].json()["content"]["post"]["zh_cn"]
    assert post["title"] == MESSAGE.title
    assert [line[0]["text"] for line in post["content"]] == MESSAGE.text.split("\n")
    slack = by_kind["slack"].json()
    assert slack["blocks"][1]["text"]["text"].startswith("*交城县总工会送清凉*\n")
    telegram = by_kind["telegram"].json()
    assert telegram["text"].startswith(f"<b>{MESSAGE.title}</b>\n\n交城县总工会送清凉")


def test_telegram_escapes_html(hook_server: HookServer) -> None:
    hook_server.handle("/bot1:t/sendMessage", lambda _r: json_route({"ok": True, "result": {}}))
    message = Message("A<B & C", "x < y && z > 1", "", "", {}, "k")
    settings = ChannelSettings(
        kind="telegram", url=hook_server.base_url, secret="1:t", options={"chat_id": "9"}
    )
    with channel_from_settings(settings) as channel:
        assert channel.send(message).ok
    assert hook_server.received[0].json()["text"] == "<b>A&lt;B &amp; C</b>\n\nx &lt; y &amp;&amp; z &gt; 1"
