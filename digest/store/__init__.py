"""Where issues, articles, summaries and poll state live: SQLite by default, PostgreSQL by URL."""

from __future__ import annotations

from digest.store.errors import StoreError
from digest.store.lock import run_lock
from digest.store.migrations import LATEST_VERSION, migrate
from digest.store.records import (
    DeliveryRow,
    DeliveryState,
    IngestOutcome,
    PlannedPart,
    SavedBriefing,
    SourceStatus,
    StoredArticle,
    StoredIssue,
    StoredSummary,
    StoreStatus,
)
from digest.store.store import Store, open_store

__all__ = [
    "LATEST_VERSION",
    "DeliveryRow",
    "DeliveryState",
    "IngestOutcome",
    "PlannedPart",
    "SavedBriefing",
    "SourceStatus",
    "Store",
    "StoreError",
    "StoreStatus",
    "StoredArticle",
    "StoredIssue",
    "StoredSummary",
    "migrate",
    "open_store",
    "run_lock",
]
