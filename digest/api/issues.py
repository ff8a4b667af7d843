"""Issues pushed through the API: summarised in one background thread, their status kept here.

The store is the truth about what is done (every article has a current summary); the worker only
adds what the store cannot know: that an issue is waiting or being summarised right now, or why
summarising it failed.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from digest.errors import DigestError
from digest.models import PageDigest, SummarisedArticle, Summary
from digest.output import to_json
from digest.pipeline import summarise_pending
from digest.store import StoredIssue, StoredSummary

if TYPE_CHECKING:
    from digest.api.state import ApiState

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Job:
    status: str  # queued, processing, done, failed
    reason: str | None = None

    def json(self) -> dict[str, Any]:
        return {"status": self.status} | ({"reason": self.reason} if self.reason else {})


class IssueWorker:
    def __init__(self, state: ApiState) -> None:
        self.state = state
        self.jobs: dict[int, Job] = {}
        self.lock = threading.Lock()
        self.wake = threading.Event()
        self.stopping = False
        self.thread: threading.Thread | None = None

    def submit(self, issue_id: int) -> None:
        with self.lock:
            if self.stopping:
                return
            current = self.jobs.get(issue_id)
            if current is None or current.status not in ("queued", "processing"):
                self.jobs[issue_id] = Job("queued")
            if self.thread is None:
                self.thread = threading.Thread(target=self._run, name="digest-api-summarise", daemon=True)
                self.thread.start()
        self.wake.set()

    def status_of(self, issue_id: int, submit: bool, found: StoredIssue | None = None) -> dict[str, Any]:
        """Where an issue stands; with ``submit``, one with articles left to summarise is queued."""
        with self.lock:
            job = self.jobs.get(issue_id)
        if job is not None and job.status in ("queued", "processing"):
            return job.json()
        found = found or self.state.store().issue(issue_id)
        if found is None or all(a.summary is not None for a in found.articles):
            return Job("done").json()
        if submit:
            self.submit(issue_id)
            return Job("queued").json()
        return (job or Job("queued")).json()

    def stop(self) -> None:
        with self.lock:
            self.stopping = True
        self.wake.set()
        if self.thread is not None:
            self.thread.join(timeout=30)

    def _run(self) -> None:
        while True:
            self.wake.wait()
            with self.lock:
                if self.stopping:
                    return
                self.wake.clear()
                batch = [i for i, job in self.jobs.items() if job.status == "queued"]
                for issue_id in batch:
                    self.jobs[issue_id] = Job("processing")
            if batch:
                self._summarise(batch)

    def _summarise(self, batch: list[int]) -> None:
        settings = self.state.settings
        try:
            store = self.state.store()
            _done, errors = summarise_pending(
                store,
                self.state.summariser,
                batch=settings.scheduler.summarise_batch,
                now=lambda: dt.datetime.now(dt.UTC),
                should_stop=lambda: self.stopping,
            )
            results = {issue_id: self._outcome(store.issue(issue_id), errors) for issue_id in batch}
        except Exception as exc:  # the worker must survive whatever one batch does
            log.exception("summarising pushed issues failed")
            reason = exc.message if isinstance(exc, DigestError) else f"{type(exc).__name__}: {exc}"
            results = {issue_id: Job("failed", reason) for issue_id in batch}
        with self.lock:
            self.jobs.update(results)

    def _outcome(self, found: StoredIssue | None, errors: list[str]) -> Job:
        if found is None:
            return Job("failed", "the issue is no longer in the store")
        missing = [a for a in found.articles if a.summary is None]
        if not missing:
            return Job("done")
        if self.stopping:
            return Job("queued")
        prefixes = tuple(f"article {a.article_id}:" for a in missing)
        mine = [e for e in errors if e.startswith(prefixes)]
        detail = f": {mine[0]}" if mine else ""
        return Job(
            "failed", f"{len(missing)} of {len(found.articles)} articles could not be summarised{detail}"
        )


def article_json(row: StoredSummary) -> dict[str, Any]:
    """The article's fields exactly as in the summarise JSON, plus its id; no summary yet: nulls."""
    summary = row.summary or Summary(headline="", summary="", engine="")
    fields: dict[str, Any] = {"id": row.article_id}
    fields |= to_json(PageDigest(source="", articles=(SummarisedArticle(row.article, summary),)))["articles"][
        0
    ]
    if row.summary is None:
        fields |= {"headline": None, "summary": None, "engine": None, "guard": None}
    return fields


def issue_json(found: StoredIssue, status: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": found.id,
        **status,
        "paper": found.paper,
        "issue_date": found.issue_date.isoformat() if found.issue_date else None,
        "edition": found.edition,
        "source": found.source,
        "link": found.link,
        "fetched_at": found.fetched_at.isoformat(),
        "replaced": found.replaced_at is not None,
        "articles": [article_json(row) for row in found.articles],
    }
