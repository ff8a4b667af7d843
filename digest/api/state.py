"""What the API's endpoints share: the settings, the engine (built once) and the store (opened once).

Its own module so that the endpoint modules (issues, subscribers, metrics) can import it without
importing the app that imports them.
"""

from __future__ import annotations

import threading
from typing import Any

from prometheus_client import CollectorRegistry

from digest.api.fetching import AddressGuard
from digest.config import Settings
from digest.store import Store, open_store
from digest.summarise.base import Summariser
from digest.summarise.engines import build_summariser


class LockedSummariser:
    """One call at a time into a model that is not safe to share between threads (seq2seq)."""

    def __init__(self, inner: Summariser) -> None:
        self.inner = inner
        self.lock = threading.Lock()

    @property
    def name(self) -> str:
        return self.inner.name

    def summarise(self, articles: Any) -> Any:
        with self.lock:
            return self.inner.summarise(articles)


class ApiState:
    """What the endpoints share: settings, the engine (built once), the store (opened once) and the
    background worker that summarises pushed issues."""

    def __init__(self, settings: Settings, summariser: Summariser | None = None) -> None:
        self.settings = settings
        self.settings_lock = threading.Lock()
        engine = summariser or build_summariser(settings.summarise)
        if summariser is None and settings.summarise.engine != "extractive":
            engine = LockedSummariser(engine)
        self.summariser: Summariser = engine
        self.guard = AddressGuard(settings.api.allow_private_fetch)
        self._store: Store | None = None
        self._store_lock = threading.Lock()
        self.registry = CollectorRegistry()

    def store(self) -> Store:
        """The store, opened on first use (so a database that is down fails requests, not the start)."""
        with self._store_lock:
            if self._store is None:
                self._store = open_store(self.settings.store.url)
            return self._store

    def close(self) -> None:
        with self._store_lock:
            if self._store is not None:
                self._store.close()
                self._store = None
