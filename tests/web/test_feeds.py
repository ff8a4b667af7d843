"""The Atom feeds, read with feedparser: well-formed, each entry an article with its headline,
summary and link; an article that comes in later appears once; access as for the pages."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from xml.etree import ElementTree

import feedparser

from digest.briefing.daily import brief
from digest.store import open_store
from digest.web.links import subscriber_key
from tests.api.conftest import AS_READER, READ
from tests.web.conftest import HOSTILE_PAPER, SAMPLE_PAPER, Room, ingest, summarise

ATOM = "{http://www.w3.org/2005/Atom}"


def parse(room: Room, url: str) -> feedparser.FeedParserDict:
    answer = room.client.get(url)
    assert answer.status_code == 200, url
    assert answer.headers["content-type"].startswith("application/atom+xml")
    ElementTree.fromstring(answer.content)  # noqa: S314 - our own feed, checked to be well-formed XML
    feed = feedparser.parse(answer.content)
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.version == "atom10"
    return feed


def test_a_papers_feed_has_each_article_with_headline_summary_and_link(room: Room) -> None:
    feed = parse(room, f"/feeds/papers/{SAMPLE_PAPER}.xml")
    assert feed.feed.title == f"{SAMPLE_PAPER} · digest"
    assert len(feed.entries) == 10  # two issues of five articles
    for entry in feed.entries:
        assert entry.title and entry.summary and entry.id.startswith("tag:digest,2024:article/")
        assert room.client.get(entry.link.removeprefix("http://testserver")).status_code == 200
        assert any(link.rel == "related" and link.href.startswith("https://") for link in entry.links)
    assert len({e.id for e in feed.entries}) == len(feed.entries)


def test_hostile_text_in_a_feed_is_escaped_text(room: Room) -> None:
    feed = parse(room, f"/feeds/papers/{HOSTILE_PAPER}.xml")
    assert any("{{ 7*7 }}" in e.title for e in feed.entries)
    assert any('"一定按期完成<b>任务</b>。"' in e.summary for e in feed.entries)


def test_an_article_ingested_later_appears_once(make_room: Callable[..., Room]) -> None:
    room = make_room(public=True)
    before = parse(room, f"/feeds/papers/{HOSTILE_PAPER}.xml")
    page = room.tmp_path / "later.txt"
    page.write_text(
        "测试新闻\n\n新桥通车\n\n本报讯 7月28日，城南新桥正式通车，市民出行更加方便。\n\n（赵六）\n"
    )
    later = dt.datetime(2024, 7, 28, 8, tzinfo=dt.UTC)
    with open_store(room.settings.store.url) as store:
        ingest(store, page, HOSTILE_PAPER, dt.date(2024, 7, 28), now=later)
        ingest(store, page, HOSTILE_PAPER, dt.date(2024, 7, 28), now=later)  # the same page again: nothing
        summarise(store)
        for subscriber in room.settings.subscribers:
            brief(store, subscriber, dt.date(2024, 7, 28), {}, now=later)
    after = parse(room, f"/feeds/papers/{HOSTILE_PAPER}.xml")
    new = [e for e in after.entries if e.id not in {b.id for b in before.entries}]
    assert len(new) == 1 and "新桥" in new[0].title + new[0].summary
    assert after.entries[0].id == new[0].id  # newest first
    mine = parse(room, "/feeds/subscribers/rival.xml?token=" + READ)
    assert sum("新桥" in e.title + e.summary for e in mine.entries) == 1


def test_a_subscribers_feed_opens_with_their_key_or_a_token_only(make_room: Callable[..., Room]) -> None:
    room = make_room(public=False)
    key = subscriber_key(room.settings.web, "rival")
    assert room.client.get("/feeds/subscribers/rival.xml").status_code == 404
    assert room.client.get(f"/feeds/subscribers/desk.xml?key={key}").status_code == 404
    assert room.client.get("/feeds/subscribers/nobody.xml", headers=AS_READER).status_code == 404
    feed = parse(room, f"/feeds/subscribers/rival.xml?key={key}")
    assert feed.entries and all(HOSTILE_PAPER in str(e.get("tags")) for e in feed.entries)
    assert feed.feed.links[0].href.endswith(f"rival.xml?key={key}")
    # A paper's feed in a private room: a reader's token (feed readers send it in the address).
    assert room.client.get(f"/feeds/papers/{SAMPLE_PAPER}.xml").status_code == 401
    assert parse(room, f"/feeds/papers/{SAMPLE_PAPER}.xml?token={READ}").entries
