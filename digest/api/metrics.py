"""Store counts for /metrics, read from the store when Prometheus scrapes (not kept in memory)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import TYPE_CHECKING

from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from digest.errors import DigestError

if TYPE_CHECKING:
    from prometheus_client import Metric

    from digest.api.state import ApiState
    from digest.store import Store

_STATES = ("pending", "sent", "failed")


class StoreCollector(Collector):
    def __init__(self, state: ApiState) -> None:
        self.state = state

    def collect(self) -> Iterator[Metric]:
        up = GaugeMetricFamily("digest_store_up", "1 when the store answered this scrape, else 0.")
        try:
            store = self.state.store()
            status = store.status()
            deliveries: Counter[str] = Counter(str(row.status) for row in store.deliveries())
        except DigestError:
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        for name, value, text in (
            ("digest_issues", status.issues, "Current issues in the store."),
            ("digest_articles", status.articles, "Current articles in the store."),
            ("digest_summaries", status.summaries, "Current summaries in the store."),
            ("digest_articles_pending", status.pending, "Current articles without a summary."),
        ):
            yield GaugeMetricFamily(name, text, value=value)
        family = GaugeMetricFamily(
            "digest_deliveries", "Briefing parts in the delivery log, by state.", labels=["state"]
        )
        for state in _STATES:
            family.add_metric([state], deliveries[state])
        yield family
        yield from self._queue(store)

    def _queue(self, store: Store) -> Iterator[Metric]:
        """The job queue's jobs by queue and status, its live workers and stalled jobs (when the
        queue is in use: [workers] executor = "queue")."""
        settings = self.state.settings.workers
        if settings.executor != "queue":
            return
        from digest.jobs.queue import queue_status  # noqa: PLC0415

        found = queue_status(store, settings.stalled_after_seconds)
        if found is None:
            return
        jobs = GaugeMetricFamily(
            "digest_queue_jobs", "Jobs in the queue, by queue and status.", labels=["queue", "status"]
        )
        for queue_name, state, count in found.jobs:
            jobs.add_metric([queue_name, state], count)
        yield jobs
        alive = sum(1 for w in found.workers if w[1] <= settings.stalled_after_seconds)
        yield GaugeMetricFamily(
            "digest_queue_workers_alive", "Workers whose heartbeat is recent.", value=alive
        )
        yield GaugeMetricFamily(
            "digest_queue_jobs_stalled", "Running jobs on silent workers.", value=found.stalled
        )
