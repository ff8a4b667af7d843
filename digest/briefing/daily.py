"""A subscriber's briefing of a day: composed once, rendered, and planned onto each channel."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import replace
from enum import StrEnum

import httpx

from digest.briefing.compose import Briefing, compose
from digest.briefing.render import render
from digest.briefing.subscribers import SubscriberSettings, channel_name
from digest.delivery import plan_parts
from digest.errors import ConfigError
from digest.notify.base import Channel
from digest.notify.broken import BrokenChannel
from digest.notify.settings import ChannelSettings, channel_from_settings
from digest.store import Store
from digest.web.links import briefing_link
from digest.web.settings import WebSettings


class BriefOutcome(StrEnum):
    PLANNED = "planned"  # a briefing was saved and its parts planned on some channel
    UNCHANGED = "unchanged"  # today's briefing was already planned on every channel
    SKIPPED = "skipped"  # no news, and the subscriber asked for nothing on such days


def channel_key(subscriber: str, name: str) -> str:
    """Channel names are per subscriber; the delivery log keys them by both."""
    return f"{subscriber}/{name}"


def build_channels(subscribers: list[SubscriberSettings], client: httpx.Client) -> dict[str, Channel]:
    """Every configured channel, keyed as the delivery log knows it. Secrets were resolved by the
    config loader, so nothing here reads the environment."""
    return {
        channel_key(s.name, channel_name(c)): _channel(s, c, client) for s in subscribers for c in s.channels
    }


def _channel(subscriber: SubscriberSettings, settings: ChannelSettings, client: httpx.Client) -> Channel:
    """The channel, or a BrokenChannel saying why it cannot work: one bad channel fails alone."""
    name = channel_name(settings)
    if settings.broken is not None:
        return BrokenChannel(name, subscriber=subscriber.name, reason=settings.broken)
    try:
        return channel_from_settings(settings, client=client)
    except ConfigError as exc:
        return BrokenChannel(name, subscriber=subscriber.name, reason=exc.message)


def brief(
    store: Store,
    subscriber: SubscriberSettings,
    day: dt.date,
    channels: Mapping[str, Channel],
    *,
    now: dt.datetime,
    web: WebSettings | None = None,
) -> BriefOutcome:
    """Compose, save and plan ``subscriber``'s briefing of ``day``; sending is the delivery log's job.

    Saving and planning are separate transactions: after a crash in between, the next call finds the
    briefing saved and plans it then (a channel already planned gets nothing new), so nothing is lost
    and nothing planned twice.
    """
    saved = store.briefing_of(subscriber.name, day)
    if saved is None:
        briefing = compose(store, subscriber, day)
        if briefing.count == 0 and subscriber.empty_day == "skip":
            return BriefOutcome.SKIPPED
        # Its articles are recorded as briefed in the same transaction: none is briefed twice, and
        # what comes in later (a late issue) waits for the next briefing.
        briefing_id, new = store.save_briefing(
            subscriber.name, day, briefing.data(), now=now, article_ids=briefing.article_ids
        )
        saved = None if new else store.briefing_of(subscriber.name, day)
    if saved is not None:
        # Saved before (a crash before planning, or another process): planned as it was composed.
        briefing_id, content = saved
        briefing = Briefing.from_data(content)
    added = _plan(store, subscriber, briefing_id, briefing, channels, now=now, web=web)
    return BriefOutcome.PLANNED if added else BriefOutcome.UNCHANGED


def supplement(
    store: Store,
    subscriber: SubscriberSettings,
    day: dt.date,
    channels: Mapping[str, Channel],
    *,
    now: dt.datetime,
    web: WebSettings | None = None,
) -> int:
    """A same-day supplement of ``day``'s briefing: what matches ``subscriber`` and came in after it.
    Returns how many articles a supplement saved now holds (0: nothing new, or no briefing yet).

    Only once the day's briefing is saved (until then, it will hold them); a supplement saved before
    a crash and not planned yet is planned first, as it was composed.
    """
    saved = store.briefings_of_day(subscriber.name, day)
    if not saved:
        return 0
    last = saved[-1]
    if last.sequence > 1:
        _plan(store, subscriber, last.id, Briefing.from_data(last.content), channels, now=now, web=web)
    late = compose(store, subscriber, day)
    if late.count == 0:
        return 0
    late = replace(late, sequence=last.sequence + 1)
    briefing_id, new = store.save_briefing(
        subscriber.name, day, late.data(), now=now, article_ids=late.article_ids, sequence=late.sequence
    )
    if not new:  # another process saved this supplement first: it plans it, or the next call does
        return 0
    _plan(store, subscriber, briefing_id, late, channels, now=now, web=web)
    return late.count


def _plan(
    store: Store,
    subscriber: SubscriberSettings,
    briefing_id: int,
    briefing: Briefing,
    channels: Mapping[str, Channel],
    *,
    now: dt.datetime,
    web: WebSettings | None = None,
) -> int:
    """The briefing's parts on each of the subscriber's channels not planned yet; how many were added."""
    message = render(briefing, link=briefing_link(web, subscriber.name, briefing.day))
    # Looked up by the subscriber's own channel names: no scan of everyone's channels.
    keys = (channel_key(subscriber.name, channel_name(c)) for c in subscriber.channels)
    mine = {key: channels[key] for key in keys if key in channels}
    parts = plan_parts(briefing_id, replace(message, idempotency_key=f"brf_{briefing_id}"), mine)
    return store.plan_deliveries(briefing_id, parts, now=now)
