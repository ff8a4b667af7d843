"""The reading room's pages over a real app and store: every page renders, its links resolve, what
an article says is shown as text, and the page is made for Chinese on a phone."""

from __future__ import annotations

import re

from tests.api.conftest import AS_READER
from tests.web.conftest import DAY, HOSTILE_PAPER, SAMPLE_PAPER, Room, crawl


def test_every_page_renders_and_every_link_between_them_resolves(room: Room) -> None:
    room.client.headers.update(AS_READER)
    seen = crawl(room.client, "/")
    assert {status for status in seen.values()} == {200}, seen
    # The front page, both papers, all three issues and both subscribers' briefings were reached.
    assert sum(url.startswith("/issues/") for url in seen) == 3
    assert sum(url.startswith("/papers/") and "?" not in url for url in seen) == 2
    assert {u for u in seen if u.startswith("/briefings/")} == {
        f"/briefings/desk/{DAY.isoformat()}",
        f"/briefings/rival/{DAY.isoformat()}",
    }


def test_the_front_page_lists_each_papers_latest_issues_and_the_briefings(room: Room) -> None:
    public = room.client.get("/").text
    assert SAMPLE_PAPER in public and HOSTILE_PAPER in public
    assert "最新简报" not in public  # briefings are for readers and their subscribers only
    as_reader = room.client.get("/", headers=AS_READER).text
    assert "最新简报" in as_reader and "desk" in as_reader and "rival" in as_reader


def test_an_issue_shows_its_articles_in_page_order_with_everything_digest_knows(room: Room) -> None:
    html = room.client.get("/issues/1").text
    positions = [int(n) for n in re.findall(r"第 (\d+) 篇", html)]
    assert positions == sorted(positions) and len(positions) == 5
    assert html.count("<details>") == 5 and html.count("<summary>全文</summary>") == 5
    assert "引擎：extractive" in html
    assert "刘旋" in html  # the full text is there, folded
    assert 'href="https://epaper.example.cn/2024-07-26/' in html
    assert 'rel="noopener noreferrer"' in html


def test_an_article_that_holds_markup_and_template_syntax_renders_as_text(room: Room) -> None:
    html = room.client.get("/issues/2").text  # the hostile page, ingested second
    assert "<script>alert" not in html and "<b>任务</b>" not in html
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in html
    assert "&lt;b&gt;任务&lt;/b&gt;" in html and "&#34;一定按期完成" in html
    assert "{{ 7*7 }}" in html and "“49”" not in html  # printed as written, never evaluated


def test_pages_are_set_for_chinese_text_on_a_phone(room: Room) -> None:
    html = room.client.get("/issues/1").text
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in html
    assert '<html lang="zh-CN">' in html
    css = html.split("<style>", 1)[1].split("</style>", 1)[0]
    fonts = css.split("font-family:", 1)[1].split(";", 1)[0]
    assert fonts.index('"Noto Sans CJK SC"') < fonts.index('"PingFang SC"') < fonts.index('"Microsoft YaHei"')
    assert "line-height: 1.7" in css
    # Chinese breaks between any two characters; a Latin word never breaks inside (no break-all).
    assert "word-break: normal" in css and "break-all" not in css
    assert "Shanghai Expressway" in room.client.get("/issues/2").text + room.client.get("/issues/3").text


def test_a_briefing_page_shows_every_article_it_told(room: Room) -> None:
    html = room.client.get(f"/briefings/desk/{DAY.isoformat()}", headers=AS_READER).text
    assert "每日简报 2024-07-27" in html
    # Seven articles over three issues; a reprint is folded into its first printing ("同见").
    assert html.count("<article") >= 5
    assert "山区道路改造完成" in html and "/issues/" in html


def test_what_is_not_there_is_a_404_page_not_an_error(room: Room) -> None:
    for url in (
        "/issues/999",
        "/issues/abc",
        "/issues/99999999999999999999999",
        "/papers/没有这份报",
        f"/briefings/nobody/{DAY.isoformat()}",
        "/briefings/desk/2024-13-01",
        "/briefings/desk/2020-01-01",
    ):
        answer = room.client.get(url, headers=AS_READER)
        assert answer.status_code == 404, url
        assert answer.headers["content-type"].startswith("text/html")


def test_a_papers_issues_are_paged(room: Room) -> None:
    first = room.client.get(f"/papers/{SAMPLE_PAPER}").text  # two issues, page_size 2
    assert first.count('href="/issues/') == 2 and 'rel="next"' not in first
    assert room.client.get(f"/papers/{SAMPLE_PAPER}?page=abc").status_code == 200
    assert "没有更多期次" in room.client.get(f"/papers/{SAMPLE_PAPER}?page=2").text


def test_the_pages_are_not_in_the_api_schema(room: Room) -> None:
    paths = room.client.get("/openapi.json").json()["paths"]
    assert not any(p == "/" or p.startswith(("/papers", "/issues", "/briefings")) for p in paths)
