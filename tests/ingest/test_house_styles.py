"""A paper's house style from [[papers]] in the config: its own leads, byline marks and furniture."""

from __future__ import annotations

from pathlib import Path

import pytest

from digest.config import load
from digest.errors import ConfigError
from digest.ingest.house_styles import PaperSettings, house_styles, style_for
from digest.ingest.segment import segment_page
from digest.models import DocumentKind, PageText

PAGE = """交城融媒出品 版权所有
交城融媒讯 近日，交城县开展秋季农田水利建设，完成渠道清淤十二公里。
◇融媒记者 王建国
交城融媒讯 国庆期间，交城县各景区接待游客八万人次，实现旅游收入一千万元。
◇融媒记者 李秀梅""".splitlines()


def test_house_leads_bylines_and_furniture_are_used() -> None:
    plain = segment_page(PageText("p", DocumentKind.TEXT, tuple(PAGE)))
    # Without the style the house lead is body text and the byline lines are no bylines.
    assert all(a.lead is None and not a.writers for a in plain.articles)
    paper = PaperSettings(
        name="交城融媒", leads=["^交城融媒讯"], bylines=["^◇融媒记者"], furniture=["交城融媒出品 版权所有"]
    )
    found = segment_page(
        PageText("p", DocumentKind.TEXT, tuple(PAGE)), style_for(house_styles([paper]), "交城融媒")
    )
    first, second = found.articles
    assert first.lead == "交城融媒讯" and first.text.startswith("近日，交城县")
    assert second.text.startswith("国庆期间") and second.writers == ("李秀梅",)
    assert first.writers == ("王建国",)
    assert found.page.other == ("交城融媒出品 版权所有",)


def test_a_bad_pattern_is_a_config_error(tmp_path: Path) -> None:
    config = tmp_path / "digest.toml"
    config.write_text('[[papers]]\nname = "某报"\nleads = ["(未闭合"]\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"papers\.0\.leads.*not a regular expression"):
        load(config, environ={})


def test_an_unknown_paper_gets_the_common_conventions() -> None:
    assert style_for({}, "无名报") == style_for({}, None)
