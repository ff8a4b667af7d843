"""Segmentation against the development pages: every article, byline, head and caption right."""

from __future__ import annotations

from pathlib import Path

import pytest

from digest.ingest.segment import segment_page
from tests.ingest.dev_pages import ALL_PAGES, PAGES, Score, boundaries, differences, golden, page_text


def test_there_are_at_least_fifteen_development_pages() -> None:
    assert len(PAGES) >= 15


@pytest.mark.parametrize("path", ALL_PAGES, ids=lambda p: p.stem)
def test_page_matches_its_golden_file(path: Path) -> None:
    found = segment_page(page_text(path))
    problems = list(differences(found, golden(path)))
    assert problems == [], "\n".join(problems)
    assert len(found.articles) == len(golden(path)["articles"])


def test_article_boundary_f1_over_the_development_set() -> None:
    total = Score()
    for path in ALL_PAGES:
        score = boundaries(segment_page(page_text(path)).articles, golden(path)["articles"])
        total = Score(total.found + score.found, total.expected + score.expected, total.right + score.right)
    assert total.f1 >= 0.98, total


@pytest.mark.parametrize("path", ALL_PAGES, ids=lambda p: p.stem)
def test_every_line_is_explained_once(path: Path) -> None:
    page = page_text(path)
    found = segment_page(page)
    numbers = [line.number for line in found.lines]
    printed = [n for n, raw in enumerate(page.lines, start=1) if raw.strip()]
    assert sorted(set(numbers)) == printed  # every printed line shows up in --explain
    assert all(line.label != "unplaced" for line in found.lines)
