"""What the bot's jobs need, built once per process: settings, store, engine, sources and channels.

Both executors use it: the in-process scheduler (digest/scheduler.py) and the workers of the job queue
(digest/jobs/).
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

import httpx

from digest import __version__
from digest.briefing.daily import build_channels
from digest.config import Settings
from digest.notify.base import Channel
from digest.sources.base import Source
from digest.sources.registry import SourceSettings, build_source
from digest.store import Store, open_store, run_lock
from digest.summarise.base import Summariser
from digest.summarise.engines import build_summariser


@dataclass
class Runtime:
    """What jobs need, built once per process."""

    settings: Settings
    store: Store
    summariser: Summariser
    client: httpx.Client
    sources: dict[str, tuple[SourceSettings, Source]]
    channels: dict[str, Channel] = field(default_factory=dict)
    stop: threading.Event = field(default_factory=threading.Event)
    # Jobs run one at a time (one worker), but `digest run --once` and jobs share this path too.
    work: threading.Lock = field(default_factory=threading.Lock)
    clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC)

    def today(self) -> dt.date:
        return self.clock().astimezone(ZoneInfo(self.settings.scheduler.timezone)).date()


_current: Runtime | None = None


def current() -> Runtime | None:
    """The runtime of this process, for jobs (APScheduler and the queue pass only plain arguments)."""
    return _current


@contextmanager
def runtime(
    settings: Settings, *, summariser: Summariser | None = None, exclusive: bool = True
) -> Iterator[Runtime]:
    """Open the store, build the engine and the sources. ``exclusive``: take the single-instance lock
    (one `digest run` per database); clocks and workers of a job queue share the database instead."""
    global _current  # noqa: PLW0603 - jobs find the runtime here
    store = open_store(settings.store.url)
    with run_lock(store) if exclusive else nullcontext(), _http_client(settings) as client:
        engine = summariser or build_summariser(settings.summarise)
        sources = {cfg.name: (cfg, build_source(cfg, client)) for cfg in settings.sources if cfg.enabled}
        channels = build_channels(settings.subscribers, client)
        _current = Runtime(settings, store, engine, client, sources, channels)
        try:
            yield _current
        finally:
            _current = None


@contextmanager
def _http_client(settings: Settings) -> Iterator[httpx.Client]:
    with httpx.Client(
        timeout=settings.ingest.fetch_timeout,
        follow_redirects=True,
        headers={"User-Agent": f"digest/{__version__} (newspaper digest bot)"},
    ) as client:
        yield client
