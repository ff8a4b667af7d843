"""The extractive engine: its output is made of the article's own words and respects the limits."""

from __future__ import annotations

import random
from collections.abc import Sequence

import jieba
import jieba.posseg
import pytest

from digest.ingest.segment import segment
from digest.models import Article, DocumentKind, PageText
from digest.shipped import SAMPLE_PAGE
from digest.summarise import extractive
from digest.summarise.extractive import ExtractiveSummariser, textrank
from digest.summarise.sentences import cut_words, split_sentences, tag_words

SAMPLE = SAMPLE_PAGE


@pytest.fixture(scope="module")
def articles() -> list[Article]:
    lines = tuple(SAMPLE.read_text(encoding="utf-8").splitlines())
    return segment(PageText("sample", DocumentKind.TEXT, lines))


def test_one_summary_per_article_in_order(articles: list[Article]) -> None:
    summaries = ExtractiveSummariser().summarise(articles)
    assert len(summaries) == len(articles)
    for article, summary in zip(articles, summaries, strict=True):
        assert summary.engine == "extractive"
        # Each summary opens with the article's own lead.
        assert summary.summary.startswith(split_sentences(article.text)[0][:10])


@pytest.mark.parametrize(("headline_max", "summary_max"), [(30, 120), (12, 40), (20, 60)])
def test_limits_hold_and_cuts_are_marked(
    articles: list[Article], headline_max: int, summary_max: int
) -> None:
    engine = ExtractiveSummariser(headline_max_chars=headline_max, summary_max_chars=summary_max)
    for article, summary in zip(articles, engine.summarise(articles), strict=True):
        assert 0 < len(summary.headline) <= headline_max
        assert 0 < len(summary.summary) <= summary_max
        # Made of whole sentences, or marked as cut.
        assert summary.summary.endswith(("。", "！", "？", "”", "…")), summary.summary
        pieces = summary.summary.rstrip("…")
        for sentence in split_sentences(pieces):
            assert sentence.rstrip("…") in article.text.replace("\n", "")


def test_printed_headline_is_used_when_it_fits(articles: list[Article]) -> None:
    summaries = ExtractiveSummariser().summarise(articles)
    assert summaries[2].headline == "交城县庞泉沟镇用暖心服务打造优质文旅生态圈"
    assert summaries[4].headline == "交城县2024年上半年经济工作会议召开"


def test_generated_headline_comes_from_the_lead_without_its_date(articles: list[Article]) -> None:
    headline = ExtractiveSummariser().summarise(articles)[1].headline
    assert headline.startswith("交城县巩固衔接评估反馈问题整改")
    assert not headline.startswith("7月25日")


def test_scene_setting_opening_is_followed_by_the_news(articles: list[Article]) -> None:
    summary = ExtractiveSummariser().summarise(articles)[0].summary
    assert summary.startswith("盛夏时节，骄阳似火。交城县总工会")


def test_empty_and_one_sentence_articles() -> None:
    engine = ExtractiveSummariser()
    short = Article(index=1, paragraphs=("县里召开会议。",))
    (summary,) = engine.summarise([short])
    assert summary.summary == "县里召开会议。"
    assert summary.headline == "县里召开会议"
    assert engine.summarise([]) == []


def test_textrank_prefers_the_sentence_others_echo() -> None:
    words = [["会议", "召开"], ["会议", "经济", "项目"], ["天气", "晴朗"], ["经济", "项目", "会议"]]
    scores = textrank(words)
    assert scores.index(min(scores)) == 2


def test_bad_limits_are_refused() -> None:
    with pytest.raises(ValueError, match="headline_max_chars"):
        ExtractiveSummariser(headline_max_chars=2)


def test_a_huge_article_whose_sentences_all_share_a_word_is_ranked_in_bounded_work(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Every sentence shares 清河县: a full sentence graph would have 10,000² / 2 edges.
    text = "".join(f"清河县第{i}号工作组今天下乡走访了{i % 97}户农民。" for i in range(10_000))
    ranked: list[int] = []
    real = extractive.textrank

    def spy(words: Sequence[Sequence[str]]) -> list[float]:
        ranked.append(len(words))
        return real(words)

    monkeypatch.setattr(extractive, "textrank", spy)
    (summary,) = ExtractiveSummariser().summarise([Article(index=0, paragraphs=(text,))])
    assert ranked == [extractive.MAX_RANKED_SENTENCES]
    assert summary.summary.startswith("清河县第0号工作组今天下乡走访了0户农民。")
    assert len(summary.summary) <= 120 and summary.headline


def test_a_summary_keeps_who_spoke_and_no_sentence_that_leans_on_another() -> None:
    text = (
        "9月12日，清河县召开秋季森林防火工作会议。"
        "县长李秀梅出席会议并讲话，县森林防火指挥部通报了当前火险形势。"
        "要压紧压实各级责任，加强巡山护林和野外火源管控，确保不发生重大森林火灾。"
        "同时，各乡镇要加强防火宣传，做到家喻户晓。"
        "守牢底线，护好青山。"
    )
    (summary,) = ExtractiveSummariser().summarise([Article(index=1, paragraphs=(text,))])
    assert summary.summary.startswith("9月12日，清河县召开秋季森林防火工作会议。")
    assert "县长李秀梅出席会议并讲话" in summary.summary  # the speaker, not her words without her
    assert "要压紧压实" not in summary.summary and "同时，" not in summary.summary
    assert "守牢底线" not in summary.summary  # a slogan is no fact


def _texts() -> list[str]:
    data = SAMPLE.parent
    texts = [SAMPLE.read_text(encoding="utf-8")]
    texts += [path.read_text(encoding="utf-8") for path in sorted((data / "pages").glob("*.txt"))]
    return texts + [s for text in texts for s in split_sentences(text)]


def test_words_and_tags_are_jiebas_own() -> None:
    # cut_words and tag_words are a faster jieba without its HMM: the same words and tags exactly,
    # on real pages and on text that mixes the characters its block rules treat apart.
    rng = random.Random(12)  # noqa: S311 (test data, not secrets)
    alphabet = "交城县召开会议刘旋指出要同时长江大桥abcXYZ019０１.%-_+#&\t \r\n，。“”年月日A股"
    texts = _texts() + ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40))) for _ in range(2000)]
    texts += ["COVID-19疫情", "增长5.2%", "3.5万元", "iPhone15发布", "ＡＢＣ１２３", ""]
    for text in texts:
        assert cut_words(text) == jieba.lcut(text, HMM=False), text
        assert tag_words(text) == [(p.word, p.flag) for p in jieba.posseg.lcut(text, HMM=False)], text
