"""The HTTP API under load: 200 concurrent POST /v1/summarise (extractive engine) at a local
`digest serve` (a subprocess on 127.0.0.1), against the same 200 requests sent one at a time.

Reports throughput, p50/p95 latency and errors (the target is zero) for both, and their ratio.
Run: .venv/bin/python benchmarks/bench_api.py [--requests N]
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from digest.shipped import SAMPLE_PAGE

ROOT = Path(__file__).parent.parent
SAMPLE = SAMPLE_PAGE
TOKEN = "bench-token"  # noqa: S105 - a throwaway token for a local server


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_server(folder: Path, port: int) -> subprocess.Popen[bytes]:
    config = folder / "digest.toml"
    digest = hashlib.sha256(TOKEN.encode()).hexdigest()
    config.write_text(
        f'[store]\nurl = "sqlite:///{folder / "digest.db"}"\n\n[summarise]\nengine = "extractive"\n\n'
        f'[api]\ntokens = [{{ name = "bench", scope = "admin", sha256 = "{digest}" }}]\n',
        encoding="utf-8",
    )
    server = subprocess.Popen(
        [sys.executable, "-m", "digest", "--config", str(config), "serve", "--port", str(port)],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return server
        except httpx.TransportError:
            time.sleep(0.1)
    server.kill()
    raise SystemExit("digest serve did not start")


def report(name: str, latencies: list[float], errors: int, wall: float) -> float:
    ordered = sorted(latencies)
    p95 = ordered[max(0, int(len(ordered) * 0.95) - 1)] if ordered else float("nan")
    rate = len(latencies) / wall
    print(
        f"  {name:<12} {rate:7.1f} req/s  wall {wall:6.2f} s  p50 {statistics.median(ordered) * 1000:7.1f} ms"
        f"  p95 {p95 * 1000:7.1f} ms  errors {errors}"
    )
    return wall


async def concurrent(url: str, body: bytes, count: int) -> tuple[list[float], int, float]:
    headers = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "text/plain; charset=utf-8"}
    limits = httpx.Limits(max_connections=count, max_keepalive_connections=count)
    latencies: list[float] = []
    errors = 0
    async with httpx.AsyncClient(timeout=300, limits=limits) as client:

        async def one() -> None:
            nonlocal errors
            start = time.perf_counter()
            try:
                reply = await client.post(url, content=body, headers=headers)
                ok = reply.status_code == 200 and len(reply.json()["articles"]) == 5
            except httpx.HTTPError:
                ok = False
            latencies.append(time.perf_counter() - start)
            errors += not ok

        start = time.perf_counter()
        await asyncio.gather(*(one() for _ in range(count)))
        return latencies, errors, time.perf_counter() - start


def one_at_a_time(url: str, body: bytes, count: int) -> tuple[list[float], int, float]:
    headers = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "text/plain; charset=utf-8"}
    latencies: list[float] = []
    errors = 0
    start = time.perf_counter()
    for _ in range(count):
        began = time.perf_counter()
        try:  # the naive way: a new connection per request, nothing overlapped
            reply = httpx.post(url, content=body, headers=headers, timeout=300)
            ok = reply.status_code == 200 and len(reply.json()["articles"]) == 5
        except httpx.HTTPError:
            ok = False
        latencies.append(time.perf_counter() - began)
        errors += not ok
    return latencies, errors, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=200)
    count = parser.parse_args().requests
    body = SAMPLE.read_bytes()
    port = free_port()
    url = f"http://127.0.0.1:{port}/v1/summarise"
    with tempfile.TemporaryDirectory() as folder:
        server = start_server(Path(folder), port)
        try:
            one_at_a_time(url, body, 5)  # warm up: jieba's dictionary, the first connections
            print(f"{count} POST /v1/summarise of the sample page (5 articles), extractive engine")
            concurrent_wall = report("concurrent", *asyncio.run(concurrent(url, body, count)))
            naive_wall = report("one by one", *one_at_a_time(url, body, count))
            print(f"  ratio        {naive_wall / concurrent_wall:7.2f}x  (one by one wall / concurrent wall)")
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=30)


if __name__ == "__main__":
    main()
