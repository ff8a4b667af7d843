"""HTTP for digest: one request with retries, the size-capped body read, and URL masking.

`digest summarise URL` (digest.ingest.sources, one attempt), the bot's sources and its delivery
channels all fetch through ``fetch``. Timeouts, connection errors, 5xx and 429 are retried with
exponential backoff and jitter, honouring a server's Retry-After up to ``max_delay``; any other 4xx
fails at once. The body is size-capped before it is held in memory and must arrive within a
whole-request deadline, and every message names the URL through mask_url (digest.url_masking), so a
token in a URL never reaches a log, a terminal or an HTTP error response.
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

from digest import __version__
from digest.errors import FetchError, InputError, InputTooLarge
from digest.url_masking import mask_secrets, mask_url

__all__ = [
    "DEFAULT_MAX_BYTES",
    "USER_AGENT",
    "HttpSettings",
    "HttpStatusError",
    "conditional_headers",
    "fetch",
    "mask_url",
    "retry_after_seconds",
    "status_message",
    "too_large",
    "validators",
]

log = logging.getLogger(__name__)

DEFAULT_MAX_BYTES = 50 * 1024 * 1024
USER_AGENT = f"digest/{__version__} (newspaper digest bot)"

# httpx's timeout bounds each network operation; a server trickling one byte at a time would never
# trip it. The whole request also has to finish within this many timeouts.
_TOTAL_TIMEOUTS = 4
# Statuses worth asking again for: the server is busy or broken now, it may not be in a moment.
_RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


class HttpStatusError(FetchError):
    """The server answered with an error status (after retries, where the status allows them)."""

    def __init__(
        self, message: str, status_code: int, body: bytes = b"", retry_after: float | None = None
    ) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.body = body  # the first bytes of the error page: an API's JSON often says what was wrong
        self.retry_after = retry_after  # seconds, from the server's Retry-After header, if it sent one

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

    The client's own User-Agent is kept unless it is httpx's default (or ``headers`` names one), and
    the request always follows redirects and uses ``timeout`` per network operation; the whole body
    has to arrive within four times ``timeout``.

    The wait before retry n (1-based) is ``base_delay * 2**(n-1)``, scaled by a random factor in
    [0.5, 1) so that many clients do not retry in step, and capped at ``max_delay``; a Retry-After
    header (seconds or an HTTP date) replaces it, also capped at ``max_delay``.
    """
    shown = mask_url(url)
    try:
        host = httpx.URL(url).host
    except httpx.InvalidURL:
        host = ""
    # Checked up front so that httpx's "unsupported protocol" can only mean a bad redirect.
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


def status_message(shown: str, response: httpx.Response) -> str:
    """One line naming the (masked) URL ``shown`` and the response's status, with advice for it."""
    code = response.status_code
    status = f"HTTP {code} {response.reason_phrase}".strip()
    if code in (401, 403):
        advice = "the page may need a login, or the site refuses automated readers"
    elif code in (404, 410):
        advice = "check the URL (e-paper pages move once an issue is archived)"
    elif code == 429 or code >= 500:
        advice = "try again later"
    else:
        advice = "check the URL"
    return f"{shown}: the server answered {status}; {advice}"


def too_large(source: str, size: int | None, max_bytes: int) -> InputTooLarge:
    """The error for an input of ``size`` bytes (None: not known, only that it is over the cap)."""
    what = f"is {_size(size)}" if size is not None else f"is larger than {_size(max_bytes)}"
    return InputTooLarge(
        f"{source}: the input {what}, over the limit of {_size(max_bytes)}; "
        "raise [ingest] max_bytes in the config to read it anyway"
    )


# --- one attempt ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Target:
    url: str
    shown: str  # the URL as messages may show it (mask_url)
    host: str


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
                    status_message(shown, response),
                    response.status_code,
                    _error_body(response),
                    retry_after_seconds(response.headers.get("retry-after")),
                )
                if response.status_code in _RETRY_STATUSES:
                    raise _Retryable(error, error.retry_after)
                raise error
            data = _read_body(response, target, max_bytes, timeout)
            return _with_body(response, data)
    except httpx.TimeoutException:
        raise _Retryable(
            FetchError(
                f"{shown}: could not reach {host} (timed out after {timeout:g} s); "
                "check the URL or try again later"
            )
        ) from None
    except httpx.TooManyRedirects:
        raise FetchError(
            f"{shown}: too many redirects; open the URL in a browser to see where it leads"
        ) from None
    except httpx.UnsupportedProtocol:
        raise FetchError(
            f"{shown}: the server redirected to an address digest cannot fetch; "
            "give digest the final http(s) URL"
        ) from None
    except httpx.TransportError as exc:
        # Refused or reset connections, and bodies cut off before their Content-Length.
        raise _Retryable(
            FetchError(
                f"{shown}: could not reach {host} ({_reason(exc, target.url)}); "
                "check the URL or try again later"
            )
        ) from None
    except httpx.HTTPError as exc:  # DecodingError (a broken gzip body) and the rest: not retried
        raise FetchError(
            f"{shown}: the download failed ({_reason(exc, target.url)}); try again later"
        ) from None


def _read_body(response: httpx.Response, target: _Target, max_bytes: int, timeout: float) -> bytes:
    length = response.headers.get("content-length", "")
    if length.isdigit() and int(length) > max_bytes:  # refuse before downloading anything
        raise too_large(target.shown, int(length), max_bytes)
    deadline = time.monotonic() + _TOTAL_TIMEOUTS * timeout
    chunks: list[bytes] = []
    total = 0
    for chunk in response.iter_bytes():  # decompressed, so a gzip bomb is capped too
        total += len(chunk)
        if total > max_bytes:
            raise too_large(target.shown, None, max_bytes)
        if time.monotonic() > deadline:
            raise FetchError(
                f"{target.shown}: {target.host} sent the page too slowly (not finished after "
                f"{_TOTAL_TIMEOUTS * timeout:g} s); try again later"
            )
        chunks.append(chunk)
    return b"".join(chunks)


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


def _size(n: int) -> str:
    if n >= 1024 * 1024:
        return f"{n / (1024 * 1024):.1f} MiB"
    if n >= 1024:
        return f"{n / 1024:.1f} KiB"
    return f"{n} bytes"


def _reason(exc: Exception, url: str) -> str:
    """The transport error's own words on one line, with anything from the URL masked out."""
    return mask_secrets(" ".join(str(exc).split()) or type(exc).__name__, url)


# --- retries --------------------------------------------------------------------------------------


def retry_after_seconds(value: str | None) -> float | None:
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


# --- settings and conditional requests ------------------------------------------------------------


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
