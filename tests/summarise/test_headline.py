"""The extractive headline names the event with its doer, fits, and is never cut in a phrase's middle:
the issue's examples and invented ones in other house styles."""

from __future__ import annotations

import pytest

from digest.models import Article
from digest.summarise.extractive import ExtractiveSummariser
from digest.summarise.headline import event_headline
from digest.summarise.sentences import split_sentences


def _headline(text: str, limit: int = 30) -> str:
    (summary,) = ExtractiveSummariser(headline_max_chars=limit).summarise(
        [Article(index=1, paragraphs=(text,))]
    )
    return summary.headline


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # The event, not the sentence after it.
        ("8月2日，交城县举办农民丰收节。活动吸引了3000余名群众参加。", "交城县举办农民丰收节"),
        # A purpose clause and a dateline come off; the doer stays.
        (
            "为进一步增强干部职工的消防安全意识，提高应急处置能力，7月29日，清河县融媒体中心开展了"
            "一场别开生面的消防安全知识培训。培训会上，讲师普及了火灾防范知识。",
            "清河县融媒体中心开展消防安全知识培训",
        ),
        # A nominalised event is said as a verb; a scene-setting opener is passed over.
        (
            "盛夏时节，骄阳似火。石岭镇总工会“情系职工 清凉一夏”送清凉慰问活动的开展，为坚守一线的"
            "基层工作者送去了丝丝凉意。",
            "石岭镇总工会开展“情系职工 清凉一夏”送清凉慰问活动",
        ),
        # A double name loses its second part rather than being cut with … before the verb.
        (
            "7月25日，清河县巩固衔接评估反馈问题整改暨全县农村人居环境整治工作会议召开。县委书记"
            "王建国出席会议并讲话。",
            "清河县巩固衔接评估反馈问题整改工作会议召开",
        ),
        # A place phrase before the verb goes only when the headline is too long without it.
        ("近日，柳林乡在南湾村开展秸秆禁烧宣传。", "柳林乡在南湾村开展秸秆禁烧宣传"),
        # An accident: the event verb is 发生.
        ("9月3日凌晨，清河县城南路发生一起交通事故，所幸无人员伤亡。", "清河县城南路发生一起交通事故"),
    ],
)
def test_the_headline_is_the_event_with_its_doer(text: str, expected: str) -> None:
    assert _headline(text) == expected


def test_a_headline_too_long_drops_what_an_editor_drops_and_never_ends_in_an_ellipsis() -> None:
    text = (
        "近日，清河县人力资源和社会保障局在县文化广场隆重举办2024年“春风行动暨就业援助月”"
        "专场招聘会，共有86家企业参加。"
    )
    headline = _headline(text, limit=20)
    assert len(headline) <= 20 and not headline.endswith("…")
    assert "举办" in headline and headline.startswith("清河县")


def test_no_event_in_the_lead_leaves_the_headline_to_the_older_method() -> None:
    sentences = split_sentences("秋天的南湾村，稻浪翻滚。老支书李秀梅站在田埂上，望着一年的收成笑了。")
    assert event_headline(sentences, 30) is None
    assert _headline("秋天的南湾村，稻浪翻滚。老支书李秀梅站在田埂上，望着一年的收成笑了。")


def test_every_character_of_the_headline_is_the_articles() -> None:
    text = "为进一步优化营商环境，近日，石岭镇召开2024年度重点项目推进会，研究部署下一阶段工作。"
    headline = _headline(text)
    assert set(headline) <= set(text)
