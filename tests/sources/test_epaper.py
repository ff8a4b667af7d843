"""EpaperSource crawling a small fake Founder e-paper site served on 127.0.0.1."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import httpx
import pytest

from digest.http import HttpSettings
from digest.ingest.extract import extract
from digest.sources.epaper import EpaperSource
from tests.conftest import LocalServer

TODAY = dt.date(2024, 7, 26)
DAY = "/html/2024-07/26"
TEMPLATE_PATH = "/html/{date:%Y-%m}/{date:%d}/node_1.htm"


def _nav(extra: str = "") -> str:
    return (
        '<div id="nav"><a href="node_1.htm">第01版：要闻</a>'
        '<a href="./node_2.htm"> 第02版：\n 综合 </a>'
        '<a href="http://elsewhere.invalid/html/2024-07/26/node_3.htm">第03版</a>'
        f"{extra}</div>"
    )


def _page(links: list[str], charset: str = "utf-8") -> str:
    items = "".join(f'<li><a href="{href}">标题{i}</a></li>' for i, href in enumerate(links))
    return f'<html><head><meta charset="{charset}"></head><body>{_nav()}<ul>{items}</ul></body></html>'


def _article(headline: str, body: str, charset: str = "utf-8") -> bytes:
    page = (
        f'<html><head><meta http-equiv="Content-Type" content="text/html; charset={charset}"></head>'
        f'<body><h1>{headline}</h1><div id="ozoom"><founder-content><p>{body}</p></founder-content>'
        "</div></body></html>"
    )
    return page.encode(charset)


@pytest.fixture
def site(http_server: LocalServer) -> LocalServer:
    http_server.route(
        f"{DAY}/node_1.htm",
        _page(
            [
                "content_101.htm",
                "content_102.htm#top",
                "content_101.htm",
                "http://elsewhere.invalid/content_9.htm",
            ]
        ).encode(),
    )
    http_server.route(
        f"{DAY}/node_2.htm",
        _page(["../26/content_201.htm", "content_202.htm", f"{DAY}/content_203.htm"], "gb2312").encode(
            "gb2312"
        ),
    )
    for number in (101, 102, 202, 203):
        http_server.route(f"{DAY}/content_{number}.htm", _article(f"新闻{number}", "交城县召开会议。"))
    http_server.route(
        f"{DAY}/content_201.htm",
        _article("县委召开全会", "交城县委召开全体会议。", "gb2312"),
        headers={"Content-Type": "text/html"},
    )
    return http_server


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    with httpx.Client() as client:
        yield client


def _source(server: LocalServer, client: httpx.Client, **kwargs: int) -> EpaperSource:
    return EpaperSource(
        "epaper",
        "交城报",
        server.url(TEMPLATE_PATH),
        client,
        http=HttpSettings(sleep=lambda _: None),
        **kwargs,
    )


def test_fetches_every_article_once_with_its_page_label(site: LocalServer, client: httpx.Client) -> None:
    source = _source(site, client)

    first = source.poll({}, TODAY)

    assert first.errors == ()
    got = {d.link: d.edition for d in first.documents}
    assert got == {
        site.url(f"{DAY}/content_101.htm"): "第01版：要闻",
        site.url(f"{DAY}/content_102.htm"): "第01版：要闻",
        site.url(f"{DAY}/content_201.htm"): "第02版： 综合",
        site.url(f"{DAY}/content_202.htm"): "第02版： 综合",
        site.url(f"{DAY}/content_203.htm"): "第02版： 综合",
    }
    assert all(d.single_article and d.issue_date == TODAY and d.paper == "交城报" for d in first.documents)
    gb = next(d for d in first.documents if d.link and d.link.endswith("content_201.htm"))
    assert extract(gb.raw).headlines == ("县委召开全会",)
    assert not any("elsewhere" in path for path in site.paths())
    assert sorted(site.paths()).count(f"{DAY}/content_101.htm") == 1

    before = len(site.requests)
    second = source.poll(first.state, TODAY)
    assert second.documents == ()
    fetched_again = [p for p in site.paths()[before:] if "content_" in p]
    assert fetched_again == []

    site.route(
        f"{DAY}/node_2.htm",
        _page(["content_201.htm", "content_202.htm", "content_203.htm", "content_204.htm"]).encode(),
    )
    site.route(f"{DAY}/content_204.htm", _article("新增", "补充报道。"))
    third = source.poll(second.state, TODAY)
    assert [d.link for d in third.documents] == [site.url(f"{DAY}/content_204.htm")]


def test_crawl_bounds_hold(site: LocalServer, client: httpx.Client) -> None:
    result = _source(site, client, max_pages=1, max_articles=1).poll({}, TODAY)

    assert [d.link for d in result.documents] == [site.url(f"{DAY}/content_101.htm")]
    assert f"{DAY}/node_2.htm" not in site.paths()


def test_no_issue_yet_is_quiet(http_server: LocalServer, client: httpx.Client) -> None:
    result = _source(http_server, client).poll({}, TODAY)

    assert result == type(result)(state={"seen": {}})


def test_failed_article_is_retried_missing_one_is_not(site: LocalServer, client: httpx.Client) -> None:
    site.route(f"{DAY}/content_102.htm", b"busy", status=503)
    del site.routes[f"{DAY}/content_203.htm"]
    source = _source(site, client)

    first = source.poll({}, TODAY)
    assert len(first.documents) == 3
    assert len(first.errors) == 2

    site.route(f"{DAY}/content_102.htm", _article("新闻102", "正文。"))
    second = source.poll(first.state, TODAY)
    assert [d.link for d in second.documents] == [site.url(f"{DAY}/content_102.htm")]
    assert second.errors == ()


def test_old_days_are_pruned(site: LocalServer, client: httpx.Client) -> None:
    state = {"seen": {"2024-07-01": ["http://x/content_1.htm"], "2024-07-25": ["http://x/content_2.htm"]}}

    result = _source(site, client).poll(state, TODAY)

    assert set(result.state["seen"]) == {"2024-07-25", "2024-07-26"}


def test_bad_template_is_refused() -> None:
    with pytest.raises(ValueError, match="cannot be formatted"):
        EpaperSource("e", "p", "http://x/{day}/node_1.htm", httpx.Client())


def test_index_charset_from_the_http_header(
    http_server: LocalServer, client: httpx.Client, caplog: pytest.LogCaptureFixture
) -> None:
    # No <meta charset>: only the Content-Type header says GBK, and the page label must survive.
    index = '<html><body><a href="node_1.htm">第01版：要闻</a><a href="content_1.htm">标题</a></body></html>'
    http_server.route(
        f"{DAY}/node_1.htm", index.encode("gbk"), headers={"Content-Type": "text/html; charset=GBK"}
    )
    http_server.route(f"{DAY}/content_1.htm", _article("要闻", "正文。"))
    (document,) = _source(http_server, client).poll({}, TODAY).documents
    assert document.edition == "第01版：要闻"
    assert "unknown declared charset" not in caplog.text  # the header's charset is used, not ignored
