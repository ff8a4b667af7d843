"""The schema's history, one module per version. Each ``upgrade(conn)`` takes a database from the
previous version to its own and runs inside the transaction that records the new version.

The table definitions here are frozen copies of what the schema was at that version, never imports of
schema.py: a later change to schema.py must not change what an old migration creates. A test checks
that migrating an empty database ends exactly at schema.py.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa

from digest.store.versions import (
    v0001_ingest,
    v0002_delivery,
    v0003_delivery_log,
    v0004_page_matter,
    v0005_briefed,
    v0006_supplements,
    v0007_search,
    v0008_search_ends,
)


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    description: str
    upgrade: Callable[[sa.Connection], None]
    # It replaces a table that others refer to (see db.transaction).
    rebuilds_tables: bool = False


MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "sources, issues, articles and summaries", v0001_ingest.upgrade),
    Migration(2, "subscribers, briefings and deliveries", v0002_delivery.upgrade),
    Migration(3, "the delivery log: rendered parts and retry times", v0003_delivery_log.upgrade),
    Migration(4, "page matter of issues and source notes of articles", v0004_page_matter.upgrade),
    Migration(5, "the articles each subscriber was briefed on", v0005_briefed.upgrade),
    Migration(6, "same-day supplements: briefings numbered within a day", v0006_supplements.upgrade, True),
    Migration(7, "full-text search of articles (trigram index, kept by triggers)", v0007_search.upgrade),
    Migration(8, "search documents end with two newlines (short terms looked up)", v0008_search_ends.upgrade),
)
