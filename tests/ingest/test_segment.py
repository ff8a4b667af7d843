"""The sample county-paper page splits into the five articles a careful reader finds."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest

from digest.errors import NoArticles
from digest.ingest.segment import segment, segment_page
from digest.models import Article, DocumentKind, PageText
from digest.shipped import SAMPLE_PAGE

DATA = Path(__file__).parent.parent / "data"
SAMPLE = SAMPLE_PAGE
EXPECTED = json.loads((DATA / "000_0ebbebed01f08da6.expected.json").read_text(encoding="utf-8"))["articles"]

CJK = "\u4e00-\u9fff"


def page_of(text: str, **kwargs: object) -> PageText:
    return PageText("test", DocumentKind.TEXT, tuple(text.splitlines()), **kwargs)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def articles() -> list[Article]:
    return segment(page_of(SAMPLE.read_text(encoding="utf-8")))


def test_sample_page_matches_the_careful_reader(articles: list[Article]) -> None:
    assert len(articles) == len(EXPECTED)
    for article, expected in zip(articles, EXPECTED, strict=True):
        assert article.text.startswith(expected["starts"]), article.index
        assert article.text.endswith(expected["ends"]), article.index
        assert list(article.writers) == expected["writers"]
        assert list(article.photographers) == expected["photographers"]
        assert article.page_headline == expected["headline"]
        assert list(article.captions) == expected["captions"]
    assert [a.index for a in articles] == [1, 2, 3, 4, 5]


def test_article_text_has_no_wrap_inside_a_sentence_and_no_inserted_spaces(articles: list[Article]) -> None:
    for article in articles:
        for paragraph in article.paragraphs:
            assert "\n" not in paragraph
            assert re.search(r"[。！？]”?$", paragraph), paragraph[-20:]
        assert not re.search(rf"[{CJK}] +\d|\d +[{CJK}]", article.text)
        assert "本报讯" not in article.text  # the lead is metadata
        assert "（文/" not in article.text and "郭倩楠" not in article.text  # so is the byline


def test_headlines_and_captions_are_not_body_text(articles: list[Article]) -> None:
    body = "".join(a.text for a in articles)
    assert "交城县庞泉沟镇用暖心服务打造优质文旅生态圈" not in body
    assert "会议为2023年度" not in body


def test_paragraphs_follow_the_page(articles: list[Article]) -> None:
    # Article 3 has five paragraphs on the page: the lead and four that start with a short phrase.
    starts = [p[:4] for p in articles[2].paragraphs]
    assert starts == ["进入旅游", "有诉必回", "花式宠粉", "心怀信念", "在庞泉沟"]


def test_datelines_resolve_in_the_issue_year() -> None:
    page = page_of(SAMPLE.read_text(encoding="utf-8"), issue_date=dt.date(2024, 8, 2))
    found = {a.index: (a.dateline, a.date) for a in segment(page)}
    assert found[2] == ("7月25日", dt.date(2024, 7, 25))
    assert found[4] == ("7月29日", dt.date(2024, 7, 29))
    assert found[5] == ("7月31日", dt.date(2024, 7, 31))
    assert found[1] == (None, None)


def test_dateline_without_a_known_year_keeps_the_printed_date(articles: list[Article]) -> None:
    assert articles[1].dateline == "7月25日"
    assert articles[1].date is None


def test_a_january_issue_reporting_on_december_uses_the_previous_year() -> None:
    text = "本报讯 12月31日，某县召开年终总结会议。\n（记者 张三）"
    (article,) = segment(page_of(text, issue_date=dt.date(2025, 1, 2)))
    assert article.date == dt.date(2024, 12, 31)
    assert article.writers == ("张三",)


def test_wire_leads_with_reporters_and_glued_articles() -> None:
    text = (
        "新华社北京7月25日电（记者 王小明 李华）国务院今天召开常务会议。会议研究了有关工作。\n"
        "本报太原7月26日电 省里发布新规，自下月起施行。（本报记者 赵六 摄）本报讯 第三篇文章正文在此结束。\n"
        "（通讯员 钱七）"
    )
    first, second, third = segment(page_of(text))
    assert first.lead == "新华社北京7月25日电"
    assert first.writers == ("王小明", "李华")
    assert first.dateline == "7月25日"
    assert first.text.startswith("国务院今天召开常务会议。")
    assert second.lead == "本报太原7月26日电"
    assert second.photographers == ("赵六",)
    assert second.text == "省里发布新规，自下月起施行。"
    assert third.writers == ("钱七",)


def test_parenthetical_in_the_body_is_not_a_byline() -> None:
    text = "本报讯 参加会议的还有县直各单位（含条管\n单位）负责人。会议要求（试行）办法落实。\n（记者 张三）"
    (article,) = segment(page_of(text))
    assert "（含条管单位）" in article.text
    assert article.writers == ("张三",)


def test_article_without_byline_leaves_the_next_headline_out() -> None:
    text = "本报讯 第一篇的正文到此结束。\n第二篇文章的标题在这里\n本报讯 第二篇的正文。\n（张三）"
    first, second = segment(page_of(text))
    assert first.text == "第一篇的正文到此结束。"
    assert second.text == "第二篇的正文。"


def test_text_outside_articles_is_kept_never_dropped() -> None:
    text = (
        "交城报 第二版 综合新闻 2024年8月1日\n本报讯 正文一句话。\n（李四）\n"
        "这是一段与任何文章无关的广告文字。"
    )
    found = segment_page(page_of(text))
    first, second = found.articles
    assert first.text == "正文一句话。"
    assert first.captions == ()
    # The header is the page's own matter; the advert is printed text and stays visible.
    assert found.page.header == ("交城报 第二版 综合新闻2024年8月1日",)
    assert second.text == "这是一段与任何文章无关的广告文字。"


def test_a_page_without_leads_gives_its_articles() -> None:
    text = (
        "清河县开展秋季防火检查\n"
        "十月以来，清河县应急管理局组织人员深入\n"
        "各乡镇林区开展防火检查。\n"
        "（王立新）\n"
        "石岭镇举办农民丰收节\n"
        "十月八日，石岭镇第三届农民丰收节在镇文\n"
        "化广场开幕，群众载歌载舞庆丰收。\n"
        "（刘思远）\n"
    )
    first, second = segment(page_of(text))
    assert (first.page_headline, first.writers, first.lead) == ("清河县开展秋季防火检查", ("王立新",), None)
    assert second.text.startswith("十月八日，石岭镇") and second.writers == ("刘思远",)


def test_a_page_of_only_page_matter_is_a_clear_error() -> None:
    with pytest.raises(NoArticles, match="only page matter"):
        segment(page_of("第3版 要闻 2012年6月12日 星期二\n责任编辑：王五 校对：赵六\n【法治在线】"))


def test_single_article_mode_takes_everything_and_the_layout_headline() -> None:
    page = PageText(
        "x.htm",
        DocumentKind.HTML,
        ("\u3000\u3000第一段。", "\u3000\u3000第二段。（记者 王五）"),
        headlines=("标题",),
        single_article=True,
        kicker="引题",
        subhead="副题",
    )
    (article,) = segment(page)
    assert article.paragraphs == ("第一段。", "第二段。")
    assert article.writers == ("王五",)
    assert (article.page_headline, article.kicker, article.subhead) == ("标题", "引题", "副题")
