"""Composing a subscriber's briefing of one day: select, filter, group, in page order."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import groupby
from typing import Any

from digest.briefing.duplicates import duplicate_groups
from digest.briefing.subscribers import SubscriberSettings
from digest.errors import InputError
from digest.models import Summary
from digest.store import Store, StoredSummary

# The heading of an issue stored with no paper's name (pushed to the API without one, or ingested
# before `digest ingest` filed such pages under their source): never an empty 【】.
UNNAMED_PAPER = "未注明报名"


@dataclass(frozen=True, slots=True)
class BriefItem:
    headline: str
    summary: str
    link: str | None
    writers: tuple[str, ...]
    photographers: tuple[str, ...]
    dateline: str | None
    engine: str
    article_id: int = 0  # the stored article it summarises (0: none, as in a hand-made briefing)
    # The same story elsewhere (wire copy, a reprint): where else it was printed, and those articles.
    also_in: tuple[str, ...] = ()
    duplicates: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class IssueGroup:
    paper: str
    issue_date: dt.date | None
    edition: str
    items: tuple[BriefItem, ...]


@dataclass(frozen=True, slots=True)
class Briefing:
    subscriber: str
    day: dt.date
    issues: tuple[IssueGroup, ...]
    # Articles left out, never silently: over the subscriber's cap (said at the briefing's end as
    # "另有 N 篇"), and dropped by their include/exclude words (counted for `digest preview`).
    more: int = 0
    filtered: int = 0
    # 1: the day's briefing; 2, 3, …: same-day supplements of what came in after it (late = "supplement").
    sequence: int = 1
    # Articles whose story an earlier briefing told (a reprint, wire copy in another paper): not
    # listed, said at the end ("另有 N 篇…"), and recorded as briefed so they do not come back.
    repeated: tuple[int, ...] = ()

    @property
    def repeats(self) -> int:
        return len(self.repeated)

    @property
    def count(self) -> int:
        return sum(len(issue.items) for issue in self.issues)

    def data(self) -> dict[str, Any]:
        """The briefing as structured data (the generic webhook's payload, the stored content)."""
        return {
            "subscriber": self.subscriber,
            "day": self.day.isoformat(),
            "count": self.count,
            "more": self.more,
            "filtered": self.filtered,
            "sequence": self.sequence,
            "repeated": list(self.repeated),
            "issues": [
                {
                    "paper": issue.paper,
                    "issue_date": issue.issue_date.isoformat() if issue.issue_date else None,
                    "edition": issue.edition,
                    "articles": [
                        {
                            "article_id": item.article_id,
                            "headline": item.headline,
                            "summary": item.summary,
                            "link": item.link,
                            "writers": list(item.writers),
                            "photographers": list(item.photographers),
                            "dateline": item.dateline,
                            "engine": item.engine,
                            "also_in": list(item.also_in),
                            "duplicates": list(item.duplicates),
                        }
                        for item in issue.items
                    ],
                }
                for issue in self.issues
            ],
        }

    @property
    def article_ids(self) -> list[int]:
        """Every article this briefing tells, its duplicates and repeats included (briefed too)."""
        told = [
            a for issue in self.issues for item in issue.items for a in (item.article_id, *item.duplicates)
        ]
        return told + list(self.repeated)

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> Briefing:
        """The briefing as ``data()`` stored it (to send a saved briefing as it was composed)."""
        issues = tuple(
            IssueGroup(
                issue["paper"],
                dt.date.fromisoformat(issue["issue_date"]) if issue["issue_date"] else None,
                issue["edition"],
                tuple(
                    BriefItem(
                        article_id=int(a.get("article_id", 0)),
                        headline=a["headline"],
                        summary=a["summary"],
                        link=a["link"],
                        writers=tuple(a["writers"]),
                        photographers=tuple(a["photographers"]),
                        dateline=a["dateline"],
                        engine=a["engine"],
                        also_in=tuple(a.get("also_in", ())),
                        duplicates=tuple(a.get("duplicates", ())),
                    )
                    for a in issue["articles"]
                ),
            )
            for issue in data["issues"]
        )
        return cls(
            data["subscriber"],
            dt.date.fromisoformat(data["day"]),
            issues,
            more=int(data.get("more", 0)),
            filtered=int(data.get("filtered", 0)),
            sequence=int(data.get("sequence", 1)),
            repeated=tuple(int(a) for a in data.get("repeated", ())),
        )


def compose(store: Store, subscriber: SubscriberSettings, day: dt.date) -> Briefing:
    """The summarised articles not briefed to ``subscriber`` yet, from ``day`` and the look-back
    before it, grouped by paper and issue, in page order."""
    _check_day(day, subscriber.look_back_days)
    rows = store.articles_for_day(
        day,
        subscriber.papers or None,
        tz=subscriber.zone,
        look_back=subscriber.look_back_days,
        not_briefed_to=subscriber.name,
    )
    # An article still waiting for its summary joins tomorrow's run of this day, not a half briefing.
    summarised = [(row, row.summary) for row in rows if row.summary is not None]
    wanted = [(row, summary) for row, summary in summarised if _wanted(row, summary, subscriber)]
    # The same story once: a duplicate is folded into its first printing, which names where else;
    # one told in an earlier briefing of the look-back is not listed again, but counted and briefed.
    told = store.briefed_texts(subscriber.name, day - dt.timedelta(days=subscriber.look_back_days))
    groups = duplicate_groups([*told, *(row.article.text for row, _ in wanted)])
    owners = [owner - len(told) for owner in groups[len(told) :]]  # negative: an earlier briefing's
    copies: dict[int, list[StoredSummary]] = {}
    repeats = [row for (row, _), owner in zip(wanted, owners, strict=True) if owner < 0]
    for i, owner in enumerate(owners):
        if 0 <= owner != i:
            copies.setdefault(owner, []).append(wanted[i][0])
    unique = [(i, pair) for i, pair in enumerate(wanted) if owners[i] == i]
    chosen = unique[: subscriber.max_articles]
    issues = []
    for _, group in groupby(chosen, key=lambda entry: entry[1][0].issue_id):
        members = list(group)
        first = members[0][1][0]
        items = tuple(_item(row, summary, copies.get(i, [])) for i, (row, summary) in members)
        issues.append(IssueGroup(first.paper or UNNAMED_PAPER, first.issue_date, first.edition, items))
    return Briefing(
        subscriber.name,
        day,
        tuple(issues),
        more=len(unique) - len(chosen),
        filtered=len(summarised) - len(wanted),
        repeated=tuple(row.article_id for row in repeats),
    )


def _check_day(day: dt.date, look_back: int) -> None:
    """The day, its look-back and the day after must be dates in any time zone (a day apart from
    the calendar's ends): 9999-12-31 or 0001-01-01 would overflow in the store's queries."""
    first = dt.date.min + dt.timedelta(days=look_back + 1)
    last = dt.date.max - dt.timedelta(days=2)
    if not first <= day <= last:
        raise InputError(
            f"{day.isoformat()} is too far in the past or future for a briefing; give a day from "
            f"{first.isoformat()} to {last.isoformat()}, or none for today's"
        )


def _wanted(row: StoredSummary, summary: Summary, subscriber: SubscriberSettings) -> bool:
    haystack = " ".join(
        (summary.headline, summary.summary, row.article.page_headline or "", row.article.text)
    )
    if subscriber.exclude and any(word in haystack for word in subscriber.exclude):
        return False
    return not subscriber.include or any(word in haystack for word in subscriber.include)


def _item(row: StoredSummary, summary: Summary, copies: Sequence[StoredSummary] = ()) -> BriefItem:
    return BriefItem(
        article_id=row.article_id,
        headline=summary.headline,
        summary=summary.summary,
        # Only web links are shown to readers; a file path or another scheme is nobody's business.
        link=row.link if row.link and row.link.startswith(("http://", "https://")) else None,
        writers=row.article.writers,
        photographers=row.article.photographers,
        dateline=row.article.dateline,
        engine=summary.engine,
        also_in=tuple(dict.fromkeys(_printed_in(copy) for copy in copies)),
        duplicates=tuple(copy.article_id for copy in copies),
    )


def _printed_in(row: StoredSummary) -> str:
    return " ".join(part for part in (row.paper, row.edition) if part)
