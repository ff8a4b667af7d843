"""Speed of delivering one day's briefing to many webhook subscribers: the engine against the naive way.

The sample page is ingested into a fresh SQLite store and summarised with the extractive engine (not
timed). Each of N subscribers (default 1,000) has one ``webhook`` channel with its own ``whsec_``
secret, pointing at a small HTTP server on 127.0.0.1 (a subprocess: it reads each body, counts the
request and its ``webhook-id`` and answers 204; it stops when this script's pipe closes, or after a
deadline). Measured, in the same run:
- the engine: ``brief`` for every subscriber (compose, render, save, plan), then one ``deliver_due``
  with concurrency 8 over one shared ``httpx.Client``; deliveries per second for the whole and for
  the send phase alone;
- the naive way: for every subscriber compose + render and one ``httpx.post`` (a new connection per
  request), sequentially, signed the same way, no delivery log.
The server must have received exactly N requests per mode, with N distinct webhook-ids for the engine.
Peak memory is measured afterwards in a second engine pass under tracemalloc (which slows Python
allocations, so it is kept out of the timed runs), with ru_maxrss of this process.

Run: python benchmarks/bench_delivery.py [--subscribers 1000]
"""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import resource
import subprocess
import sys
import tempfile
import textwrap
import time
import tracemalloc
from pathlib import Path

import httpx
from pydantic import SecretStr

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from digest.briefing.compose import compose  # noqa: E402
from digest.briefing.daily import BriefOutcome, brief, build_channels  # noqa: E402
from digest.briefing.render import render  # noqa: E402
from digest.briefing.subscribers import SubscriberSettings  # noqa: E402
from digest.delivery import deliver_due  # noqa: E402
from digest.models import RawInput  # noqa: E402
from digest.notify.settings import ChannelSettings, channel_from_settings  # noqa: E402
from digest.pipeline import ingest_document, summarise_pending  # noqa: E402
from digest.shipped import SAMPLE_PAGE  # noqa: E402
from digest.sources.base import FetchedDocument  # noqa: E402
from digest.store import Store, open_store  # noqa: E402
from digest.summarise.extractive import ExtractiveSummariser  # noqa: E402

SAMPLE = SAMPLE_PAGE
DAY = dt.date(2024, 8, 1)
NOW = dt.datetime(2024, 8, 1, 1, 0, tzinfo=dt.UTC)
SERVER_DEADLINE = 600  # seconds: the server stops by itself after this, whatever happens here

# The receiver: counts requests and webhook-ids per mode (the first path segment), answers 204.
SERVER = textwrap.dedent(
    """
    import json, sys, threading
    from collections import defaultdict
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    lock = threading.Lock()
    counts = defaultdict(int)
    ids = defaultdict(set)
    unsigned = defaultdict(int)

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self):
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            mode = self.path.split("/")[1]
            with lock:
                counts[mode] += 1
                ids[mode].add(self.headers.get("webhook-id"))
                unsigned[mode] += not self.headers.get("webhook-signature", "").startswith("v1,")
            self.send_response(204)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def do_GET(self):
            with lock:
                body = json.dumps(
                    {m: {"requests": counts[m], "ids": len(ids[m] - {None}), "unsigned": unsigned[m]}
                     for m in counts}
                ).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    server.request_queue_size = 128
    print(server.server_address[1], flush=True)

    def stop_when_parent_goes():
        sys.stdin.read()  # EOF: the benchmark closed its end or died
        server.shutdown()

    threading.Thread(target=stop_when_parent_goes, daemon=True).start()
    timer = threading.Timer(float(sys.argv[1]), server.shutdown)
    timer.daemon = True
    timer.start()
    server.serve_forever()
    """
)


def fresh_store(folder: Path, name: str) -> Store:
    """A new SQLite store holding the sample page, summarised (the extractive engine)."""
    store = open_store(f"sqlite:///{folder / name}")
    doc = FetchedDocument(
        source="bench",
        paper="交城报",
        locator="交城报.txt",
        raw=RawInput("交城报.txt", SAMPLE.read_bytes(), ".txt"),
        issue_date=DAY,
        link="https://epaper.example.cn/交城报",
    )
    ingest_document(store, doc, now=NOW)
    summarise_pending(store, ExtractiveSummariser(), batch=64, now=lambda: NOW)
    return store


def subscribers(count: int, base: str, mode: str) -> list[SubscriberSettings]:
    return [
        SubscriberSettings(
            name=f"reader{n:05d}",
            channels=[
                ChannelSettings(
                    url=f"{base}/{mode}/{n}",
                    kind="webhook",
                    secret=SecretStr(
                        "whsec_" + base64.b64encode(f"secret-of-reader-{n:05d}".encode()).decode()
                    ),
                )
            ],
        )
        for n in range(count)
    ]


def engine(store: Store, readers: list[SubscriberSettings]) -> tuple[float, float]:
    """brief() for every reader, then one deliver_due; (seconds in all, seconds sending)."""
    with httpx.Client() as client:
        channels = build_channels(readers, client)
        start = time.perf_counter()
        for reader in readers:
            assert brief(store, reader, DAY, channels, now=NOW) is BriefOutcome.PLANNED
        sending = time.perf_counter()
        report = deliver_due(store, channels, now=lambda: NOW, concurrency=8)
        end = time.perf_counter()
    assert report.sent == len(readers) and not report.problems, report
    return end - start, end - sending


def naive(store: Store, readers: list[SubscriberSettings]) -> float:
    """Compose, render and POST for each reader in turn: a new httpx.post (new connection) each time."""
    start = time.perf_counter()
    for reader in readers:
        message = render(compose(store, reader, DAY))
        # The same signed request the webhook channel builds; only the sending is done the naive way.
        with channel_from_settings(reader.channels[0]) as channel:
            request = channel._request(message)  # type: ignore[attr-defined]
        headers = {"Content-Type": "application/json; charset=utf-8", **request.headers}
        httpx.post(request.url, content=request.content(), headers=headers, timeout=10.0).raise_for_status()
    return time.perf_counter() - start


def max_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--subscribers", type=int, default=1000)
    args = parser.parse_args()
    count = args.subscribers

    server = subprocess.Popen(
        [sys.executable, "-c", SERVER, str(SERVER_DEADLINE)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout is not None
        base = f"http://127.0.0.1:{int(server.stdout.readline())}"
        with tempfile.TemporaryDirectory() as folder:
            folder_path = Path(folder)
            print(f"ingesting and summarising {SAMPLE.name} (not timed)…")
            store = fresh_store(folder_path, "engine.db")
            memory_store = fresh_store(folder_path, "memory.db")
            articles = compose(store, SubscriberSettings(name="probe"), DAY).count
            try:
                rss_before = max_rss_mb()
                total, send = engine(store, subscribers(count, base, "engine"))
                rss_engine = max_rss_mb()
                naive_total = naive(store, subscribers(count, base, "naive"))

                tracemalloc.start()
                engine(memory_store, subscribers(count, base, "memory"))
                _, peak = tracemalloc.get_traced_memory()
                tracemalloc.stop()
            finally:
                store.close()
                memory_store.close()
        stats = httpx.get(f"{base}/stats").json()
    finally:
        if server.stdin is not None:
            server.stdin.close()
        server.wait(timeout=10)

    print(f"{count} webhook subscribers, {articles} articles each; server on 127.0.0.1 (a subprocess)")
    print(f"  engine, all      {count / total:8.0f} deliveries/s  ({total:6.2f} s: brief + deliver_due)")
    print(f"  engine, sending  {count / send:8.0f} deliveries/s  ({send:6.2f} s: deliver_due, concurrency 8)")
    naive_rate = count / naive_total
    print(f"  naive            {naive_rate:8.0f} deliveries/s  ({naive_total:6.2f} s: one httpx.post each)")
    print(f"  ratio            {naive_total / total:8.2f}x  (engine, all, against naive)")
    print(
        f"  memory           tracemalloc peak {peak / 1e6:.1f} MB (engine pass);"
        f" ru_maxrss {rss_before:.0f} MB before the engine, {rss_engine:.0f} MB after it"
    )
    for mode in ("engine", "naive", "memory"):
        got = stats.get(mode, {"requests": 0, "ids": 0, "unsigned": 0})
        print(
            f"  server, {mode:<8} {got['requests']} requests, {got['ids']} distinct webhook-ids,"
            f" {got['unsigned']} unsigned"
        )
        if got["requests"] != count or got["unsigned"]:
            raise SystemExit(f"the server got {got['requests']} {mode} requests, not {count}")
        if mode != "naive" and got["ids"] != count:
            raise SystemExit(f"the {mode} run sent {got['ids']} distinct webhook-ids, not {count}")


if __name__ == "__main__":
    main()
