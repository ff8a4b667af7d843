"""FeedSource on RSS 2.0 and Atom feeds served on 127.0.0.1."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import httpx
import pytest

from digest.http import HttpSettings
from digest.ingest.extract import extract
from digest.sources.feeds import FeedSource, parse_feed
from tests.conftest import LocalServer

TODAY = dt.date(2024, 7, 26)
LONG = "交城县召开全体会议，研究部署下半年工作。" * 20


def _rss(server: LocalServer) -> bytes:
    return f"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/">
<channel><title>交城报</title>
<item><title>短讯</title><link>{server.url("/a/1.htm")}</link><guid>n1</guid>
  <pubDate>Thu, 25 Jul 2024 17:30:00 +0000</pubDate><description>摘要</description></item>
<item><title>全文</title><link>/a/2.htm</link><guid>n2</guid>
  <content:encoded><![CDATA[<p>{LONG}</p>]]></content:encoded></item>
</channel></rss>""".encode()


def _atom(server: LocalServer) -> bytes:
    return f"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>交城报</title>
<entry><id>urn:1</id><title>短讯</title><link rel="alternate" href="{server.url("/b/2024-07-20/1.htm")}"/>
  <link rel="enclosure" href="{server.url("/b/1.jpg")}"/><summary>摘要</summary></entry>
<entry><id>urn:2</id><title>全文</title><updated>2024-07-26T01:00:00+08:00</updated>
  <content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml"><p>{LONG}</p></div></content></entry>
</feed>""".encode()


def _article(title: str) -> bytes:
    return f"<html><body><h1>{title}</h1><p>交城县召开会议。</p></body></html>".encode()


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    with httpx.Client() as client:
        yield client


def _source(url: str, client: httpx.Client) -> FeedSource:
    return FeedSource("feed", "交城报", url, client, http=HttpSettings(sleep=lambda _: None))


def test_rss_entries_fetched_once_full_content_used_directly(
    http_server: LocalServer, client: httpx.Client
) -> None:
    feed = http_server.route("/rss.xml", _rss(http_server), headers={"ETag": '"f1"'})
    http_server.route("/a/1.htm", _article("短讯"))
    source = _source(feed, client)

    first = source.poll({}, TODAY)

    assert first.errors == ()
    assert [d.link for d in first.documents] == [http_server.url("/a/1.htm"), http_server.url("/a/2.htm")]
    short, full = first.documents
    assert short.issue_date == dt.date(2024, 7, 26)  # 17:30 UTC is the next day in Shanghai
    assert short.raw.data == _article("短讯")
    assert full.single_article
    assert extract(full.raw).headlines == ("全文",)
    assert "/a/2.htm" not in http_server.paths()  # full content: not fetched
    assert first.state["seen"] == ["n1", "n2"]

    second = source.poll(first.state, TODAY)
    assert http_server.requests[-1].headers["if-none-match"] == '"f1"'
    assert second.documents == ()

    http_server.route("/rss.xml", _rss(http_server) + b" ")  # changed: no 304, entries already seen
    third = source.poll(second.state, TODAY)
    assert third.documents == ()
    assert http_server.paths().count("/a/1.htm") == 1


def test_atom_feed(http_server: LocalServer, client: httpx.Client) -> None:
    feed = http_server.route("/atom.xml", _atom(http_server))
    http_server.route("/b/2024-07-20/1.htm", _article("短讯"))

    result = _source(feed, client).poll({}, TODAY)

    assert result.errors == ()
    short, full = result.documents
    assert short.link == http_server.url("/b/2024-07-20/1.htm")
    assert short.issue_date == dt.date(2024, 7, 20)  # no date in the entry: the link's
    assert full.issue_date == dt.date(2024, 7, 26)
    assert LONG[:20] in extract(full.raw).lines[0] or any(
        LONG[:20] in line for line in extract(full.raw).lines
    )
    assert "/b/1.jpg" not in http_server.paths()


def test_broken_feed_is_an_error_line(http_server: LocalServer, client: httpx.Client) -> None:
    feed = http_server.route("/rss.xml", b"<html><body>Service unavailable</body></html>")

    result = _source(feed, client).poll({"seen": ["x"]}, TODAY)

    assert result.documents == ()
    assert len(result.errors) == 1
    assert "not an RSS or Atom feed" in result.errors[0]
    assert result.state == {"seen": ["x"]}


def test_failed_entry_is_retried_next_poll(http_server: LocalServer, client: httpx.Client) -> None:
    feed = http_server.route("/rss.xml", _rss(http_server))
    http_server.route("/a/1.htm", b"busy", status=503)
    source = _source(feed, client)

    first = source.poll({}, TODAY)
    assert len(first.errors) == 1
    assert first.state["seen"] == ["n2"]

    http_server.route("/a/1.htm", _article("短讯"))
    assert [d.link for d in source.poll(first.state, TODAY).documents] == [http_server.url("/a/1.htm")]


def test_entities_are_not_expanded() -> None:
    bomb = b"""<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<rss><channel><item><guid>1</guid><title>&x;</title><link>http://a.example/1</link></item></channel></rss>"""

    (entry,) = parse_feed(bomb, "http://a.example/rss")

    assert "root:" not in entry.title
