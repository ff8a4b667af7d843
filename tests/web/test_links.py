"""[web] base_url: every message of a briefing carries its page, and "另有 N 篇" points to it; the link
opens that page for the subscriber it was sent to."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from urllib.parse import urlsplit

from fastapi.testclient import TestClient

from digest.api.app import create_app
from digest.briefing.compose import Briefing
from digest.briefing.render import render
from digest.config import load
from digest.shipped import SAMPLE_PAGE
from digest.web.links import briefing_link, subscriber_key
from digest.web.settings import WebSettings
from tests.test_cli import run_digest

SECRET = "links-test-secret-0123456789"  # noqa: S105 - a test key, not a credential


def test_a_link_names_the_subscriber_day_and_key_and_none_without_a_base_url() -> None:
    web = WebSettings(base_url="https://digest.example.cn/", secret=SECRET)
    link = briefing_link(web, "编辑部/夜班", dt.date(2026, 12, 2))
    key = subscriber_key(web, "编辑部/夜班")
    assert link == (
        f"https://digest.example.cn/briefings/%E7%BC%96%E8%BE%91%E9%83%A8%2F%E5%A4%9C%E7%8F%AD/2026-12-02?key={key}"
    )
    assert briefing_link(WebSettings(base_url="https://digest.example.cn"), "desk", dt.date(2026, 12, 2)) == (
        "https://digest.example.cn/briefings/desk/2026-12-02"
    )
    assert briefing_link(WebSettings(secret=SECRET), "desk", dt.date(2026, 12, 2)) is None
    assert briefing_link(None, "desk", dt.date(2026, 12, 2)) is None


def _briefing(more: int) -> Briefing:
    return Briefing("desk", dt.date(2026, 12, 2), (), more=more)


def test_every_format_carries_the_link_and_the_cap_line_points_to_it() -> None:
    link = "https://digest.example.cn/briefings/desk/2026-12-02?key=abc"
    capped = render(_briefing(more=7), link=link)
    for text in (capped.text, capped.markdown, capped.html):
        assert "另有 7 篇未列出" in text and link.replace("&", "&amp;") in text
    assert f"[全部见网页版]({link})" in capped.markdown
    plain = render(_briefing(more=0), link=link)
    assert f"网页版：{link}" in plain.text and f"[网页版]({link})" in plain.markdown
    assert f'href="{link}"' in plain.html
    without = render(_briefing(more=7))
    assert "网页版" not in without.text + without.markdown + without.html


def test_the_link_a_subscriber_is_sent_opens_their_briefing(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "page.txt").write_bytes(SAMPLE_PAGE.read_bytes())
    config = tmp_path / "digest.toml"
    config.write_text(
        f"""
[store]
url = "sqlite:///{tmp_path / "digest.db"}"
[web]
base_url = "https://digest.example.cn"
secret = "{SECRET}"
[[sources]]
name = "county"
kind = "folder"
path = "{folder}"
settle_seconds = 0
[[subscribers]]
name = "desk"
channels = [{{ kind = "file", url = "{tmp_path / "outbox"}" }}]
""",
        encoding="utf-8",
    )
    result = run_digest("--config", str(config), "run", "--once")
    assert result.returncode == 0, result.stderr.decode()
    (sent,) = (tmp_path / "outbox").glob("*.md")
    found = re.search(
        r"\[网页版\]\((https://digest\.example\.cn/briefings/desk/[^)]+)\)", sent.read_text("utf-8")
    )
    assert found is not None
    address = urlsplit(found.group(1))
    with TestClient(create_app(load(config))) as client:
        page = client.get(f"{address.path}?{address.query}")
        assert page.status_code == 200 and "每日简报" in page.text
        # Without the key it is not there at all.
        assert client.get(address.path).status_code == 404
