from __future__ import annotations

import pytest

from digest.ingest.clean import Line, clean_line, join_paragraphs, prepare_lines


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("本报讯 7月 25日，交城县", "本报讯7月25日，交城县"),
        ("会议通报了 2023 年全县目标", "会议通报了2023年全县目标"),
        ("已接到来电诉求 40 余件，", "已接到来电诉求40余件，"),
        ("“情系职工 清凉一夏”", "“情系职工 清凉一夏”"),  # a space between two words stays
        ("增长１２．５％，ＧＤＰ", "增长12.5%，GDP"),  # full-width digits and letters, not punctuation
        ("⼀要扛牢责任⾏动", "一要扛牢责任行动"),  # Kangxi radicals U+2F00, U+2F8F
        (
            "庞泉沟镇联合相关部门开展专项检查庞泉沟镇联合相关部门开展专项检查",
            "庞泉沟镇联合相关部门开展专项检查",
        ),
        ("图为检查现场 图为检查现场", "图为检查现场"),
        ("表彰企业负责人。 （文/司瑞东）", "表彰企业负责人。（文/司瑞东）"),
        ("零\u200b宽\u3000空格", "零宽 空格"),
    ],
)
def test_clean_line(raw: str, clean: str) -> None:
    assert clean_line(raw) == clean


def test_short_repeated_text_is_not_undoubled() -> None:
    assert clean_line("哈哈") == "哈哈"


def test_blank_line_after_every_line_is_noise_but_a_rare_blank_is_a_break() -> None:
    noisy = ["第一行文字", "", "第二行。", "", "第三行"]
    assert [line.blank_before for line in prepare_lines(noisy)] == [False, False, False]
    sparse = ["第一行文字", "第二行。", "", "第三行", "第四行"]
    assert [line.blank_before for line in prepare_lines(sparse)] == [False, False, True, False]


def test_join_breaks_only_after_a_sentence_end() -> None:
    lines = [
        Line("一二三四五六七八九十一二三四五六七八九"),
        Line("十。"),
        Line("一二三四五六七八九十一二三四五六七八九"),
        Line("十一二三"),
    ]
    assert join_paragraphs(lines) == [
        "一二三四五六七八九十一二三四五六七八九十。",
        "一二三四五六七八九十一二三四五六七八九十一二三",
    ]


def test_first_line_that_lost_its_indent_starts_a_paragraph() -> None:
    full = "一二三四五六七八九十一二三四五六七八九十"
    lines = [Line(full), Line(full[:-1] + "。"), Line(full[:-2]), Line(full), Line("结束。")]
    assert join_paragraphs(lines) == [full + full[:-1] + "。", full[:-2] + full + "结束。"]


def test_latin_words_split_across_lines_keep_a_space() -> None:
    assert join_paragraphs([Line("他用 Open"), Line("Source 软件")]) == ["他用 Open Source 软件"]
