"""What a send did for each subscriber, in one line a person can act on.

"0 sent" alone does not say whether the briefing went out this morning, had nothing in it, or waits
on a channel that refused it; each subscriber's line says which, and for a part not sent, when it is
tried again or what to run.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from itertools import groupby

from digest.briefing.daily import BriefOutcome
from digest.briefing.subscribers import SubscriberSettings
from digest.store import DeliveryRow, Store


@dataclass(frozen=True, slots=True)
class SubscriberAccount:
    subscriber: str
    day: dt.date
    outcome: BriefOutcome
    articles: int  # in the day's briefing (0 where none was saved)
    channels: tuple[str, ...]  # "<channel>: sent", "<channel>: waiting for retry at … (why)", …
    late: int = 0  # articles in a same-day supplement saved by this run

    def line(self) -> str:
        who = f"{self.subscriber} {self.day.isoformat()}"
        if self.outcome is BriefOutcome.SKIPPED:
            return f'{who}: nothing new to brief; nothing sent (empty_day = "skip")'
        if self.outcome is BriefOutcome.PLANNED:
            what = f"briefed {self.articles} articles"
        else:
            what = f"already briefed ({self.articles} articles)"
        if self.late:
            what += f", and now a supplement of {self.late} that came in since"
        return f"{who}: {what}; " + ("; ".join(self.channels) or "no channels configured")


def account(
    store: Store, subscriber: SubscriberSettings, day: dt.date, outcome: BriefOutcome, late: int = 0
) -> SubscriberAccount:
    """Where ``subscriber``'s briefing of ``day`` stands, read back from the delivery log."""
    saved = store.briefings_of_day(subscriber.name, day)
    articles = int(saved[0].content.get("count", 0)) if saved and saved[0].sequence == 1 else 0
    rows = sorted(store.deliveries(day, subscriber.name), key=lambda r: (r.channel, r.part))
    channels = tuple(
        _channel_state(channel.split("/", 1)[-1], list(parts))
        for channel, parts in groupby(rows, key=lambda r: r.channel)
    )
    return SubscriberAccount(subscriber.name, day, outcome, articles, channels, late)


def _channel_state(name: str, parts: list[DeliveryRow]) -> str:
    of = f" ({len(parts)} parts)" if len(parts) > 1 else ""
    failed = next((p for p in parts if p.status == "failed"), None)
    if failed is not None:
        return (
            f"{name}: part {failed.part}{of} failed: {failed.last_error or 'no reason recorded'}; "
            "`digest send --retry-failed` sends it again"
        )
    pending = next((p for p in parts if p.status == "pending"), None)
    if pending is None:
        return f"{name}: sent{of}"
    if pending.attempts and pending.next_attempt_at is not None:
        at = pending.next_attempt_at.astimezone(dt.UTC).isoformat(timespec="seconds")
        return f"{name}: waiting for retry at {at} ({pending.last_error or 'no reason recorded'})"
    return f"{name}: part {pending.part}{of} not sent yet"
