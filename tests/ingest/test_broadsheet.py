"""A broadsheet PDF (A3, five columns, heads above their articles, photos with captions, header and
editors' footer): every article found whole, in its own column flow, with its head, byline and
caption, and no printed text lost."""

from __future__ import annotations

import pytest

from digest.ingest.extract import extract
from digest.ingest.segment import SegmentedPage, segment_page
from digest.models import RawInput
from tests.ingest.broadsheet import FOOTER, HEADER, articles, build_broadsheet_pdf
from tests.ingest.test_segment_properties import corpus, pieces


@pytest.fixture(scope="module")
def found() -> SegmentedPage:
    return segment_page(extract(RawInput("broadsheet.pdf", build_broadsheet_pdf(), ".pdf")))


# In reading order: where the body starts and ends, its head, and who wrote and photographed it.
EXPECTED = [
    {
        "starts": "连日来，白河县抢抓晴好天气",
        "ends": "切实维护种粮农民利益。",
        "headline": "白河县夏粮收购进度过半",
        "kicker": "抢抓晴好天气 确保颗粒归仓",
        "writers": ("罗志刚",),
    },
    {
        "starts": "6月8日，青石镇组织镇村干部",
        "ends": "筑牢暑期防溺水安全防线。",
        "headline": "青石镇开展防溺水安全宣传",
        "writers": ("钟晓燕",),
    },
    {
        "starts": "6月9日，县人民医院组织",
        "ends": "发放药品价值2万余元。",
        "headline": "县人民医院专家下乡义诊",
        "writers": ("孟庆华",),
        "photographers": ("段云飞",),
        "captions": ("专家为村民测量血压",),
    },
    {
        "starts": "走进白河县柳林乡的食用菌产业园",
        "ends": "让小蘑菇真正成为群众致富的大产业。",
        "headline": "小小蘑菇撑起增收大产业",
        "writers": ("卢佳怡",),
    },
]


def test_every_article_is_found_whole_with_its_head_and_byline(found: SegmentedPage) -> None:
    assert len(found.articles) == len(EXPECTED)
    for article, expected in zip(found.articles, EXPECTED, strict=True):
        text = article.text.replace("\n", "")
        assert text.startswith(str(expected["starts"])) and text.endswith(str(expected["ends"])), text
        assert (article.page_headline, article.kicker) == (expected["headline"], expected.get("kicker"))
        assert article.writers == expected["writers"]
        assert article.photographers == expected.get("photographers", ())
        assert article.captions == expected.get("captions", ())


def test_an_article_keeps_its_own_column_flow(found: SegmentedPage) -> None:
    # The first article's third column follows its second, and nothing of the others is inside it.
    first = found.articles[0].text.replace("\n", "")
    assert "收购价格保持稳定" in first
    assert "青石镇" not in first and "义诊" not in first


def test_header_and_footer_are_page_matter_and_nothing_is_lost(found: SegmentedPage) -> None:
    assert [line.replace(" ", "") for line in found.page.header] == [HEADER.replace(" ", "")]
    assert found.page.editors == (FOOTER,)
    assert found.page.unplaced == ()
    # Everything the page prints, as the builder drew it, is found in what segmentation returns.
    printed = [HEADER, FOOTER]
    for story in articles():
        printed += [
            story.headline,
            story.kicker or "",
            story.caption or "",
            story.opening or "",
            *story.paragraphs,
        ]
    text = corpus(found)
    assert [word for line in printed for word in pieces(line) if word not in text] == []
