"""What segmentation finds besides the articles is stored, and a paper's recurring furniture is learnt
from it: the same on every backend."""

from __future__ import annotations

import dataclasses
import datetime as dt

from digest.ingest.segment import segment_page
from digest.models import DocumentKind, PageText, RawInput
from digest.pipeline import ingest_segmented
from digest.store import Store
from tests.store.conftest import NOW, document

# A paper whose pages carry a masthead line and a hotline that no built-in rule knows.
_PAGE = """石岭日报
第{n}版 综合 2024年9月{n}日 星期{w}
新闻热线：0358-7654321
石岭县召开第{n}次秋收工作会议
本报讯 9月{n}日，石岭县召开秋收工作会议，部署第{n}阶段秋收
工作。会议要求各乡镇抓住晴好天气抢收抢种。
（记者 王建国）
""".rstrip()


def _page(n: int) -> bytes:
    return _PAGE.format(n=n, w="一二三四五六日"[n % 7]).encode("utf-8")


def _doc(n: int) -> object:
    base = document(f"page{n}.txt", paper="石岭日报", issue_date=dt.date(2024, 9, n))
    return dataclasses.replace(base, raw=RawInput(f"page{n}.txt", _page(n), ".txt"))  # type: ignore[type-var]


def test_page_matter_and_source_notes_are_stored(store: Store) -> None:
    text = (
        "第2版 要闻 2024年9月2日 星期一\n"
        "本报讯 某县出台新规，明确秋收补贴标准。（据新华社）\n"
        "责任编辑：王五\n"
    )
    found = segment_page(PageText("p.txt", DocumentKind.TEXT, tuple(text.splitlines())))
    store.record_document(document(), "h1", found.articles, now=NOW, page=found.record())
    (stored,) = store.pending_articles(10)
    assert stored.article.origin == "据新华社"
    assert store.status().unplaced == ()


def test_unplaced_lines_show_in_status(store: Store) -> None:
    text = "本报讯 某县召开会议。\n（记者 张三）\n甲乙丙丁戊己庚辛壬癸\n子丑寅卯辰巳午未申酉\n"
    found = segment_page(PageText("p.txt", DocumentKind.TEXT, tuple(text.splitlines())))
    assert found.page.unplaced
    store.record_document(document("odd.txt"), "h2", found.articles, now=NOW, page=found.record())
    ((source, locator, lines),) = store.status().unplaced
    assert (source, locator) == ("folder", "odd.txt")
    assert lines == ("甲乙丙丁戊己庚辛壬癸", "子丑寅卯辰巳午未申酉")


def test_recurring_lines_are_learnt_and_become_page_matter(store: Store) -> None:
    # The first pages: the masthead and the hotline are read as the head of the first article.
    for n in range(1, 4):
        assert store.recurring_lines("石岭日报") == []  # fewer than three issues: nothing learnt yet
        ingest_segmented(store, _doc(n), now=NOW)  # type: ignore[arg-type]
    learnt = store.recurring_lines("石岭日报")
    assert "石岭日报" in learnt and "新闻热线：0358-7654321" in learnt
    assert not any("秋收工作会议" in line for line in learnt)  # headlines change from day to day
    # From now on they are the paper's own matter: the article's head is only its headline.
    _, count, warning = ingest_segmented(store, _doc(4), now=NOW)  # type: ignore[arg-type]
    assert (count, warning) == (1, None)
    page = next(p for p in store.pending_articles(10) if p.article.text.startswith("9月4日"))
    assert page.article.page_headline == "石岭县召开第4次秋收工作会议"
    assert page.article.kicker is None
    assert store.recurring_lines("其他报") == []
