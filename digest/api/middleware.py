"""ASGI middleware of the API: the request size cap and the per-route request metrics."""

from __future__ import annotations

import json
import time
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from digest.errors import InputTooLarge
from digest.http import too_large


def body_too_large(size: int | None, limit: int) -> InputTooLarge:
    """The 413 of a request body over [api] max_request_bytes (``size``: None when only known to be
    over). ``too_large`` describes the size; its hint names [ingest] max_bytes, the cap on pages the
    bot reads, which does not let a larger request in, so the hint is the API's own."""
    described = too_large("the request body", size, limit).message.split("; ", 1)[0]
    return InputTooLarge(
        f"{described}; send a smaller page, or raise [api] max_request_bytes in the server's config"
    )


class BodyLimit:
    """Refuses a request body over ``limit`` bytes with 413: at once when its Content-Length says so,
    else as soon as the bytes received pass the limit (the endpoint's read raises InputTooLarge), so
    no more than the limit is ever held."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = dict(scope["headers"]).get(b"content-length", b"").decode("latin-1").strip()
        if length.isdigit() and int(length) > self.limit:
            error = body_too_large(int(length), self.limit)
            body = json.dumps({"error": error.message}, ensure_ascii=False).encode()
            await send(
                {
                    "type": "http.response.start",
                    "status": 413,
                    "headers": [
                        (b"content-type", b"application/json"),
                        (b"content-length", str(len(body)).encode()),
                        (b"connection", b"close"),
                    ],
                }
            )
            await send({"type": "http.response.body", "body": body})
            return
        received = 0

        async def capped() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.limit:
                    raise body_too_large(None, self.limit)
            return message

        await self.app(scope, capped, send)


class RequestMetrics:
    """Counts requests and times them per route template (not per URL: ids would explode the labels)."""

    def __init__(self, app: ASGIApp, registry: CollectorRegistry) -> None:
        self.app = app
        self.requests = Counter(
            "digest_api_requests",
            "HTTP requests answered, by route, method and status.",
            ["route", "method", "status"],
            registry=registry,
        )
        self.latency = Histogram(
            "digest_api_request_duration_seconds",
            "Time to answer a request, by route and method.",
            ["route", "method"],
            registry=registry,
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status = 500
        start = time.perf_counter()

        async def watched(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, watched)
        finally:
            route = _route_of(scope)
            method = str(scope.get("method", ""))
            self.requests.labels(route, method, str(status)).inc()
            self.latency.labels(route, method).observe(time.perf_counter() - start)


def _route_of(scope: Scope) -> str:
    route: Any = scope.get("route")
    path = getattr(route, "path", None)
    return path if isinstance(path, str) else "unmatched"
