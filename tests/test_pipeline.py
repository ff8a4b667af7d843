"""One bad article never sinks a page."""

from __future__ import annotations

from collections.abc import Sequence

from digest.models import Article, RawInput, Summary
from digest.pipeline import digest_page
from digest.shipped import SAMPLE_PAGE
from digest.summarise.extractive import ExtractiveSummariser

SAMPLE = SAMPLE_PAGE


class FailsOnFireSafety:
    """The real extractive engine, except that it breaks on one article (as a model might)."""

    name = "flaky"

    def __init__(self) -> None:
        self.engine = ExtractiveSummariser()
        self.calls = 0

    def summarise(self, articles: Sequence[Article]) -> list[Summary]:
        self.calls += 1
        if any("消防救援大队" in a.text for a in articles):
            raise RuntimeError("model crashed")
        return self.engine.summarise(articles)


def test_failing_article_is_reported_and_the_others_are_summarised() -> None:
    raw = RawInput(str(SAMPLE), SAMPLE.read_bytes(), ".txt")
    summariser = FailsOnFireSafety()
    page = digest_page(raw, summariser)
    assert [item.article.index for item in page.articles] == [1, 2, 3, 5]
    assert len(page.errors) == 1
    error = page.errors[0]
    assert (error.index, error.stage) == (4, "summarise")
    assert "model crashed" in error.message
    assert summariser.calls == 1 + 5  # one batch, then one call per article


def test_single_flag_turns_the_whole_input_into_one_article() -> None:
    raw = RawInput("note.txt", "县里召开会议。会议要求落实责任。\n".encode(), ".txt")
    page = digest_page(raw, ExtractiveSummariser(), single_article=True)
    assert len(page.articles) == 1
    assert page.articles[0].article.text == "县里召开会议。会议要求落实责任。"
