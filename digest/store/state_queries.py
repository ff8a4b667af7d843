"""The statements behind the Store's bookkeeping: a source's saved state, the store's status for
`digest status`, and the lines a paper repeats on every page (its furniture). Each function runs
inside the caller's transaction."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

import sqlalchemy as sa

from digest.store.queries import CURRENT_ARTICLE, CURRENT_ISSUE, FRESH, has_fresh_summary, insert_into
from digest.store.records import SourceStatus, StoreStatus
from digest.store.schema import articles, issues, sources, summaries


def source_state(conn: sa.Connection, name: str) -> dict[str, Any]:
    state = conn.execute(sa.select(sources.c.state).where(sources.c.name == name)).scalar_one_or_none()
    return dict(state) if isinstance(state, dict) else {}


def save_source_state(
    conn: sa.Connection,
    name: str,
    *,
    kind: str,
    paper: str,
    state: dict[str, Any],
    polled_at: dt.datetime,
    error: str | None,
) -> None:
    values = {"kind": kind, "paper": paper, "state": state, "last_poll_at": polled_at, "last_error": error}
    insert = insert_into(conn, sources).values(name=name, **values)
    conn.execute(insert.on_conflict_do_update(index_elements=[sources.c.name], set_=values))


def status(conn: sa.Connection) -> StoreStatus:
    current_issues = (
        sa.select(sa.func.count())
        .select_from(issues)
        .where(issues.c.source == sources.c.name, CURRENT_ISSUE)
        .scalar_subquery()
    )
    per_source = conn.execute(
        sa.select(
            sources.c.name,
            sources.c.kind,
            sources.c.paper,
            sources.c.last_poll_at,
            sources.c.last_error,
            current_issues,
        ).order_by(sources.c.name)
    )

    def count(table: sa.Table, *where: sa.ColumnElement[bool]) -> int:
        return int(conn.execute(sa.select(sa.func.count()).select_from(table).where(*where)).scalar_one())

    return StoreStatus(
        sources=tuple(SourceStatus(*row) for row in per_source),
        issues=count(issues, CURRENT_ISSUE),
        articles=count(articles, CURRENT_ARTICLE),
        pending=count(articles, CURRENT_ARTICLE, ~has_fresh_summary()),
        summaries=count(summaries, FRESH),
        unplaced=_unplaced(conn),
    )


# The page column holds JSON written by json.dumps: an empty list is written exactly like this.
_NOTHING_UNPLACED = '%"unplaced": []%'
_UNPLACED_SHOWN = 20


def _unplaced(conn: sa.Connection) -> tuple[tuple[str, str, tuple[str, ...]], ...]:
    rows = conn.execute(
        sa.select(issues.c.source, issues.c.locator, issues.c.page)
        .where(
            CURRENT_ISSUE,
            issues.c.page.is_not(None),
            sa.cast(issues.c.page, sa.Text).not_like(_NOTHING_UNPLACED),
        )
        .order_by(issues.c.id.desc())
        .limit(_UNPLACED_SHOWN)
    )
    return tuple((r.source, r.locator, tuple(r.page.get("unplaced", ()))) for r in rows)


def recurring_lines(
    conn: sa.Connection, paper: str, *, last: int, min_issues: int, share: float
) -> list[str]:
    """Short lines outside the articles that recur on most of ``paper``'s latest pages (its page
    headers, column names, editor footers): the paper's own furniture, learnt from what it printed."""
    rows = conn.execute(
        sa.select(issues.c.page)
        .where(issues.c.paper == paper, CURRENT_ISSUE, issues.c.page.is_not(None))
        .order_by(issues.c.id.desc())
        .limit(last)
    ).scalars()
    pages = [set(page.get("display", ())) for page in rows]
    if len(pages) < min_issues:
        return []
    counts = Counter(line for page in pages for line in page)
    return sorted(line for line, seen in counts.items() if seen >= max(min_issues, share * len(pages)))
