"""The faithfulness guard: each rule on its own, then on the sample page's five articles."""

from __future__ import annotations

import re
import time

import pytest

from digest.ingest.segment import segment
from digest.models import Article, DocumentKind, PageText
from digest.shipped import SAMPLE_PAGE
from digest.summarise.guard import (
    ArticleFacts,
    Fact,
    GuardVerdict,
    check,
    chinese_int,
    extract_facts,
    normalise,
)

SAMPLE = SAMPLE_PAGE


@pytest.fixture(scope="module")
def articles() -> list[Article]:
    lines = tuple(SAMPLE.read_text(encoding="utf-8").splitlines())
    found = segment(PageText("sample", DocumentKind.TEXT, lines))
    assert len(found) == 5
    return found


def _unsupported(output: str, article: str) -> tuple[str, ...]:
    return check(output, article).unsupported


# --- what counts as a fact ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "facts"),
    [
        # Arabic numbers, with or without units; thousands separators and multipliers fold into the value.
        ("13户重点企业", [("number", "13")]),
        ("截至目前已接到来电诉求40余件", [("number", "40")]),
        ("安排工作人员24小时接听", [("number", "24")]),
        ("1,200人", [("number", "1200")]),
        ("1.2万元", [("number", "12000")]),
        ("10余万", [("number", "100000")]),
        ("3.50亿", [("number", "350000000")]),
        ("3千万", [("number", "30000000")]),
        ("3千米", [("number", "3")]),  # 千米 is a unit, not a thousand metres
        ("5G网络", [("number", "5")]),
        # Codes starting with a letter are compared whole.
        ("G20峰会和PM2.5", [("number", "G20"), ("number", "PM2.5")]),
        # Chinese numerals with a measure word or unit.
        ("强调五点意见", [("number", "5")]),
        ("提出三点要求", [("number", "3")]),
        ("以下五个方面", [("number", "5")]),
        ("党的二十届三中全会", [("number", "20"), ("number", "3")]),
        ("全县八乡镇", [("number", "8")]),
        ("两个维护", [("number", "2")]),
        ("三年行动", [("number", "3")]),
        ("二十余个", [("number", "20")]),
        ("十余万人", [("number", "100000")]),
        ("党的二十大", [("number", "20")]),
        # Chinese numerals with 百/千/万/亿 count without a measure word.
        ("三十万", [("number", "300000")]),
        ("一万二千", [("number", "12000")]),
        # Dates.
        ("2024年7月25日", [("date", "2024年7月25日")]),
        ("7月25日", [("date", "7月25日")]),
        ("7月", [("date", "7月")]),
        ("25日", [("date", "25日")]),
        ("2024年", [("date", "2024年")]),
        ("2023年度目标", [("date", "2023年")]),
        ("2024-07-25", [("date", "2024年7月25日")]),
        ("2024/7/25", [("date", "2024年7月25日")]),
        ("7月25号", [("date", "7月25日")]),
        ("“7·20”特大暴雨", [("date", "7月20日"), ("quoted", "7·20")]),
        ("二〇二四年七月二十五日", [("date", "2024年7月25日")]),
        ("七月", [("date", "7月")]),
        ("2023—2025年", [("date", "2023年"), ("date", "2025年")]),
        ("7-8月", [("date", "7月"), ("date", "8月")]),
        ("3-5年", [("number", "3"), ("number", "5")]),  # a span of years, not years
        ("3号线", [("number", "3")]),  # 号 is a day only after a month
        ("3个月", [("number", "3")]),
        # Percentages.
        ("12.5%", [("percent", "12.5")]),
        ("１２．５％", [("percent", "12.5")]),
        ("百分之十二点五", [("percent", "12.5")]),
        ("百分之12", [("percent", "12")]),
        ("三成", [("percent", "30")]),
        ("3成", [("percent", "30")]),
        ("10%-20%", [("percent", "10"), ("percent", "20")]),
        ("2.5个百分点", [("number", "2.5")]),
        # Quotes of every kind; spaces inside are ignored.
        ("“三送三进”", [("quoted", "三送三进")]),
        ("「三送三进」", [("quoted", "三送三进")]),
        ("『三送三进』", [("quoted", "三送三进")]),
        ("《人民日报》", [("quoted", "人民日报")]),
        ('"三送三进"', [("quoted", "三送三进")]),
        ("“情系职工 清凉一夏”", [("quoted", "情系职工清凉一夏")]),
        ("“三个一批”", [("quoted", "三个一批"), ("number", "3")]),
        # An unclosed quote runs to the end, without a trailing ellipsis.
        ("积极破解“小马拉大车…", [("quoted", "小马拉大车")]),
    ],
)
def test_facts(text: str, facts: list[tuple[str, str]]) -> None:
    found = extract_facts(text)
    assert sorted((f.kind, f.key) for f in found) == sorted(facts), found


@pytest.mark.parametrize(
    "text",
    [
        # Words in which a numeral is no quantity.
        "坚守一线",
        "认真贯彻落实，统一思想",
        "一些经济指标",
        "一直坚持",
        "万一发生险情",
        "一体化发展",
        "乡镇第一书记要下沉一线",
        "重要信息第一时间上报",
        "挺进全省第一方阵",
        "千家万户",
        "千方百计",
        "两不愁三保障",
        "三送三进",
        "十四五规划",
        "八一建军节",
        "一是经济运行，二是城乡建设",
        "一要扛牢责任。二要迅速行动",
        "举一反三，以点带面",
        "一乡一村一策",
        "县四大班子领导",
        "一成不变",
        "成员单位",
        # 一 with a measure word is the indefinite article; outputs are not checked for it.
        "开展了一场消防安全知识培训",
        "是一项重大的政治任务",
        # Relative dates are no facts.
        "今天上午",
        "昨日召开",
        "上半年经济工作会议",
        "下半年工作",
        "今年以来",
        "",
    ],
)
def test_no_facts(text: str) -> None:
    assert extract_facts(text) == []


def test_facts_come_in_text_order_with_surface_and_key() -> None:
    assert extract_facts("２０２５年，“三送四进”，13户") == [
        Fact("date", "2025年", "2025年"),
        Fact("quoted", "“三送四进”", "三送四进"),
        Fact("number", "13户", "13"),
    ]


@pytest.mark.parametrize(
    ("numeral", "value"),
    [
        ("三", 3),
        ("两", 2),
        ("十", 10),
        ("十五", 15),
        ("二十", 20),
        ("二十一", 21),
        ("一百零五", 105),
        ("三百五", 350),
        ("一万二", 12000),
        ("一万二千", 12000),
        ("三千五百万", 35_000_000),
        ("三亿五千万", 350_000_000),
        ("一万亿", 10**12),
        ("百", 100),
        ("八一", None),
        ("十四五", None),
        ("二〇二四", None),
        ("万", None),
        ("十百", None),
    ],
)
def test_chinese_int(numeral: str, value: int | None) -> None:
    assert chinese_int(numeral) == value


@pytest.mark.parametrize(
    ("text", "normalised"),
    [
        ("２０２４年７月２５日", "2024年7月25日"),
        ("7月 25日", "7月25日"),
        ("2024 年\u30007 月", "2024年7月"),
        ("12.5 ％", "12.5%"),
        ("3．5万", "3.5万"),
        ("2024 25", "2024 25"),  # two numbers stay two numbers
        ("iPhone 15", "iPhone 15"),
        ("“情系职工 清凉一夏”", "“情系职工清凉一夏”"),
        ("一\u200b线", "一线"),
        ("  ", ""),
    ],
)
def test_normalise(text: str, normalised: str) -> None:
    assert normalise(text) == normalised


# --- what supports a fact ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("output", "article", "unsupported"),
    [
        # A number must occur as a number, not inside a longer one.
        ("202", "交城县总工会2024年开展活动", ("202",)),
        ("24小时值守", "交城县总工会2024年开展活动", ("24小时",)),
        ("24小时值守", "安排工作人员24小时接听监督热线", ()),
        ("24", "安排工作人员24小时接听监督热线", ()),
        ("4小时", "安排工作人员24小时接听监督热线", ("4小时",)),
        # Nor does a day of the month support a count.
        ("25人参加", "7月25日，会议召开", ("25人",)),
        # Units aside, values compare; spellings of one value are one value.
        ("13家重点企业", "13户重点企业代表", ()),
        ("1200人", "共有1,200人参加", ()),
        ("1,200人", "共有1200人参加", ()),
        ("1.2万元", "补贴12000元", ()),
        ("12000元", "补贴1.2万元", ()),
        ("1.2", "补贴1.2万元", ()),
        ("1.2亿元", "补贴1.2万元", ("1.2亿元",)),
        ("12.50元", "票价12.5元", ()),
        ("2个", "两个维护", ()),
        ("两个", "2个", ()),
        ("5点意见", "强调五点意见", ()),
        ("五点意见", "强调5点意见", ()),
        ("1名", "一名游客", ()),  # articles do supply 一 + measure word
        ("三十万人", "30万人", ()),
        ("40件", "已接到来电诉求40余件", ()),
        ("50余件", "已接到来电诉求40余件", ("50余件",)),
        # Codes.
        ("G20峰会", "G20杭州峰会", ()),
        ("G7峰会", "G20杭州峰会", ("G7",)),
        ("4G网络", "5G网络", ("4G",)),
        # Dates by parts.
        ("7月25日", "7月25日，会议召开", ()),
        ("25日", "7月25日，会议召开", ()),
        ("7月", "7月25日，会议召开", ()),
        ("7月26日", "7月25日，会议召开", ("7月26日",)),
        ("26日", "7月25日，会议召开", ("26日",)),
        ("8月", "7月25日，会议召开", ("8月",)),
        ("7月25号", "7月25日，会议召开", ()),
        ("2024年7月25日", "7月25日，会议召开", ("2024年7月25日",)),
        ("2024年7月25日", "2024年工作要点。7月25日，会议召开", ()),
        ("2023年7月25日", "2024年工作要点。7月25日，会议召开", ("2023年7月25日",)),
        ("2024年7月25日", "2024-07-25", ()),
        ("2024-07-25", "2024年7月25日", ()),
        ("2024年7月25日", "二〇二四年七月二十五日", ()),
        ("7月27日", "7月25日至27日举办", ()),
        ("7月26日", "7月25日，开幕。26日，闭幕", ()),
        ("2023年", "2023—2025年", ()),
        ("2025年", "2023—2025年", ()),
        ("2024年", "2023—2025年", ("2024年",)),  # inside the span, but never stated
        ("2026年", "2023—2025年", ("2026年",)),
        ("2024年", "2024版", ()),
        ("1500年", "1500人参加", ("1500年",)),
        ("2024", "2024年", ()),
        ("今天上午召开", "7月25日召开", ()),
        # Percentages only by percentages.
        ("12.5%", "增长12.5%", ()),
        ("12.5%", "增长百分之十二点五", ()),
        ("百分之十二点五", "增长12.5%", ()),
        ("30%", "三成以上", ()),
        ("13%", "增长12.5%", ("13%",)),
        ("12.5%", "增长12.5个百分点", ("12.5%",)),
        ("12.5", "增长12.5%", ("12.5",)),
        # Quotes verbatim, whatever the marks; spaces and ASCII punctuation aside.
        ("“三送三进”", "入企服务“三送三进”", ()),
        ("《三送三进》", "入企服务“三送三进”", ()),
        ("“三送四进”", "入企服务“三送三进”", ("“三送四进”",)),
        ("“三送”", "入企服务“三送三进”", ()),
        ("“情系职工清凉一夏”", "“情系职工 清凉一夏”", ()),
        ("“情系职工 清凉一夏”", "“情系职工清凉一夏”", ()),
        ("“人人可为,事事可为”", "“人人可为，事事可为”", ()),
        ("《人民日报》", "据人民日报报道", ()),
        ("《新华日报》", "据人民日报报道", ("《新华日报》",)),
        ("“张三”", "据人民日报报道", ("“张三”",)),
        # Normalisation applies to the output as to the article.
        ("２０２４年７月２５日", "2024年7月25日", ()),
        ("2024 年 7 月", "2024年7月25日", ()),
        # Deduplicated, in output order.
        ("2025年，“张三”说，2025年", "2024年", ("2025年", "“张三”")),
    ],
)
def test_support(output: str, article: str, unsupported: tuple[str, ...]) -> None:
    assert _unsupported(output, article) == unsupported


# --- the sample page ---------------------------------------------------------------------------------

# (article index in the page, output, unsupported facts)
SAMPLE_CASES = [
    # Article 5: the work conference of 7月31日.
    (4, "交城县召开2025年上半年经济工作会议", ("2025年",)),
    (4, "交城县上半年经济工作会议7月31日召开", ()),
    (4, "交城县上半年经济工作会议7月30日召开", ("7月30日",)),
    (4, "31日，交城县召开上半年经济工作会议", ()),
    (4, "刘旋就做好下半年经济工作强调五点意见", ()),
    (4, "刘旋就做好下半年经济工作强调5点意见", ()),
    (4, "刘旋就做好下半年经济工作强调六点意见", ("六点",)),
    (4, "会议深入学习贯彻党的二十届三中全会精神", ()),
    (4, "会议深入学习贯彻党的二十届六中全会精神", ("六中全会",)),
    # Values compare, whatever they count: the article's 四个方面 supports 四中全会. A known limit.
    (4, "会议深入学习贯彻党的二十届四中全会精神", ()),
    (4, "会议深入学习贯彻党的二十一届三中全会精神", ("二十一届",)),
    (4, "会议对2023年度目标责任考核先进单位进行通报表彰", ()),
    (4, "会议对2022年度目标责任考核先进单位进行通报表彰", ("2022年度",)),
    (4, "全县发展成效主要体现在五个方面", ()),
    (4, "积极破解基层治理“小马拉大车”突出问题", ()),
    (4, "积极破解基层治理《小马拉大车》突出问题", ()),
    (4, "积极破解基层治理“小马拉小车”突出问题", ("“小马拉小车”",)),
    (4, "严格落实领导带班和24小时值班制度", ()),
    (4, "扎实开展安全生产治本攻坚三年行动", ()),
    (4, "扎实开展安全生产治本攻坚十年行动", ("十年",)),
    (4, "全县经济增长12.5%", ("12.5%",)),
    # Article 1: the summer campaign of the trade union.
    (0, "交城县总工会开展“三送三进”送清凉慰问活动", ()),
    (0, "交城县总工会开展“三送四进”送清凉慰问活动", ("“三送四进”",)),
    (0, "交城县总工会2024年“情系职工清凉一夏”活动启动", ()),
    (0, "为全县八个乡镇和13户重点企业代表发放慰问品", ()),
    (0, "为全县八个乡镇和14户重点企业代表发放慰问品", ("14户",)),
    (0, "为全县九个乡镇和13户重点企业代表发放慰问品", ("九个",)),
    (0, "交城县总工会在高温酷暑下为坚守一线的基层工作者送去关怀", ()),
    # Article 2: the meeting of 7月25日.
    (1, "7月25日，交城县召开巩固衔接评估反馈问题整改工作会议", ()),
    (1, "2024年7月25日，交城县召开巩固衔接评估反馈问题整改工作会议", ("2024年7月25日",)),
    (1, "县长刘大鹏主持会议并提出三点要求", ()),
    (1, "县长刘大鹏主持会议并提出3点要求", ()),
    (1, "县长刘大鹏主持会议并提出四点要求", ("四点",)),
    # Article 3: tourism services in 庞泉沟镇 (no date at all).
    (2, "交城县庞泉沟镇用暖心服务打造优质文旅生态圈", ()),
    (2, "庞泉沟镇设置专岗24小时接听热线，已接到诉求40余件", ()),
    (2, "庞泉沟镇联合10余个部门，提供暖心服务60余次", ()),
    (2, "庞泉沟镇联合20余个部门，提供暖心服务60余次", ("20余个",)),
    (2, "7月以来庞泉沟镇已接到诉求40余件", ("7月",)),
    # Article 4: fire-safety training of 7月29日.
    (3, "7月29日，交城县融媒体中心开展消防安全知识培训", ()),
    (3, "7月28日，交城县融媒体中心开展消防安全知识培训", ("7月28日",)),
    (3, "做到防患于未“燃”", ()),
]


@pytest.mark.parametrize(("index", "output", "unsupported"), SAMPLE_CASES)
def test_sample_outputs(
    articles: list[Article], index: int, output: str, unsupported: tuple[str, ...]
) -> None:
    assert _unsupported(output, articles[index].text) == unsupported


def test_printed_headline_supports_what_the_body_leaves_out(articles: list[Article]) -> None:
    article = articles[4]
    assert article.page_headline == "交城县2024年上半年经济工作会议召开"
    # The body never says 2024; the headline printed above it does.
    assert not ArticleFacts.from_article(article.text).supports(article.page_headline).ok
    facts = ArticleFacts.from_article(article.text, article.page_headline, *article.captions)
    assert facts.supports(article.page_headline).ok


def test_every_fact_of_an_article_is_supported_by_it(articles: list[Article]) -> None:
    for article in articles:
        facts = ArticleFacts.from_article(article.text)
        extracted = extract_facts(article.text)
        for fact in extracted:
            assert facts.supports_fact(fact), (article.index, fact)
            # Written on its own, as a model would copy it.
            assert facts.supports(fact.text).ok, (article.index, fact)
    assert sum(len(extract_facts(a.text)) for a in articles) > 40


def test_the_articles_own_sentences_and_clauses_pass(articles: list[Article]) -> None:
    # An extractive summary is made of these: the guard must never reject the article's own words.
    for article in articles:
        facts = ArticleFacts.from_article(article.text)
        pieces = [p for p in re.split(r"[，。；：！？、\n]", article.text) if p]
        pieces += [s for s in re.split(r"(?<=[。！？])", article.text) if s]
        for piece in pieces:
            verdict = facts.supports(piece)
            assert verdict.ok, (article.index, piece, verdict.unsupported)


def test_an_article_does_not_support_the_others_facts(articles: list[Article]) -> None:
    # The dated articles reject each other's dates: the guard has teeth on real text.
    dated = {1: "7月25日", 3: "7月29日", 4: "7月31日"}
    for index, date in dated.items():
        for other in dated:
            verdict = check(date, articles[other].text)
            assert verdict.ok == (other == index), (date, other)


# --- the verdict ---------------------------------------------------------------------------------------


def test_verdict_and_label() -> None:
    verdict = check("交城县召开2025年会议，“张三”出席", "交城县召开2024年会议")
    assert verdict == GuardVerdict(ok=False, unsupported=("2025年", "“张三”"))
    assert verdict.label() == "unsupported: 2025年, “张三”"
    assert check("交城县召开会议", "交城县召开2024年会议") == GuardVerdict(ok=True, unsupported=())
    assert check("交城县召开会议", "交城县召开2024年会议").label() == "ok"


def test_label_stays_short() -> None:
    output = "，".join(f"{n}人" for n in range(101, 109)) + "，“" + "很长的引语" * 10 + "”"
    label = check(output, "").label()
    assert label == "unsupported: 101人, 102人, 103人, 104人, 105人 (+4)"
    long_quote = check("“" + "很长的引语" * 10 + "”", "").label()
    assert len(long_quote) < 50 and long_quote.endswith("…")


def test_article_facts_check_several_candidates_like_check(articles: list[Article]) -> None:
    article = articles[4].text
    facts = ArticleFacts.from_article(article)
    for _, output, _ in SAMPLE_CASES:
        assert facts.supports(output) == check(output, article)


def test_speed(articles: list[Article]) -> None:
    # check() runs for every candidate: well under a millisecond for a summary against an article.
    article = "\n".join(a.text for a in articles)[:2000]
    output = (
        "7月31日，交城县上半年经济工作会议召开，会议深入学习贯彻党的二十届三中全会精神，对2023年度目标"
        "责任考核先进单位进行表彰。刘旋强调五点意见，要破解“小马拉大车”问题，2025年目标增长12.5%。"
    )[:120]
    rounds = 200
    start = time.perf_counter()
    for _ in range(rounds):
        check(output, article)
    per_check = (time.perf_counter() - start) / rounds
    facts = ArticleFacts.from_article(article)
    start = time.perf_counter()
    for _ in range(rounds):
        facts.supports(output)
    per_candidate = (time.perf_counter() - start) / rounds
    # Measured at about 0.2 ms and 0.05 ms; the bounds leave room for slow CI machines.
    assert per_check < 0.003
    assert per_candidate < 0.001
