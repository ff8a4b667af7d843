"""Shared fixtures. `http_server` is a real HTTP server on 127.0.0.1 for code that fetches URLs."""

from __future__ import annotations

import os
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TypeVar
from urllib.parse import urlsplit

import pytest
from hypothesis import settings as hypothesis_settings

S = TypeVar("S")

# Models converted for CTranslate2 are cached beside the Hugging Face cache: the tests keep theirs,
# and any other Hugging Face file, out of the user's home. Set before huggingface_hub reads it.
os.environ["HF_HOME"] = tempfile.mkdtemp(prefix="digest-tests-hf-")

# CI runs the property tests on a fixed sequence of examples, so a green run stays green; locally
# each run explores new ones (run with --hypothesis-seed=N to repeat one).
hypothesis_settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    hypothesis_settings.load_profile("ci")


@dataclass(frozen=True)
class Route:
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    # Seconds to wait before answering, to test timeouts.
    delay: float = 0.0
    # False: no Content-Length, the body ends when the connection closes (a streamed download).
    content_length: bool = True
    # Seconds between single bytes of the body: a server that answers, but too slowly.
    trickle: float = 0.0


@dataclass(frozen=True)
class SeenRequest:
    path: str
    headers: dict[str, str]


class LocalServer:
    """Answers GET requests from registered routes; unknown paths get 404."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.routes: dict[str, Route] = {}
        # Answers served once each, in order, before the path's route: a 500 and then the page.
        self.queued: dict[str, list[Route]] = {}
        self.requests: list[SeenRequest] = []

    def route(
        self,
        path: str,
        body: bytes = b"",
        *,
        status: int = 200,
        headers: dict[str, str] | None = None,
        delay: float = 0.0,
        content_length: bool = True,
        trickle: float = 0.0,
    ) -> str:
        """Register ``path`` (without query) and return its full URL."""
        self.routes[path] = Route(status, dict(headers or {}), body, delay, content_length, trickle)
        return self.url(path)

    def queue(self, path: str, *routes: Route) -> str:
        """Serve ``routes`` once each, in order, before the path's registered route; return its URL."""
        self.queued.setdefault(path, []).extend(routes)
        return self.url(path)

    def url(self, path: str) -> str:
        return self.base_url + path

    def paths(self) -> list[str]:
        """The paths requested so far, in order, without their queries."""
        return [urlsplit(seen.path).path for seen in self.requests]


def _not_modified(route: Route, request_headers: dict[str, str]) -> bool:
    """Conditional GET as servers do it: a matching ETag, or an unchanged Last-Modified, means 304."""
    headers = {k.lower(): v for k, v in route.headers.items()}
    if route.status != 200:
        return False
    if "if-none-match" in request_headers and "etag" in headers:
        return headers["etag"] in {tag.strip() for tag in request_headers["if-none-match"].split(",")}
    return "if-modified-since" in request_headers and request_headers["if-modified-since"] == headers.get(
        "last-modified"
    )


def _handler_for(server: LocalServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            path = urlsplit(self.path).path
            seen = SeenRequest(self.path, {k.lower(): v for k, v in self.headers.items()})
            server.requests.append(seen)
            queued = server.queued.get(path)
            route = queued.pop(0) if queued else server.routes.get(path, Route(status=404, body=b"not found"))
            if _not_modified(route, seen.headers):
                route = Route(status=304, headers=route.headers, body=b"", content_length=False)
            if route.delay:
                time.sleep(route.delay)
            self.send_response(route.status)
            for name, value in route.headers.items():
                self.send_header(name, value)
            if route.content_length and not any(k.lower() == "content-length" for k in route.headers):
                self.send_header("Content-Length", str(len(route.body)))
            self.send_header("Connection", "close")
            self.end_headers()
            if not route.trickle:
                self.wfile.write(route.body)
                return
            for i in range(len(route.body)):
                self.wfile.write(route.body[i : i + 1])
                self.wfile.flush()
                time.sleep(route.trickle)

        def log_message(self, format: str, *args: object) -> None:
            pass  # keep test output clean

    return Handler


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        # Clients that time out or refuse a large body hang up mid-answer; that is the point of
        # those tests, not an error.
        pass


@contextmanager
def serve(handler_for: Callable[[S], type[BaseHTTPRequestHandler]], make: Callable[[str], S]) -> Iterator[S]:
    """Run a real HTTP server on 127.0.0.1 in a thread for the duration of the block.

    ``make`` builds the test's view of the server from its base URL; ``handler_for`` builds the
    request handler class that answers from that view.
    """
    httpd = _QuietServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    host, port = httpd.server_address[:2]
    server = make(f"http://{host!s}:{port}")
    httpd.RequestHandlerClass = handler_for(server)
    # A short poll interval: shutdown() waits for the next poll, and this runs once per test.
    thread = threading.Thread(
        target=httpd.serve_forever, kwargs={"poll_interval": 0.02}, name="test-http-server", daemon=True
    )
    thread.start()
    try:
        yield server
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


@pytest.fixture
def http_server() -> Iterator[LocalServer]:
    with serve(_handler_for, LocalServer) as server:
        yield server
