"""Subscribers as the config file describes them."""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Literal
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from digest.notify.settings import ChannelSettings, infer_kind
from digest.timezones import TimeZoneName

_TIME = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


_Paper = Annotated[str, Field(min_length=1, max_length=100)]
_Word = Annotated[str, Field(min_length=1, max_length=50)]


class SubscriberSettings(BaseModel):
    """One reader: when, what, and where their briefing goes."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1, max_length=100, pattern=r"^[^/]+$")  # "/" joins it to channel names
    time: str = "07:30"  # local time of day, HH:MM
    timezone: TimeZoneName = "Asia/Shanghai"
    # Bounded: each article is checked against every word, and a config (or an API request) of
    # 200,000 words held a worker for minutes.
    papers: list[_Paper] = Field(default_factory=list, max_length=500)  # empty: every paper
    include: list[_Word] = Field(default_factory=list, max_length=200)  # keep an article mentioning one
    exclude: list[_Word] = Field(default_factory=list, max_length=200)  # drop one mentioning any
    max_articles: int = Field(default=30, ge=1, le=500)
    # How many days before the briefing's day an article not briefed yet may come from (by its
    # issue's date or the day it came in): a late issue is briefed next time; a new subscriber is
    # not flooded with everything ever stored.
    look_back_days: int = Field(default=3, ge=0, le=60)
    empty_day: Literal["skip", "notice"] = "skip"
    # What comes in after the day's briefing: "next" waits for the next day's briefing; "supplement"
    # sends it the same day, in a supplement after the cycle that brought it (never an empty one).
    late: Literal["next", "supplement"] = "next"
    channels: list[ChannelSettings] = Field(default_factory=list, max_length=20)

    @field_validator("time")
    @classmethod
    def _hh_mm(cls, value: str) -> str:
        if not _TIME.match(value):
            raise ValueError(f"time must be HH:MM (24-hour), not {value!r}")
        return value

    @model_validator(mode="after")
    def _channel_names(self) -> SubscriberSettings:
        names = [channel_name(c) for c in self.channels]
        repeated = sorted({n for n in names if names.count(n) > 1})
        if repeated:
            raise ValueError(
                f"subscriber {self.name!r}: channel names must differ; give each a name = … "
                f"(repeated: {', '.join(repeated)})"
            )
        return self

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def at(self) -> dt.time:
        hour, minute = self.time.split(":")
        return dt.time(int(hour), int(minute))


def channel_name(channel: ChannelSettings) -> str:
    """A channel's name within its subscriber: its own name, else its kind."""
    return channel.name or channel.kind or infer_kind(channel.url)
