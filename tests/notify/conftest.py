"""A real HTTP server on 127.0.0.1 that receives POSTs and answers through handlers.

It reuses the shared fixture's server class and Route; a handler is a callable that gets the
request as received (path with query, headers, raw body) and returns the Route to answer with, so a
test server can check a vendor's signature the way the vendor documents it. Queued routes (a 500, a
429) are served first, once each, before the path's handler.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.conftest import Route, serve


@dataclass(frozen=True)
class Received:
    method: str
    path: str  # with its query
    headers: dict[str, str]  # names in lower case
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def query(self) -> dict[str, str]:
        return {name: values[0] for name, values in parse_qs(urlsplit(self.path).query).items()}


Handler = Callable[[Received], Route]


def json_route(payload: object, status: int = 200, headers: dict[str, str] | None = None) -> Route:
    body = json.dumps(payload, ensure_ascii=False).encode()
    return Route(status, {"Content-Type": "application/json", **(headers or {})}, body)


@dataclass
class HookServer:
    base_url: str
    handlers: dict[str, Handler] = field(default_factory=dict)
    queued: dict[str, list[Route]] = field(default_factory=dict)
    received: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def handle(self, path: str, handler: Handler) -> str:
        """Answer requests for ``path`` (without query) through ``handler``; return the full URL."""
        self.handlers[path] = handler
        return self.base_url + path

    def queue(self, path: str, *routes: Route) -> str:
        self.queued.setdefault(path, []).extend(routes)
        return self.base_url + path

    def answer(self, request: Received) -> Route:
        path = urlsplit(request.path).path
        with self.lock:
            self.received.append(request)
            queued = self.queued.get(path)
            if queued:
                return queued.pop(0)
        handler = self.handlers.get(path)
        return handler(request) if handler else Route(status=404, body=b"not found")


def _handler_for(server: HookServer) -> type[BaseHTTPRequestHandler]:
    class RequestHandler(BaseHTTPRequestHandler):
        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            request = Received(self.command, self.path, {k.lower(): v for k, v in self.headers.items()}, body)
            route = server.answer(request)
            if route.delay:
                time.sleep(route.delay)
            self.send_response(route.status)
            for name, value in route.headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(route.body)))
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(route.body)

        do_GET = do_POST = _serve

        def log_message(self, format: str, *args: object) -> None:
            pass

    return RequestHandler


@pytest.fixture
def hook_server() -> Iterator[HookServer]:
    with serve(_handler_for, HookServer) as server:
        yield server
