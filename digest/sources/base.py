"""The narrow interface every source implements, and what a poll returns."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Protocol

from digest.models import RawInput


@dataclass(frozen=True, slots=True)
class FetchedDocument:
    """One document a poll found: a page (many articles) or an article page (one article)."""

    source: str  # the source's name
    paper: str  # the newspaper's name, e.g. 交城报
    locator: str  # the file path or URL it came from; with ``source`` it identifies the document
    raw: RawInput
    issue_date: dt.date | None = None
    edition: str = ""  # page or edition label where the source knows one ("第02版")
    single_article: bool = False  # an article page: its whole body is one article
    link: str | None = None  # a URL a reader can open, when there is one


@dataclass(frozen=True, slots=True)
class PollResult:
    """What a poll found, what went wrong, and the state to keep for the next poll.

    ``state`` is JSON-serialisable (ETags, Last-Modified values, seen file sizes and times) and is
    stored with the source, so that a restart does not fetch everything again.
    """

    documents: tuple[FetchedDocument, ...] = ()
    # One line each, opening with the source's name, secrets masked; the poll as a whole still counts.
    errors: tuple[str, ...] = ()
    # Documents seen but deliberately left for the next poll (a file still being written): not errors.
    waiting: tuple[str, ...] = ()
    state: dict[str, Any] = field(default_factory=dict)
    # The poll's batch was full: more documents are ready now, and the caller polls again at once
    # (with this poll's state) instead of waiting for the next interval.
    more: bool = False


class Source(Protocol):
    name: str
    paper: str

    def poll(self, state: dict[str, Any], today: dt.date) -> PollResult:
        """Look for new or changed documents; ``today`` is the day in the source's time zone."""
        ...
