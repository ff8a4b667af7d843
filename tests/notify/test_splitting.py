"""Long Chinese briefings split for each vendor's limit, counted in the vendor's unit."""

from __future__ import annotations

import html
import json
import re

import pytest

from digest.notify import Channel, ChannelSettings, Message, channel_from_settings
from digest.notify.splitting import ELLIPSIS, split_body
from tests.conftest import Route
from tests.notify.conftest import HookServer, json_route

SENTENCE = "交城县总工会开展“情系职工 清凉一夏”送清凉慰问活动，为坚守一线的基层工作者送去关怀。"


def briefing(articles: int = 40, lines: int = 4) -> Message:
    blocks = [
        "\n".join([f"【{i}】第{i}条新闻标题"] + [f"{SENTENCE}（第{j}段）" for j in range(lines)])
        for i in range(1, articles + 1)
    ]
    text = "\n\n".join(blocks)
    markdown = "\n\n".join(block.replace("【", "**【", 1).replace("标题", "标题**", 1) for block in blocks)
    return Message("每日简报 2024年7月26日", text, markdown, "", {"id": 1}, "brf_1_x_1")


# (kind, limit, unit, what the vendor limits: the sent request's relevant size)
def _wecom(body: dict[str, object]) -> int:
    return len(body["markdown"]["content"].encode())  # type: ignore[index]


def _dingtalk(body: dict[str, object]) -> int:
    return len(body["markdown"]["text"].encode())  # type: ignore[index]


def _slack(body: dict[str, object]) -> int:
    return len(body["blocks"][1]["text"]["text"])  # type: ignore[index]


def _telegram(body: dict[str, object]) -> int:
    return len(html.unescape(re.sub(r"</?b>", "", body["text"])))  # type: ignore[arg-type]


CASES = {
    "wecom": ("/w?key=k", 4096, _wecom, None),
    "dingtalk": ("/d?access_token=t", 20000, _dingtalk, None),
    "feishu": ("/f/hook", 20000, None, "s3cret"),
    "slack": ("/s/T/B/x", 3000, _slack, None),
    "telegram": ("/bot1:t/sendMessage", 4096, _telegram, "1:t"),
}


def _reply(kind: str) -> Route:
    if kind == "slack":
        return Route(200, body=b"ok")
    if kind == "telegram":
        return json_route({"ok": True, "result": {}})
    if kind == "feishu":
        return json_route({"code": 0, "msg": "success"})
    return json_route({"errcode": 0, "errmsg": "ok"})


@pytest.mark.parametrize("kind", CASES)
def test_parts_fit_the_vendor_limit_in_its_unit(kind: str, hook_server: HookServer) -> None:
    path, limit, measure, secret = CASES[kind]
    hook_server.handle(path.split("?")[0], lambda _r: _reply(kind))
    url = hook_server.base_url + (path if kind != "telegram" else "")
    options = {"chat_id": 1} if kind == "telegram" else {}
    message = briefing(articles=120 if kind in ("dingtalk", "feishu") else 40)
    with channel_from_settings(
        ChannelSettings(kind=kind, url=url, secret=secret, options=options)
    ) as channel:  # type: ignore[arg-type]
        parts = channel.split(message)
        assert len(parts) > 1
        for part in parts:
            assert channel.send(part).ok
    field = channel.split_field
    original = getattr(message, field)
    n = len(parts)
    assert [p.title for p in parts] == [f"{message.title} ({i}/{n})" for i in range(1, n + 1)]
    assert len({p.idempotency_key for p in parts}) == n
    # Article boundaries: every part is whole blocks, and together they are the briefing.
    blocks = original.split("\n\n")
    assert [b for p in parts for b in getattr(p, field).split("\n\n")] == blocks
    for request in hook_server.received:
        body = request.json()
        size = len(request.body) if measure is None else measure(body)
        assert size <= limit, (kind, size)
    assert channel.split(message) == parts  # the same split every time: stable keys


def _bytes(text: str) -> int:
    return len(text.encode())


def test_an_over_long_block_splits_at_line_ends_and_only_an_over_long_line_is_cut() -> None:
    long_line = "长" * 700  # 2100 bytes
    block = "\n".join([f"第{i}行：{SENTENCE}" for i in range(30)] + [long_line])
    body = "短讯一则。\n\n" + block + "\n\n结尾一则。"
    chunks = split_body(body, 1000, _bytes)
    assert all(_bytes(c) <= 1000 for c in chunks)
    lines = [line for chunk in chunks for line in chunk.split("\n") if line]
    cut = [line for line in lines if line.endswith(ELLIPSIS)]
    assert cut and all(set(line[:-1]) == {"长"} for line in cut)
    whole = [line for line in lines if not line.endswith(ELLIPSIS)]
    # Every other line arrives whole, in order, and the cut line's pieces rebuild it.
    rebuilt = [line.removesuffix(ELLIPSIS) for line in lines]
    joined = "".join(r for r in rebuilt if set(r) == {"长"})
    assert joined == long_line
    assert [w for w in whole if "长" not in w or set(w) != {"长"}] == [
        line for line in body.split("\n") if line and line != long_line
    ]


def test_characters_and_bytes_count_differently() -> None:
    body = "\n\n".join(["中" * 100] * 10)  # 100 characters, 300 bytes a block
    assert len(split_body(body, 1018, len)) == 1  # 10 blocks of 100 characters and 9 blank lines
    assert len(split_body(body, 1017, len)) == 2
    assert len(split_body(body, 1100, _bytes)) == 4  # 3 blocks (904 bytes) a part


def test_a_message_within_the_limit_is_not_split() -> None:
    channel = channel_from_settings(
        ChannelSettings(url="https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k")
    )
    message = briefing(articles=2, lines=1)
    assert channel.split(message) == [message]


def test_numbering_widens_past_nine_parts() -> None:
    channel: Channel = channel_from_settings(ChannelSettings(url="https://hooks.slack.com/services/T/B/x"))
    parts = channel.split(briefing(articles=150))
    assert len(parts) >= 10
    assert parts[-1].title.endswith(f"({len(parts)}/{len(parts)})")
    assert all(channel.size(p.title, p.markdown) <= 3000 for p in parts)
    assert parts[0].data == {"id": 1, "part": 1, "parts": len(parts)}
    json.dumps([p.data for p in parts])
