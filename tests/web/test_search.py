"""/search on both backends: Chinese found by a two-character name and by a phrase, hits marked and
escaped, filtered by paper and date, paged; the index follows a corrected re-publication."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest

from digest.store import open_store
from digest.store.search import search
from tests.web.conftest import DAY, HOSTILE_PAPER, SAMPLE_PAPER, Room, ingest, summarise


@pytest.fixture
def searchable(make_room: Callable[..., Room], store_url: str) -> Room:
    return make_room(public=True, database=store_url)


def test_a_two_character_name_and_a_phrase_are_found_and_marked(searchable: Room) -> None:
    name = searchable.client.get("/search", params={"q": "刘旋"})
    assert name.status_code == 200
    assert "<mark>刘旋</mark>" in name.text and "找到 4 篇" in name.text
    phrase = searchable.client.get("/search", params={"q": "县委书记刘旋出席会议"}).text
    assert "<mark>县委书记刘旋出席会议</mark>" in phrase and "找到 2 篇" in phrase
    assert "找到 0 篇" in searchable.client.get("/search", params={"q": "刘旋出差"}).text


def test_every_term_must_occur_and_latin_is_case_blind(searchable: Room) -> None:
    assert "找到 2 篇" in searchable.client.get("/search", params={"q": "交城 清凉"}).text
    both = searchable.client.get("/search", params={"q": "shanghai EX"}).text
    assert "找到 1 篇" in both and "<mark>Shanghai</mark>" in both
    assert "找到 1 篇" in searchable.client.get("/search", params={"q": "sh"}).text


def test_a_hit_in_hostile_text_is_marked_and_still_escaped(searchable: Room) -> None:
    html = searchable.client.get("/search", params={"q": "<script>"}).text
    assert "找到 1 篇" in html
    assert "<mark>&lt;script&gt;</mark>" in html
    assert "<script>" not in html.split("<main>", 1)[1]
    assert 'value="&lt;script&gt;"' in html  # the query in the box, escaped too


def test_results_are_filtered_by_paper_and_date_and_paged(searchable: Room) -> None:
    get = searchable.client.get
    assert "找到 0 篇" in get("/search", params={"q": "刘旋", "paper": HOSTILE_PAPER}).text
    assert "找到 2 篇" in get("/search", params={"q": "刘旋", "from": DAY.isoformat()}).text
    assert "找到 2 篇" in get("/search", params={"q": "刘旋", "to": "2024-07-26", "paper": SAMPLE_PAPER}).text
    first = get("/search", params={"q": "刘旋"}).text  # four hits, two a page
    assert first.count("<article>") == 2 and 'rel="next"' in first
    second = get("/search", params={"q": "刘旋", "page": "2"}).text
    assert second.count("<article>") == 2 and 'rel="next"' not in second and 'rel="prev"' in second
    # Every hit's link leads to its article.
    for url in ("/search?q=刘旋", "/search?q=刘旋&page=2", "/search?q=x&page=-1&from=bad&to=2024-02-30"):
        assert get(url).status_code == 200


def test_the_index_follows_a_corrected_republication(make_room: Callable[..., Room], store_url: str) -> None:
    room = make_room(public=True, database=store_url)
    page = room.tmp_path / "hostile.txt"
    with open_store(room.settings.store.url) as store:
        page.write_text(
            "测试新闻\n\n山区道路改造完成\n\n本报讯 近日，县交通局完成了山区公路改造。\n\n（李四）\n"
        )
        later = dt.datetime(2024, 7, 28, tzinfo=dt.UTC)
        ingest(store, page, "更正报", DAY, now=later, name="p.txt")
        summarise(store)
        assert store.read(search, "山区公路").total == 1
        page.write_text(
            "测试新闻\n\n山区道路改造完成\n\n本报讯 近日，县交通局完成了山区隧道改造。\n\n（李四）\n"
        )
        ingest(store, page, "更正报", DAY, now=later, name="p.txt")  # same locator, new bytes
        assert store.read(search, "山区公路").total == 0  # the superseded version left the index
        assert store.read(search, "山区隧道").total == 1
        summarise(store)
        found = store.read(search, "山区隧道")
        assert found.total == 1 and found.hits[0].summary is not None
