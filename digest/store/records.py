"""What the store hands back: frozen rows, never live database objects."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from digest.models import Article, Summary


class IngestOutcome(StrEnum):
    NEW = "new"
    UNCHANGED = "unchanged"  # the same bytes are already stored (here or elsewhere in the same paper)
    REPLACED = "replaced"  # the document changed: the old version and its summaries are retired


@dataclass(frozen=True, slots=True)
class StoredArticle:
    id: int
    issue_id: int
    paper: str
    issue_date: dt.date | None
    link: str | None
    article: Article


@dataclass(frozen=True, slots=True)
class StoredSummary:
    """A current article of a day with its current summary (None while it has none)."""

    article_id: int
    issue_id: int
    paper: str
    issue_date: dt.date | None
    edition: str
    link: str | None
    article: Article
    summary: Summary | None


@dataclass(frozen=True, slots=True)
class SourceStatus:
    name: str
    kind: str
    paper: str
    last_poll_at: dt.datetime | None
    last_error: str | None
    issues: int  # current issues (not replaced by a newer version)


@dataclass(frozen=True, slots=True)
class StoreStatus:
    sources: tuple[SourceStatus, ...]
    issues: int  # current issues
    articles: int  # current articles
    pending: int  # current articles without a current summary
    summaries: int  # current summaries
