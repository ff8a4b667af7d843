"""UrlSource against a real server: conditional GET, retries, timeouts, cut-off bodies, masking."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import httpx
import pytest

from digest.http import HttpSettings
from digest.sources.urls import UrlSource
from tests.conftest import LocalServer, Route

TODAY = dt.date(2024, 7, 26)
PDF = b"%PDF-1.4 the issue"


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    with httpx.Client() as client:
        yield client


def _source(urls: list[str], client: httpx.Client, delays: list[float], timeout: float = 5.0) -> UrlSource:
    return UrlSource("site", "交城报", urls, client, http=HttpSettings(sleep=delays.append, timeout=timeout))


def test_etag_is_sent_back_and_304_means_nothing(http_server: LocalServer, client: httpx.Client) -> None:
    url = http_server.route(
        "/2024-07/26/jcb.pdf", PDF, headers={"ETag": '"v1"', "Content-Type": "application/pdf"}
    )
    source = _source([url], client, [])

    first = source.poll({}, TODAY)
    assert len(first.documents) == 1
    document = first.documents[0]
    assert document.raw.data == PDF
    assert document.raw.media_type == "application/pdf"
    assert document.issue_date == TODAY
    assert document.link == url
    assert first.state["urls"][url]["etag"] == '"v1"'

    second = source.poll(first.state, TODAY)
    assert http_server.requests[-1].headers["if-none-match"] == '"v1"'
    assert second.documents == ()
    assert second.errors == ()
    assert second.state == first.state


def test_last_modified_is_sent_back(http_server: LocalServer, client: httpx.Client) -> None:
    stamp = "Fri, 26 Jul 2024 00:00:00 GMT"
    url = http_server.route("/today.pdf", PDF, headers={"Last-Modified": stamp})
    source = _source([url], client, [])

    state = source.poll({}, TODAY).state
    second = source.poll(state, TODAY)

    assert http_server.requests[-1].headers["if-modified-since"] == stamp
    assert second.documents == ()


def test_same_bytes_without_validators_are_not_returned_again(
    http_server: LocalServer, client: httpx.Client
) -> None:
    url = http_server.route("/plain.pdf", PDF)
    source = _source([url], client, [])
    state = source.poll({}, TODAY).state

    assert source.poll(state, TODAY).documents == ()
    http_server.route("/plain.pdf", PDF + b" updated")
    assert len(source.poll(state, TODAY).documents) == 1


def test_500_then_200_is_one_document_after_a_retry(http_server: LocalServer, client: httpx.Client) -> None:
    url = http_server.queue("/flaky.pdf", Route(status=500))
    http_server.route("/flaky.pdf", PDF)
    delays: list[float] = []

    result = _source([url], client, delays).poll({}, TODAY)

    assert len(result.documents) == 1
    assert result.errors == ()
    assert len(delays) == 1


def test_timeout_is_an_error_line_and_the_next_poll_retries(
    http_server: LocalServer, client: httpx.Client
) -> None:
    url = http_server.route("/slow.pdf", PDF, delay=0.3)
    source = _source([url], client, [], timeout=0.05)

    failed = source.poll({}, TODAY)
    assert failed.documents == ()
    assert len(failed.errors) == 1
    assert "timed out" in failed.errors[0]

    http_server.route("/slow.pdf", PDF)
    assert len(source.poll(failed.state, TODAY).documents) == 1


def test_truncated_body_is_an_error_and_leaves_the_state(
    http_server: LocalServer, client: httpx.Client
) -> None:
    url = http_server.route("/cut.pdf", PDF, headers={"ETag": '"v2"'})
    source = _source([url], client, [])
    state = source.poll({}, TODAY).state
    http_server.route("/cut.pdf", PDF + b" more", headers={"ETag": '"v3"', "Content-Length": "1000"})

    result = source.poll(state, TODAY)

    assert result.documents == ()
    assert len(result.errors) == 1
    assert result.state == state


def test_404_is_an_error_line_without_retry(http_server: LocalServer, client: httpx.Client) -> None:
    delays: list[float] = []

    result = _source([http_server.url("/gone.pdf")], client, delays).poll({}, TODAY)

    assert len(result.errors) == 1
    assert "404" in result.errors[0]
    assert delays == []
    assert len(http_server.requests) == 1


def test_secrets_are_masked(http_server: LocalServer, client: httpx.Client) -> None:
    url = http_server.url("/gone.pdf?access_token=s3cr3t")
    ok = http_server.route("/ok.pdf", PDF) + "?sign=abc123"

    result = _source([url, ok], client, []).poll({}, TODAY)

    assert "s3cr3t" not in result.errors[0]
    assert "access_token=***" in result.errors[0]
    document = result.documents[0]
    assert "abc123" not in document.locator + document.raw.source
    assert document.link is None  # a reader never gets a URL with credentials in it
