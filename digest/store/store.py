"""The Store: every method is one transaction, so a crash between two calls leaves nothing half-done."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Collection, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, Concatenate, ParamSpec, TypeVar

import sqlalchemy as sa

from digest.models import Article, Summary
from digest.sources.base import FetchedDocument
from digest.store import db, queries, state_queries
from digest.store import deliveries as delivery_log
from digest.store.errors import StoreError, display_url, scrub
from digest.store.migrations import migrate
from digest.store.records import (
    DeliveryRow,
    IngestOutcome,
    PlannedPart,
    SavedBriefing,
    StoredArticle,
    StoredIssue,
    StoredSummary,
    StoreStatus,
)

if TYPE_CHECKING:
    from digest.notify.base import DeliveryResult

log = logging.getLogger(__name__)
P = ParamSpec("P")
T = TypeVar("T")


def open_store(url: str) -> Store:
    """Open (creating or upgrading as needed) the database at ``url``: ``sqlite:///PATH``, a plain
    path, or ``postgresql+psycopg://USER:PASSWORD@HOST/DATABASE``."""
    parsed = db.parse_url(url)
    engine = db.create_engine(parsed)
    try:
        version = migrate(engine, parsed)
    except (sa.exc.OperationalError, sa.exc.InterfaceError) as exc:
        engine.dispose()
        raise _unavailable("cannot open", parsed, exc) from None
    except BaseException:
        engine.dispose()
        raise
    log.info("opened %s (schema %d)", display_url(parsed), version)
    return Store(engine, parsed)


def _unavailable(action: str, url: sa.URL, exc: sa.exc.DBAPIError) -> StoreError:
    reason = str(exc.orig).strip().splitlines()[0] if exc.orig is not None else str(exc)
    return StoreError(f"{action} the database {display_url(url)}: {scrub(reason, url)}")


class Store:
    def __init__(self, engine: sa.Engine, url: sa.URL) -> None:
        self.engine = engine
        self.url = url

    @property
    def display_url(self) -> str:
        """The URL with its password masked: the only form that may be shown or logged."""
        return display_url(self.url)

    @property
    def backend(self) -> str:
        return self.engine.dialect.name

    @property
    def sqlite_path(self) -> Path | None:
        return db.sqlite_path(self.url)

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Store({self.display_url!r})"

    @contextmanager
    def _transaction(self, *, write: bool) -> Iterator[sa.Connection]:
        try:
            with db.transaction(self.engine, write=write) as conn:
                yield conn
        except (sa.exc.OperationalError, sa.exc.InterfaceError) as exc:
            raise _unavailable("cannot write to" if write else "cannot read", self.url, exc) from None

    def read(self, query: Callable[Concatenate[sa.Connection, P], T], *args: P.args, **kwargs: P.kwargs) -> T:
        """``query(conn, *args, **kwargs)`` in one read transaction: for the read-only query modules
        (reading.py, search.py) that serve one caller each, without a Store method apiece."""
        with self._transaction(write=False) as conn:
            return query(conn, *args, **kwargs)

    def record_document(
        self,
        doc: FetchedDocument,
        content_hash: str,
        articles: Sequence[Article],
        *,
        now: dt.datetime,
        page: dict[str, Any] | None = None,
    ) -> tuple[IngestOutcome, int]:
        """Store a fetched document, its articles and its page matter; return what happened and the
        issue's id."""
        for attempt in range(2):
            try:
                with self._transaction(write=True) as conn:
                    return queries.record_document(conn, doc, content_hash, articles, now, page=page)
            except sa.exc.IntegrityError:
                # PostgreSQL: another process stored the same document between our read and our
                # insert. Once more, and this time we see its row.
                if attempt:
                    raise
        raise AssertionError("unreachable")

    def recurring_lines(
        self, paper: str, *, last: int = 10, min_issues: int = 3, share: float = 0.6
    ) -> list[str]:
        """Lines outside the articles that recur on most of the paper's latest pages (at least
        ``min_issues`` of them and ``share`` of the last ``last``): its own page furniture."""
        with self._transaction(write=False) as conn:
            return state_queries.recurring_lines(conn, paper, last=last, min_issues=min_issues, share=share)

    def pending_articles(self, limit: int) -> list[StoredArticle]:
        """Current articles without a current summary, oldest first."""
        with self._transaction(write=False) as conn:
            return queries.pending_articles(conn, limit)

    @contextmanager
    def claimed_pending(
        self, limit: int, skip: Collection[int] = ()
    ) -> Iterator[tuple[list[StoredArticle], Callable[..., None]]]:
        """A batch of pending articles held for the block (see queries.claim_pending) and the function
        that saves their summaries in the same transaction: commit releases them summarised, a crash
        releases them pending. ``skip``: articles this caller failed on already."""
        with self._transaction(write=True) as conn:

            def save(items: Sequence[tuple[int, Summary]], *, now: dt.datetime) -> None:
                queries.save_summaries(conn, items, now)

            yield queries.claim_pending(conn, limit, skip), save

    def save_summaries(self, items: Sequence[tuple[int, Summary]], *, now: dt.datetime) -> None:
        """Save summaries by article id; an article that has a current summary or is no longer current
        is skipped, so two runs that summarised the same article do not both save."""
        with self._transaction(write=True) as conn:
            queries.save_summaries(conn, items, now)

    def articles_for_day(
        self,
        day: dt.date,
        papers: Sequence[str] | None = None,
        *,
        tz: dt.tzinfo = dt.UTC,
        look_back: int = 0,
        not_briefed_to: str | None = None,
    ) -> list[StoredSummary]:
        """Current articles of ``day`` and the ``look_back`` days before it (by the issue's date, or
        the day it was fetched in ``tz``), less those briefed to ``not_briefed_to`` already, with
        their current summaries, by paper, issue and position on the page."""
        with self._transaction(write=False) as conn:
            return queries.articles_for_day(
                conn, day, papers, tz, look_back=look_back, not_briefed_to=not_briefed_to
            )

    def briefed_texts(self, subscriber: str, since: dt.date) -> list[str]:
        """The texts of the articles briefed to ``subscriber`` in briefings of ``since`` or later
        (to tell a story printed again from one they have not read)."""
        with self._transaction(write=False) as conn:
            return queries.briefed_texts(conn, subscriber, since)

    def current_issue_with_bytes(self, paper: str, content_hash: str) -> int | None:
        """The id of the current issue of ``paper`` whose document has these bytes (the one
        record_document matches a copy against); None when there is none."""
        with self._transaction(write=False) as conn:
            return queries.current_issue_with_bytes(conn, paper, content_hash)

    def issue(self, issue_id: int) -> StoredIssue | None:
        """One issue with its articles (a replaced issue: its superseded articles) and their current
        summaries; None for an unknown id."""
        with self._transaction(write=False) as conn:
            return queries.issue(conn, issue_id)

    def source_state(self, name: str) -> dict[str, Any]:
        """The poll state saved for a source; empty for a source never polled."""
        with self._transaction(write=False) as conn:
            return state_queries.source_state(conn, name)

    def save_source_state(
        self,
        name: str,
        kind: str,
        paper: str,
        state: dict[str, Any],
        *,
        polled_at: dt.datetime,
        error: str | None,
    ) -> None:
        with self._transaction(write=True) as conn:
            state_queries.save_source_state(
                conn, name, kind=kind, paper=paper, state=state, polled_at=polled_at, error=error
            )

    def status(self) -> StoreStatus:
        with self._transaction(write=False) as conn:
            return state_queries.status(conn)

    # --- briefings and their delivery log (see deliveries.py) ------------------------------------

    def save_briefing(
        self,
        subscriber: str,
        day: dt.date,
        content: dict[str, Any],
        *,
        now: dt.datetime,
        article_ids: Sequence[int] = (),
        sequence: int = 1,
    ) -> tuple[int, bool]:
        """Save the briefing of ``subscriber`` for ``day`` (``sequence`` 2, 3, …: a same-day
        supplement), and in the same transaction record its articles as briefed to them; return its
        id and whether it is new. Each is composed once: when it is already saved, it stays as it
        is and nothing more is recorded."""
        with self._transaction(write=True) as conn:
            return delivery_log.save_briefing(
                conn, subscriber, day, content, now, article_ids=article_ids, sequence=sequence
            )

    def briefing_of(self, subscriber: str, day: dt.date) -> tuple[int, dict[str, Any]] | None:
        """The id and content of ``subscriber``'s saved briefing of ``day``; None when there is none."""
        saved = self.briefings_of_day(subscriber, day)
        return (saved[0].id, saved[0].content) if saved and saved[0].sequence == 1 else None

    def briefings_of_day(self, subscriber: str, day: dt.date) -> list[SavedBriefing]:
        """``subscriber``'s saved briefings of ``day``: the day's own, then its supplements."""
        with self._transaction(write=False) as conn:
            return delivery_log.briefings_of_day(conn, subscriber, day)

    def briefing_content(self, briefing_id: int) -> dict[str, Any] | None:
        """The content saved with a briefing; None for an unknown id."""
        with self._transaction(write=False) as conn:
            return delivery_log.briefing_content(conn, briefing_id)

    def plan_deliveries(self, briefing_id: int, parts: Sequence[PlannedPart], *, now: dt.datetime) -> int:
        """Add the parts to the delivery log as pending, due now; return how many were added. A channel
        already planned for this briefing gets nothing new, so planning again is harmless."""
        with self._transaction(write=True) as conn:
            return delivery_log.plan_deliveries(conn, briefing_id, parts, now)

    def due_deliveries(
        self,
        now: dt.datetime,
        limit: int,
        subscribers: Collection[str] | None = None,
        channels: Collection[str] | None = None,
    ) -> list[DeliveryRow]:
        """Pending parts due at ``now`` whose earlier parts (same briefing and channel) are sent or due
        too, oldest briefing first and in part order; only those of ``subscribers`` and ``channels``
        (delivery-log channel keys) where given."""
        with self._transaction(write=False) as conn:
            return delivery_log.due_deliveries(conn, now, limit, subscribers, channels)

    def record_attempt(
        self,
        delivery_id: int,
        result: DeliveryResult,
        *,
        now: dt.datetime,
        next_attempt_at: dt.datetime | None = None,
    ) -> bool:
        """Record one send of a pending part: "sent", "failed" (with its reason; the later parts of the
        same briefing and channel fail with it) or "retry" (still pending, due at ``next_attempt_at``).
        Every attempt counts. False when the part was not pending (nothing is written)."""
        with self._transaction(write=True) as conn:
            return delivery_log.record_attempt(conn, delivery_id, result, now, next_attempt_at)

    def deliveries(self, day: dt.date | None = None, subscriber: str | None = None) -> list[DeliveryRow]:
        """The delivery log, by day, subscriber, channel and part."""
        with self._transaction(write=False) as conn:
            return delivery_log.list_deliveries(conn, day, subscriber)

    def reset_failed(
        self,
        *,
        now: dt.datetime,
        day: dt.date | None = None,
        subscriber: str | None = None,
        channel: str | None = None,
    ) -> int:
        """Failed parts back to pending, due at ``now`` (their attempts kept); return how many."""
        with self._transaction(write=True) as conn:
            return delivery_log.reset_failed(conn, now, day, subscriber, channel)
