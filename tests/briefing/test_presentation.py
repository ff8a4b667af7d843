"""How a briefing looks where it arrives: the title once, a paper's heading always with its articles,
headline and summary apart in Markdown, outbox files a person can find by date and subscriber."""

from __future__ import annotations

import datetime as dt
import json
import stat
from pathlib import Path
from typing import Any

import pytest
from markdown_it import MarkdownIt

from digest.briefing.compose import Briefing, BriefItem, IssueGroup
from digest.briefing.render import render, title_of
from digest.notify import ChannelSettings, channel_from_settings
from digest.notify.file import FileChannel
from digest.notify.splitting import split_body
from tests.conftest import Route
from tests.notify.conftest import HookServer, Received, json_route

DAY = dt.date(2026, 12, 2)


def _briefing(
    papers: int = 2, per_paper: int = 3, summary: str = "清河县召开会议，部署秋粮收购工作。"
) -> Briefing:
    issues = tuple(
        IssueGroup(
            f"清河第{p}报",
            DAY,
            "第1版",
            tuple(
                BriefItem(
                    f"第{p}报新闻{i}",
                    f"{summary}（第{p}报第{i}篇）",
                    None,
                    (),
                    (),
                    None,
                    "extractive",
                    p * 100 + i,
                )
                for i in range(1, per_paper + 1)
            ),
        )
        for p in range(1, papers + 1)
    )
    return Briefing("desk", DAY, issues)


def _ok_dingtalk(_: Received) -> Route:
    return json_route({"errcode": 0, "errmsg": "ok"})


def _ok_feishu(_: Received) -> Route:
    return json_route({"code": 0, "msg": "success"})


def _ok_telegram(_: Received) -> Route:
    return json_route({"ok": True, "result": {}})


def _ok_slack(_: Received) -> Route:
    return Route(200, {"Content-Type": "text/plain"}, b"ok")


def _shown_dingtalk(body: dict[str, Any]) -> str:
    return str(body["markdown"]["text"])  # markdown.title is only the notification's preview line


def _shown_wecom(body: dict[str, Any]) -> str:
    return str(body["markdown"]["content"])


def _shown_feishu(body: dict[str, Any]) -> str:
    post = body["content"]["post"]["zh_cn"]
    return post["title"] + "\n" + "\n".join(piece["text"] for line in post["content"] for piece in line)


def _shown_telegram(body: dict[str, Any]) -> str:
    return str(body["text"])


def _shown_slack(body: dict[str, Any]) -> str:
    # "text" is the fallback for notifications; the message shows the blocks.
    return "\n".join(block["text"]["text"] for block in body["blocks"])


CHATS = {
    "dingtalk": ("/d", _ok_dingtalk, _shown_dingtalk, {}),
    "wecom": ("/w", _ok_dingtalk, _shown_wecom, {}),
    "feishu": ("/f/hook", _ok_feishu, _shown_feishu, {}),
    "telegram": ("/bot1:t/sendMessage", _ok_telegram, _shown_telegram, {"chat_id": 1}),
    "slack": ("/services/T/B/x", _ok_slack, _shown_slack, {}),
}


@pytest.mark.parametrize("kind", CHATS)
def test_every_chat_shows_the_title_once(kind: str, hook_server: HookServer) -> None:
    path, handler, shown, options = CHATS[kind]
    hook_server.handle(path, handler)
    url = hook_server.base_url + (path if kind != "telegram" else "")
    settings = ChannelSettings(
        kind=kind, url=url, secret="1:t" if kind == "telegram" else None, options=options
    )  # type: ignore[arg-type]
    briefing = _briefing()
    with channel_from_settings(settings) as channel:
        (part,) = channel.split(render(briefing))
        assert channel.send(part).ok
    text = shown(hook_server.received[-1].json())
    assert text.count(title_of(briefing)) == 1, text
    assert "第2报新闻3" in text


def test_previews_and_emails_carry_the_title_their_channel_does_not() -> None:
    message = render(_briefing())
    # The chat channels put the title in their own header: the body starts with the first paper.
    assert message.text.startswith("【清河第1报 2026-12-02 第1版】")
    assert message.markdown.startswith("### 清河第1报")
    assert title_of(_briefing()) in message.html


def test_markdown_renders_headline_and_summary_as_separate_paragraphs() -> None:
    html = MarkdownIt("commonmark").render(render(_briefing(papers=1, per_paper=2)).markdown)
    assert "<p><strong>1. 第1报新闻1</strong></p>\n<p>清河县召开会议" in html
    assert "<h3>清河第1报 2026-12-02 第1版</h3>" in html


@pytest.mark.parametrize("limit", [300, 420, 700, 1000])
def test_no_part_ends_with_a_heading_or_a_headline_without_what_follows(limit: int) -> None:
    markdown = render(_briefing(papers=4, per_paper=3)).markdown
    parts = split_body(markdown, limit, lambda text: len(text.encode()))
    assert len(parts) > 1
    for part in parts:
        last = part.rsplit("\n\n", 1)[-1]
        assert not last.startswith("### "), part
        assert not (last.startswith("**") and last.endswith("**")), part
        assert len(part.encode()) <= limit
    # Nothing lost, nothing twice.
    assert "\n\n".join(parts) == markdown.strip()


def test_a_heading_that_cannot_fit_with_what_follows_still_goes_out() -> None:
    # Heading and next block together exceed the limit: both are sent, in order, rather than lost.
    body = "### 清河日报\n\n" + "长" * 30
    parts = split_body(body, 40, lambda text: len(text.encode()))
    assert "".join(parts).replace("\n", "").replace("…", "") == body.replace("\n", "")


def test_outbox_files_are_named_by_day_and_subscriber_and_readable_by_others(tmp_path: Path) -> None:
    message = render(_briefing(), idempotency_key="brf_7_outbox_1")
    channel = FileChannel(tmp_path / "outbox")
    assert channel.send(message).ok
    markdown, data = tmp_path / "outbox" / "2026-12-02-desk.md", tmp_path / "outbox" / "2026-12-02-desk.json"
    assert markdown.read_text(encoding="utf-8").startswith(f"# {title_of(_briefing())}\n\n### 清河第1报")
    assert json.loads(data.read_text(encoding="utf-8"))["id"] == "brf_7_outbox_1"
    for path in (markdown, data):
        assert stat.S_IMODE(path.stat().st_mode) == 0o644
    # A subscriber named in Chinese keeps a readable name.
    chinese = render(Briefing("编辑部", DAY, ()), idempotency_key="brf_8_outbox_1")
    assert channel.send(chinese).ok
    assert (tmp_path / "outbox" / "2026-12-02-编辑部.md").exists()
