"""Each vendor's size limit, tested at exactly the boundary (limit - 1, limit, limit + 1) against a local
server that enforces it the way the vendor does: DingTalk and Feishu count the request body in bytes,
WeCom the markdown content in bytes, Telegram the text after entity parsing in characters.

A message at the limit goes out whole; one byte or character more is split, and every part is
accepted.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from typing import Any

import pytest

from digest.notify import Channel, ChannelSettings, Message, channel_from_settings
from tests.conftest import Route
from tests.notify.conftest import HookServer, Received, json_route


def _dingtalk(request: Received) -> Route:
    if len(request.body) > 20000:  # DingTalk's own words for an over-long body
        return json_route({"errcode": 460101, "errmsg": "message too long, exceed 20000 bytes"})
    return json_route({"errcode": 0, "errmsg": "ok"})


def _feishu(request: Received) -> Route:
    if len(request.body) > 20000:
        return json_route({"code": 9499, "msg": "request body too large"})
    return json_route({"code": 0, "msg": "success"})


def _wecom(request: Received) -> Route:
    if len(request.json()["markdown"]["content"].encode()) > 4096:
        return json_route({"errcode": 40058, "errmsg": "markdown.content exceed max length 4096"})
    return json_route({"errcode": 0, "errmsg": "ok"})


def _telegram(request: Received) -> Route:
    text = html.unescape(re.sub(r"</?b>", "", request.json()["text"]))
    if len(text) > 4096:
        return json_route(
            {"ok": False, "error_code": 400, "description": "Bad Request: message is too long"}, 400
        )
    return json_route({"ok": True, "result": {}})


# kind: (path, limit, enforcing handler, secret, options)
VENDORS: dict[str, tuple[str, int, Callable[[Received], Route], str | None, dict[str, Any]]] = {
    "dingtalk": ("/d?access_token=t0ken", 20000, _dingtalk, "d1ng-secret", {}),
    "feishu": ("/f/hook", 20000, _feishu, "s3cret", {}),
    "wecom": ("/w?key=k3y", 4096, _wecom, None, {}),
    "telegram": ("/bot1:t/sendMessage", 4096, _telegram, "1:t", {"chat_id": 1}),
}


def _channel(kind: str, hook_server: HookServer) -> Channel:
    path, _, handler, secret, options = VENDORS[kind]
    hook_server.handle(path.split("?")[0], handler)
    url = hook_server.base_url + (path if kind != "telegram" else "")
    return channel_from_settings(ChannelSettings(kind=kind, url=url, secret=secret, options=options))  # type: ignore[arg-type]


def _message_of_size(channel: Channel, size: int) -> Message:
    """A briefing whose size, as this channel measures what the vendor limits, is exactly ``size``."""
    title = "每日简报 2024年7月26日"
    block = "**【1】清河县召开秋粮收购会议**\n清河县召开秋粮收购工作会议，部署秋粮收购工作。"
    body = block
    while channel.size(title, body + "\n\n" + block) <= size:
        body += "\n\n" + block
    # Fill the rest with characters of one byte (and one character), so every size can be hit.
    while channel.size(title, body) < size:
        body += "a"
    assert channel.size(title, body) == size
    return Message(title, body, body, "", {"id": 1}, "brf_1_x_1")


@pytest.mark.parametrize("kind", VENDORS)
@pytest.mark.parametrize("offset", [-1, 0, 1])
def test_the_limit_holds_at_the_boundary(kind: str, offset: int, hook_server: HookServer) -> None:
    limit = VENDORS[kind][1]
    with _channel(kind, hook_server) as channel:
        message = _message_of_size(channel, limit + offset)
        parts = channel.split(message)
        assert len(parts) == (2 if offset > 0 else 1)
        results = [channel.send(part) for part in parts]
    assert all(result.ok for result in results), [r.reason for r in results]
    # What the vendor received is the whole briefing: every block of it, in order, once.
    field = channel.split_field
    sent = "\n\n".join(getattr(part, field) for part in parts)
    assert sent.replace("a", "") == getattr(message, field).replace("a", "")


def test_dingtalk_counts_the_request_body_not_the_text(hook_server: HookServer) -> None:
    # The report: a part of about 19,990 bytes of text is a body of about 20,250 bytes.
    with _channel("dingtalk", hook_server) as channel:
        title = "每日简报"
        text = "清河县新闻。" * 1110  # 19,980 bytes of text
        assert len(text.encode()) < 20000
        assert channel.size(title, text) > 20000
        parts = channel.split(Message(title, text, text, "", {}, "k"))
        assert len(parts) == 2
        assert all(channel.send(part).ok for part in parts)
