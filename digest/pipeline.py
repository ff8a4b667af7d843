"""Orchestration only: bytes → page → articles → summaries, one bad article never sinking the page."""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from collections.abc import Sequence

from digest.ingest.extract import extract
from digest.ingest.segment import segment
from digest.models import (
    Article,
    ArticleError,
    PageDigest,
    RawInput,
    SummarisedArticle,
    Summary,
)
from digest.summarise.base import Summariser

log = logging.getLogger(__name__)


def digest_page(
    raw: RawInput,
    summariser: Summariser,
    *,
    single_article: bool = False,
    issue_date: dt.date | None = None,
) -> PageDigest:
    """Extract, segment and summarise one input. Input errors raise; article errors are collected."""
    page = extract(raw)
    if single_article:
        page = dataclasses.replace(page, single_article=True)
    if issue_date is not None:
        page = dataclasses.replace(page, issue_date=issue_date)
    articles = segment(page)
    summaries, errors = summarise_isolated(summariser, articles)
    done = tuple(
        SummarisedArticle(article, summary)
        for article, summary in zip(articles, summaries, strict=True)
        if summary is not None
    )
    return PageDigest(source=raw.source, articles=done, errors=tuple(errors))


def summarise_isolated(
    summariser: Summariser, articles: Sequence[Article]
) -> tuple[list[Summary | None], list[ArticleError]]:
    """Summarise in one batch; if the batch fails, retry one by one so only the bad articles are lost."""
    try:
        batch: list[Summary | None] = list(summariser.summarise(articles))
        if len(batch) != len(articles):
            raise RuntimeError(
                f"{summariser.name} returned {len(batch)} summaries for {len(articles)} articles"
            )
        return batch, []
    except Exception:
        log.warning("batch summarisation failed; retrying article by article", exc_info=True)
    summaries: list[Summary | None] = []
    errors: list[ArticleError] = []
    for article in articles:
        try:
            summaries.append(summariser.summarise([article])[0])
        except Exception as exc:  # one article's failure is reported, never fatal to the page
            log.debug("article %d failed", article.index, exc_info=True)
            summaries.append(None)
            errors.append(ArticleError(article.index, "summarise", f"{type(exc).__name__}: {exc}"))
    return summaries, errors
