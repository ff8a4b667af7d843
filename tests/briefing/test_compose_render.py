"""Composing a subscriber's day from the real store, and rendering it safely."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from digest.briefing.compose import Briefing, BriefItem, IssueGroup, compose
from digest.briefing.render import render
from digest.briefing.subscribers import SubscriberSettings
from digest.models import RawInput
from digest.pipeline import ingest_document, summarise_pending
from digest.shipped import SAMPLE_PAGE
from digest.sources.base import FetchedDocument
from digest.store import Store, open_store
from digest.summarise.extractive import ExtractiveSummariser

SAMPLE = SAMPLE_PAGE
DAY = dt.date(2024, 8, 1)
NOW = dt.datetime(2024, 8, 1, 1, 0, tzinfo=dt.UTC)


@pytest.fixture
def store(tmp_path: Path) -> Store:
    store = open_store(f"sqlite:///{tmp_path / 'digest.db'}")
    for paper, text in (
        ("交城报", SAMPLE.read_bytes()),
        ("晋中日报", "本报讯 晋中召开会议。会议部署工作。\n（记者 王五）".encode()),
    ):
        doc = FetchedDocument(
            source="test",
            paper=paper,
            locator=f"{paper}.txt",
            raw=RawInput(f"{paper}.txt", text, ".txt"),
            issue_date=DAY,
            link=f"https://epaper.example.cn/{paper}",
        )
        ingest_document(store, doc, now=NOW)
    summarise_pending(store, ExtractiveSummariser(), batch=64, now=lambda: NOW)
    return store


def test_the_day_grouped_by_paper_and_issue_in_page_order(store: Store) -> None:
    briefing = compose(store, SubscriberSettings(name="me"), DAY)
    assert [issue.paper for issue in briefing.issues] == ["交城报", "晋中日报"]
    assert briefing.count == 6
    headlines = [item.headline for item in briefing.issues[0].items]
    assert headlines[2] == "交城县庞泉沟镇用暖心服务打造优质文旅生态圈"  # page order kept
    assert briefing.issues[0].items[0].link == "https://epaper.example.cn/交城报"


def test_papers_keywords_and_the_article_cap(store: Store) -> None:
    assert compose(store, SubscriberSettings(name="me", papers=["晋中日报"]), DAY).count == 1
    fire = compose(store, SubscriberSettings(name="me", include=["消防"]), DAY)
    assert (
        fire.count == 2
    )  # the fire-safety training, and the 7月25日 meeting that lists 消防安全 among its tasks
    no_fire = compose(store, SubscriberSettings(name="me", exclude=["消防"]), DAY)
    assert no_fire.count == 6 - fire.count
    assert compose(store, SubscriberSettings(name="me", max_articles=2), DAY).count == 2
    # The next day holds what was not briefed yet within the look-back; without one, only its own.
    assert compose(store, SubscriberSettings(name="me"), DAY + dt.timedelta(days=1)).count == 6
    assert (
        compose(store, SubscriberSettings(name="me", look_back_days=0), DAY + dt.timedelta(days=1)).count == 0
    )


def test_rendered_formats_keep_one_block_per_article(store: Store) -> None:
    message = render(compose(store, SubscriberSettings(name="me"), DAY), idempotency_key="brf_1")
    blocks = message.text.strip().split("\n\n")
    # One header per issue and one block per article; the title is the channel's to show.
    assert len(blocks) == 2 + 6
    assert message.text.startswith("【交城报 2024-08-01】") and message.title == "每日简报 2024-08-01 · 6 篇"
    assert "\n\n\n" not in message.text and "\n\n\n" not in message.markdown
    assert message.markdown.count("[原文](https://epaper.example.cn/") == 6
    assert message.data["count"] == 6 and message.data["issues"][1]["paper"] == "晋中日报"
    assert message.idempotency_key == "brf_1"
    assert "<html" in message.html and "交城县庞泉沟镇" in message.html


def _hostile() -> Briefing:
    item = BriefItem(
        headline="<script>alert(1)</script>标题",
        summary="摘要**加粗**\n\n伪造的第二块 [点我](javascript:alert(1))",
        link="javascript:alert(1)",
        writers=(),
        photographers=(),
        dateline=None,
        engine="extractive",
    )
    return Briefing("me", DAY, (IssueGroup("报<b>", DAY, "", (item,)),))


def test_untrusted_article_text_cannot_inject_markup_or_blocks() -> None:
    message = render(_hostile())
    assert "<script>" not in message.html and "&lt;script&gt;" in message.html
    assert "javascript:" not in message.html.replace("javascript:alert(1))", "")  # no live link
    assert 'href="javascript' not in message.html
    assert "\\*\\*加粗\\*\\*" in message.markdown and "\\[点我\\]" in message.markdown
    assert len(message.text.strip().split("\n\n")) == 2  # heading and article: the blank line inside is gone
    assert not re.search(r"^javascript:", message.text, re.MULTILINE)


def test_an_empty_day_says_so() -> None:
    message = render(Briefing("me", DAY, ()))
    assert "今日暂无新的报道" in message.text and message.data["count"] == 0


def test_articles_over_the_cap_are_counted_and_said(store: Store) -> None:
    briefing = compose(store, SubscriberSettings(name="me", max_articles=2), DAY)
    assert (briefing.count, briefing.more) == (2, 4)
    message = render(briefing, idempotency_key="brf_1")
    for text in (message.text, message.markdown, message.html):
        assert "另有 4 篇" in text
    assert message.data["more"] == 4
    # Under the cap nothing is said.
    whole = render(compose(store, SubscriberSettings(name="me"), DAY), idempotency_key="brf_1")
    assert "另有" not in whole.text and whole.data["more"] == 0


def test_articles_the_filters_drop_are_counted(store: Store) -> None:
    briefing = compose(store, SubscriberSettings(name="me", exclude=["消防"]), DAY)
    assert briefing.filtered == 2 and briefing.count == 4
    assert render(briefing).data["filtered"] == 2
