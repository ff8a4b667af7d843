"""A text far longer than any page is segmented part by part with the same articles as whole, nothing
lost at a cut (the parts are made small here, so the tests stay fast)."""

from __future__ import annotations

import pytest

from digest.ingest import long_text
from digest.ingest.long_text import cuts, segment_long
from digest.ingest.segment import SegmentedPage, segment_page
from digest.models import DocumentKind, PageText
from digest.shipped import SAMPLE_PAGE

SAMPLE = SAMPLE_PAGE


@pytest.fixture(autouse=True)
def small_parts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(long_text, "PART_LINES", 700)
    monkeypatch.setattr(long_text, "_LOOK_BACK", 150)


def _page(lines: list[str]) -> PageText:
    return PageText("long.txt", DocumentKind.TEXT, tuple(lines))


def _shown(found: SegmentedPage) -> str:
    """Everything segmentation kept of a page, as one string without spaces."""
    kept: list[str] = []
    for a in found.articles:
        kept += [a.text, a.page_headline or "", a.kicker or "", a.subhead or "", a.lead or "", a.origin or ""]
        kept += [*a.captions, *a.writers, *a.photographers]
    for field in ("header", "editors", "columns", "other", "unplaced"):
        kept += getattr(found.page, field)
    return "\n".join(kept).replace(" ", "")


def _kept_lines(lines: list[str], found: SegmentedPage) -> set[int]:
    shown = _shown(found)
    return {i for i, line in enumerate(lines) if line.strip() and line.strip().replace(" ", "") in shown}


def test_many_pages_in_one_text_keep_what_they_keep_whole() -> None:
    sample = SAMPLE.read_text(encoding="utf-8").splitlines()
    lines = [line for copy in range(8) for line in [f"交城报 第{copy}期", *sample, ""]]
    whole = segment_page(_page(lines))
    parts = segment_long(_page(lines))
    assert len(cuts(lines)) > 3
    # Every line whole segmentation keeps (in an article or the page's matter) is kept by the parts.
    assert _kept_lines(lines, parts) == _kept_lines(lines, whole)
    assert len(parts.articles) == len(whole.articles)
    assert [a.index for a in parts.articles] == list(range(1, len(whole.articles) + 1))
    numbers = [row.number for row in parts.lines]
    assert numbers == sorted(numbers) and set(numbers) <= set(range(1, len(lines) + 1))


def test_an_article_longer_than_a_part_stays_one_article() -> None:
    body = [f"清河县第{i}号工作组今天下乡走访了农户，了解秋收进展。" for i in range(400)]
    lines = ["本报讯 清河县组织工作组下乡。", *body, "（记者 王建国）"]
    found = segment_long(_page(lines))
    assert len(found.articles) == 1
    text = found.articles[0].text
    assert text.startswith("清河县组织工作组下乡") and "第399号工作组" in text and "第0号工作组" in text
    assert all(f"第{i}号工作组" in text for i in range(400))  # nothing lost at the cuts


def test_cuts_cover_every_line_once_and_prefer_an_article_start() -> None:
    lines = [f"清河县新闻正文第{i}行，内容继续。" for i in range(2000)]
    lines[600] = "本报讯 石岭镇召开会议。"
    lines[1250] = ""
    parts = cuts(lines)
    assert parts[0] == (0, 600)  # before the lead, within the look-back of the full part (700)
    assert parts[1] == (600, 1251)  # no lead near 1300: after the blank line
    assert [start for start, _ in parts[1:]] == [end for _, end in parts[:-1]] and parts[-1][1] == 2000
