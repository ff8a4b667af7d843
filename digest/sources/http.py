"""One HTTP request with retries: the helper every source (and later every delivery channel) uses.

Timeouts, connection errors, 5xx and 429 are retried with exponential backoff and jitter, honouring a
server's Retry-After up to ``max_delay``; any other 4xx fails at once. The body is read with the same
size cap and slow-server deadline as `digest summarise URL` (digest.ingest.sources), and every message
names the URL through mask_url, so a token in a URL never reaches a log or an error line.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import logging
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from digest.errors import FetchError, InputError
from digest.ingest.sources import (
    DEFAULT_MAX_BYTES,
    USER_AGENT,
    _read_body,
    _reason,
    _status_message,
    _Target,
    mask_url,
)

log = logging.getLogger(__name__)

# Statuses worth asking again for: the server is busy or broken now, it may not be in a moment.
_RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


class HttpStatusError(FetchError):
    """The server answered with an error status (after retries, where the status allows them)."""

    def __init__(self, message: str, status_code: int, body: bytes = b"") -> None:
        super().__init__(message)
        self.status_code = status_code
        self.body = body  # the first bytes of the error page: an API's JSON often says what was wrong

    @property
    def permanent(self) -> bool:
        """True for a 4xx other than 429 (and 408): asking again will not help."""
        return 400 <= self.status_code < 500 and self.status_code not in (408, 429)


def fetch(
    client: httpx.Client,
    method: str,
    url: str,
    *,
    headers: Mapping[str, str] | None = None,
    content: bytes | None = None,
    attempts: int = 4,
    base_delay: float = 0.5,
    max_delay: float = 30.0,
    sleep: Callable[[float], None] = time.sleep,
    jitter: Callable[[], float] = random.random,
    max_bytes: int = DEFAULT_MAX_BYTES,
    timeout: float = 30.0,
) -> httpx.Response:
    """Send one request, retrying what is worth retrying, and return the response with its body read.

    Returns any 2xx or 3xx response (304 included: conditional requests are the caller's business;
    redirects are followed). Raises HttpStatusError for a 4xx at once and for a 5xx/429 after the last
    attempt, FetchError when the server cannot be reached or the body is cut off, InputTooLarge when
    the body is over ``max_bytes`` (decompressed), InputError for a URL that cannot be fetched at all.

    The wait before retry n (1-based) is ``base_delay * 2**(n-1)``, scaled by a random factor in
    [0.5, 1) so that many clients do not retry in step, and capped at ``max_delay``; a Retry-After
    header (seconds or an HTTP date) replaces it, also capped at ``max_delay``.
    """
    shown = mask_url(url)
    try:
        host = httpx.URL(url).host
    except httpx.InvalidURL:
        host = ""
    if not host or not url[:8].lower().startswith(("http://", "https://")):
        raise InputError(f"{shown}: this is not a URL digest can fetch; check it")
    target = _Target(url, shown, host)
    request_headers = dict(headers or {})
    if client.headers.get("user-agent", "").startswith("python-httpx") and not any(
        name.lower() == "user-agent" for name in request_headers
    ):
        request_headers["User-Agent"] = USER_AGENT
    attempts = max(1, attempts)
    for attempt in range(1, attempts + 1):
        try:
            return _once(
                client,
                method,
                target,
                headers=request_headers,
                content=content,
                max_bytes=max_bytes,
                timeout=timeout,
            )
        except _Retryable as exc:
            if attempt == attempts:
                raise exc.error from None
            delay = _delay(attempt, exc.retry_after, base_delay, max_delay, jitter)
            log.info("%s; retrying in %.1f s (attempt %d of %d)", exc.error, delay, attempt + 1, attempts)
            sleep(delay)
    raise AssertionError("unreachable")  # pragma: no cover - the loop returns or raises


class _Retryable(Exception):
    def __init__(self, error: FetchError, retry_after: float | None = None) -> None:
        super().__init__(str(error))
        self.error = error
        self.retry_after = retry_after


def _once(
    client: httpx.Client,
    method: str,
    target: _Target,
    *,
    headers: dict[str, str],
    content: bytes | None,
    max_bytes: int,
    timeout: float,
) -> httpx.Response:
    shown, host = target.shown, target.host
    # `from None` throughout: httpx exceptions carry the request, and so the unmasked URL.
    try:
        with client.stream(
            method, target.url, headers=headers, content=content, timeout=timeout, follow_redirects=True
        ) as response:
            if response.status_code >= 400:
                error = HttpStatusError(
                    _status_message(shown, response), response.status_code, _error_body(response)
                )
                if response.status_code in _RETRY_STATUSES:
                    raise _Retryable(error, _retry_after(response.headers.get("retry-after")))
                raise error
            data = _read_body(response, target, max_bytes, timeout)
            return _with_body(response, data)
    except httpx.TimeoutException:
        raise _Retryable(
            FetchError(f"{shown}: could not reach {host} (timed out after {timeout:g} s); try again later")
        ) from None
    except httpx.TooManyRedirects:
        raise FetchError(
            f"{shown}: too many redirects; open the URL in a browser to see where it leads"
        ) from None
    except httpx.UnsupportedProtocol:
        raise FetchError(f"{shown}: the server redirected to an address digest cannot fetch") from None
    except httpx.TransportError as exc:
        # Refused or reset connections, and bodies cut off before their Content-Length.
        raise _Retryable(
            FetchError(f"{shown}: could not fetch from {host} ({_reason(exc, target.url)}); try again later")
        ) from None
    except httpx.HTTPError as exc:  # DecodingError (a broken gzip body) and the rest: not transient
        raise FetchError(f"{shown}: the download failed ({_reason(exc, target.url)})") from None


def _error_body(response: httpx.Response, limit: int = 4096) -> bytes:
    """The start of an error page, for callers that want the server's reason; never the whole page."""
    body = b""
    try:
        for chunk in response.iter_bytes():
            body += chunk
            if len(body) >= limit:
                break
    except httpx.HTTPError:
        pass
    return body[:limit]


def _with_body(response: httpx.Response, data: bytes) -> httpx.Response:
    """A read response holding ``data``, the body as decoded while streaming under the size cap."""
    # The body is already decompressed: keeping Content-Encoding would make httpx decode it again.
    headers = [
        (name, value)
        for name, value in response.headers.multi_items()
        if name.lower() not in ("content-encoding", "content-length", "transfer-encoding")
    ]
    return httpx.Response(
        response.status_code,
        headers=headers,
        content=data,
        request=response.request,
        history=response.history,
    )


def _retry_after(value: str | None) -> float | None:
    """Seconds to wait from a Retry-After value: delta-seconds or an HTTP date; None when unusable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return max(0.0, (when - dt.datetime.now(dt.UTC)).total_seconds())


def _delay(
    attempt: int, retry_after: float | None, base_delay: float, max_delay: float, jitter: Callable[[], float]
) -> float:
    if retry_after is not None:
        return min(retry_after, max_delay)
    backoff = base_delay * 2.0 ** (attempt - 1)
    return min(backoff * (0.5 + 0.5 * jitter()), max_delay)


@dataclass(frozen=True)
class HttpSettings:
    """How a source fetches: retries, their waits, the per-operation timeout and the body cap."""

    attempts: int = 4
    base_delay: float = 0.5
    max_delay: float = 30.0
    timeout: float = 30.0
    max_bytes: int = DEFAULT_MAX_BYTES
    sleep: Callable[[float], None] = time.sleep

    def get(self, client: httpx.Client, url: str, headers: Mapping[str, str] | None = None) -> httpx.Response:
        return fetch(
            client,
            "GET",
            url,
            headers=headers,
            attempts=self.attempts,
            base_delay=self.base_delay,
            max_delay=self.max_delay,
            sleep=self.sleep,
            max_bytes=self.max_bytes,
            timeout=self.timeout,
        )


def conditional_headers(saved: Mapping[str, Any]) -> dict[str, str]:
    """If-None-Match / If-Modified-Since from the validators a previous response left in ``saved``."""
    headers: dict[str, str] = {}
    if isinstance(etag := saved.get("etag"), str) and etag:
        headers["If-None-Match"] = etag
    if isinstance(modified := saved.get("last_modified"), str) and modified:
        headers["If-Modified-Since"] = modified
    return headers


def validators(response: httpx.Response) -> dict[str, str]:
    """The ETag and Last-Modified of ``response``, as state to send back next time."""
    found = {"etag": response.headers.get("etag"), "last_modified": response.headers.get("last-modified")}
    return {name: value for name, value in found.items() if value}
