"""What the store hands back: frozen rows, never live database objects."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Literal

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
class StoredIssue:
    """One stored issue (a document) with its articles in page order and their current summaries."""

    id: int
    source: str
    paper: str
    locator: str
    issue_date: dt.date | None
    edition: str
    link: str | None
    fetched_at: dt.datetime
    replaced_at: dt.datetime | None  # set when a changed version replaced it
    articles: tuple[StoredSummary, ...]


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
    # Current issues whose page has lines no article took: (source, locator, those lines), newest first.
    unplaced: tuple[tuple[str, str, tuple[str, ...]], ...] = ()


DeliveryState = Literal["pending", "sent", "failed"]


@dataclass(frozen=True, slots=True)
class SavedBriefing:
    """A briefing as saved: the day's (sequence 1) or a same-day supplement (2, 3, …)."""

    id: int
    sequence: int
    content: dict[str, Any]


@dataclass(frozen=True, slots=True)
class PlannedPart:
    """One part of a briefing as one channel will send it: planned once, sent as planned."""

    channel: str  # the channel's configured name
    part: int  # 1-based: the order the parts go out in on this channel
    idempotency_key: str  # unique in the whole log; the receiver's key for dropping a duplicate
    message: dict[str, Any]  # the rendered part: the fields of digest.notify.Message


@dataclass(frozen=True, slots=True)
class DeliveryRow:
    """One planned part of a briefing on one channel, and where its delivery stands."""

    id: int
    briefing_id: int
    subscriber: str
    day: dt.date
    channel: str
    part: int
    status: DeliveryState
    attempts: int  # sends so far (every outcome counts)
    last_error: str | None  # the reason of the last attempt that was not sent
    idempotency_key: str
    message: dict[str, Any] | None  # None only in rows planned before schema version 3
    next_attempt_at: dt.datetime | None  # when a pending part is due; None: at once
    updated_at: dt.datetime
