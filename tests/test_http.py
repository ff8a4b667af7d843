"""digest.http: fetch's retries, backoff, Retry-After and the statuses it does not retry, against a real
server; and mask_url."""

from __future__ import annotations

import gzip

import httpx
import pytest

from digest.errors import FetchError, InputTooLarge
from digest.http import HttpStatusError, fetch, mask_url
from tests.conftest import LocalServer, Route


@pytest.fixture
def client() -> httpx.Client:
    return httpx.Client()


def test_backoff_doubles_with_jitter_between_half_and_full(
    http_server: LocalServer, client: httpx.Client
) -> None:
    url = http_server.queue("/a", Route(status=503), Route(status=502), Route(status=500))
    http_server.route("/a", b"ok")
    delays: list[float] = []

    response = fetch(client, "GET", url, base_delay=1.0, sleep=delays.append, jitter=lambda: 1.0)

    assert response.status_code == 200
    assert response.content == b"ok"
    assert delays == [1.0, 2.0, 4.0]
    low: list[float] = []
    http_server.queue("/a", Route(status=503), Route(status=503))
    fetch(client, "GET", url, base_delay=1.0, sleep=low.append, jitter=lambda: 0.0)
    assert low == [0.5, 1.0]


def test_gives_up_after_the_last_attempt(http_server: LocalServer, client: httpx.Client) -> None:
    url = http_server.route("/down", b"oops", status=503)
    delays: list[float] = []

    with pytest.raises(HttpStatusError) as caught:
        fetch(client, "GET", url, attempts=3, max_delay=1.5, sleep=delays.append, jitter=lambda: 1.0)

    assert caught.value.status_code == 503
    assert caught.value.body == b"oops"
    assert delays == [0.5, 1.0]  # no wait after the last attempt
    assert len(http_server.requests) == 3


def test_retry_after_is_honoured_and_capped(http_server: LocalServer, client: httpx.Client) -> None:
    url = http_server.queue(
        "/busy",
        Route(status=429, headers={"Retry-After": "7"}),
        Route(status=503, headers={"Retry-After": "3600"}),
    )
    http_server.route("/busy", b"ok")
    delays: list[float] = []

    fetch(client, "GET", url, max_delay=30.0, sleep=delays.append)

    assert delays == [7.0, 30.0]


def test_no_retry_on_404(http_server: LocalServer, client: httpx.Client) -> None:
    url = http_server.url("/missing")
    delays: list[float] = []

    with pytest.raises(HttpStatusError) as caught:
        fetch(client, "GET", url, sleep=delays.append)

    assert caught.value.status_code == 404
    assert caught.value.permanent
    assert "404" in str(caught.value)
    assert delays == []
    assert len(http_server.requests) == 1


def test_timeouts_are_retried_then_reported(http_server: LocalServer, client: httpx.Client) -> None:
    url = http_server.route("/slow", b"late", delay=0.3)
    delays: list[float] = []

    with pytest.raises(FetchError, match="timed out"):
        fetch(client, "GET", url, attempts=2, timeout=0.05, sleep=delays.append)

    assert len(delays) == 1


def test_body_is_decompressed_and_capped(http_server: LocalServer, client: httpx.Client) -> None:
    body = "交城".encode() * 1000
    url = http_server.route("/gz", gzip.compress(body), headers={"Content-Encoding": "gzip"})

    response = fetch(client, "GET", url)

    assert response.content == body
    assert "content-encoding" not in response.headers
    with pytest.raises(InputTooLarge):
        fetch(client, "GET", url, max_bytes=100)


def test_secrets_are_masked_in_errors(http_server: LocalServer, client: httpx.Client) -> None:
    url = http_server.url("/missing?token=s3cr3t&page=1")

    with pytest.raises(HttpStatusError) as caught:
        fetch(client, "GET", url, sleep=lambda _: None)

    assert "s3cr3t" not in str(caught.value)
    assert "token=***" in str(caught.value)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://u:p@szb.example.cn/a.htm", "https://***@szb.example.cn/a.htm"),
        ("https://x.cn/a?token=abc&page=2", "https://x.cn/a?token=***&page=2"),
        ("https://x.cn/a?AccessKeyId=1&Signature=2&x=3", "https://x.cn/a?AccessKeyId=***&Signature=***&x=3"),
        ("https://x.cn/a?%74oken=abc", "https://x.cn/a?%74oken=***"),
        ("https://x.cn/cb#access_token=abc&state=1", "https://x.cn/cb#access_token=***&state=1"),
        ("https://x.cn/a?q=%E4%B8%AD", "https://x.cn/a?q=%E4%B8%AD"),
        ("http://[::1/a?password=pw", "http://[::1/a?password=***"),
    ],
)
def test_mask_url(url: str, expected: str) -> None:
    assert mask_url(url) == expected
