"""The channel layer: a rendered briefing in, one DeliveryResult out.

A Channel sends one Message (a whole briefing, or one part of it) and says what happened: "sent",
"failed" (asking again will not help: a bad token, a refused signature, a 4xx) or "retry" (a timeout,
a refused connection, a 5xx, a 429 or a vendor's rate-limit code). ``send`` makes exactly one attempt
and never raises for a delivery problem: retries and their backoff belong to the caller (the delivery
log), which keeps the attempt count across restarts and waits ``retry_after`` where a server gave one.

Every reason and log line goes through ``Channel.scrub``, which replaces the channel's secrets (the
configured secret, passwords, tokens in a URL's path or query) with ***.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, ClassVar, Literal
from urllib.parse import quote, quote_plus, urlsplit

import httpx

from digest.errors import FetchError, InputError
from digest.http import HttpStatusError, fetch, mask_url
from digest.notify.splitting import split_body

log = logging.getLogger("digest.notify")

DeliveryStatus = Literal["sent", "failed", "retry"]
Unit = Literal["bytes", "characters"]
MASK = "***"
# Replies and error pages are small; a vendor answering megabytes is not one we talk to.
_MAX_REPLY_BYTES = 1024 * 1024
_REASON_MAX = 300


@dataclass(frozen=True, slots=True)
class Message:
    """One rendered briefing, or one part of one (see Channel.split)."""

    title: str
    text: str  # plain text: one block per article, blocks separated by a blank line
    markdown: str  # the same in Markdown, the same blocks
    html: str  # HTML (email)
    data: dict[str, Any]  # the structured briefing, for the generic webhook
    # Stable across retries of the same part: "brf_<briefing id>_<channel>_<part>".
    idempotency_key: str

    def titled(self, fmt: str) -> str:
        """The text or Markdown under its title, for a reader with no header of the channel's own
        (an email's plain text, an outbox file, ``digest preview``, the API); the HTML has its title."""
        if fmt == "text":
            return f"{self.title}\n\n{self.text}"
        if fmt == "markdown":
            return f"# {self.title}\n\n{self.markdown}"
        return self.html


@dataclass(frozen=True, slots=True)
class DeliveryResult:
    ok: bool
    status: DeliveryStatus
    reason: str = ""  # one line, secrets masked; the vendor's code and message where it gave one
    retry_after: float | None = None  # seconds, where the server said how long to wait

    @classmethod
    def sent(cls, reason: str = "") -> DeliveryResult:
        return cls(True, "sent", reason)

    @classmethod
    def failed(cls, reason: str) -> DeliveryResult:
        return cls(False, "failed", reason)

    @classmethod
    def retry(cls, reason: str, retry_after: float | None = None) -> DeliveryResult:
        return cls(False, "retry", reason, retry_after)


class Channel:
    """A destination for briefings. Subclasses implement ``_send`` and, where the vendor limits the
    size of a message, set ``limit`` and ``unit`` and say in ``_rendered`` what the limit applies to."""

    kind: ClassVar[str] = ""
    # The vendor's size limit per message, counted in ``unit``; None: no limit, never split.
    limit: ClassVar[int | None] = None
    unit: ClassVar[Unit] = "characters"
    # Which rendering of the Message this channel sends (and so splits).
    split_field: Literal["text", "markdown"] = "markdown"

    def __init__(self, name: str = "", *, secrets: Iterable[str | None] = ()) -> None:
        self.name = name or self.kind
        self._secrets = _secret_forms(secrets)

    # --- what callers use ------------------------------------------------------------------------

    def mask(self, *values: str) -> None:
        """Treat ``values`` as secrets too (those the config took from the environment)."""
        forms = set(self._secrets) | set(_secret_forms(values))
        self._secrets = tuple(sorted(forms, key=len, reverse=True))

    def send(self, message: Message) -> DeliveryResult:
        """Deliver ``message`` once. Never raises for a delivery problem; the result says what happened."""
        try:
            result = self._send(message)
        except Exception as exc:  # a channel bug must not stop a whole delivery run
            result = DeliveryResult.failed(f"unexpected error: {type(exc).__name__}: {exc}")
        result = dataclasses.replace(result, reason=self.scrub(result.reason))
        if result.ok:
            log.info("%s: sent %s", self.describe(), message.idempotency_key)
        else:
            log.warning(
                "%s: %s %s: %s", self.describe(), result.status, message.idempotency_key, result.reason
            )
        return result

    def split(self, message: Message) -> list[Message]:
        """``message`` as the parts this vendor accepts, each within ``limit`` counted in ``unit``.

        One part: the message itself. Several: each titled "<title> (i/n)" (every channel shows the
        title as the first line), its text and markdown both holding its share of ``split_field``,
        no HTML, ``data`` with "part" and "parts" added, and the idempotency key "<key>-<i>of<n>" —
        the same message always splits the same way, so the keys are stable across retries.
        """
        if self.limit is None:
            return [message]
        body = getattr(message, self.split_field)
        if self.size(message.title, body) <= self.limit:
            return [message]
        # The part number is in the title, which counts too: assume the widest "(n/n)" first.
        width = 1
        while True:
            chunks = split_body(body, self.limit, self._measure_with(message.title, width))
            if len(str(len(chunks))) <= width:
                break
            width = len(str(len(chunks)))
        n = len(chunks)
        return [
            dataclasses.replace(
                message,
                title=f"{message.title} ({i}/{n})",
                text=chunk,
                markdown=chunk,
                html="",
                data={**message.data, "part": i, "parts": n},
                idempotency_key=f"{message.idempotency_key}-{i}of{n}",
            )
            for i, chunk in enumerate(chunks, 1)
        ]

    def _measure_with(self, title: str, width: int) -> Callable[[str], int]:
        widest = f"{title} ({'9' * width}/{'9' * width})"
        return lambda body: self.size(widest, body)

    def size(self, title: str, body: str) -> int:
        """The size of the message the vendor limits, in ``unit``."""
        rendered = self._rendered(title, body)
        return len(rendered.encode("utf-8")) if self.unit == "bytes" else len(rendered)

    def describe(self) -> str:
        """The channel for logs: kind, name and where it sends, with nothing secret in it."""
        return f"{self.kind} channel {self.name!r}"

    def scrub(self, text: str) -> str:
        """``text`` on one line, shortened, with every secret of this channel replaced by ***."""
        for secret in self._secrets:
            text = text.replace(secret, MASK)
        text = " ".join(text.split())
        return text if len(text) <= _REASON_MAX else text[: _REASON_MAX - 1] + "…"

    def close(self) -> None:
        """Release what the channel holds (an HTTP connection pool)."""

    def __enter__(self) -> Channel:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.describe()}>"

    # --- what kinds implement --------------------------------------------------------------------

    def _send(self, message: Message) -> DeliveryResult:
        raise NotImplementedError

    def _rendered(self, title: str, body: str) -> str:
        """What the vendor's limit applies to, for a part with this title and body."""
        return body


def _secret_forms(secrets: Iterable[str | None]) -> tuple[str, ...]:
    """Each secret as written and as it appears in a URL; longest first, so no partial masking."""
    forms: set[str] = set()
    for secret in secrets:
        if secret and len(secret) >= 4:  # a 1-3 character "secret" would mask ordinary words
            forms.update({secret, quote(secret, safe=""), quote_plus(secret), quote(secret)})
    return tuple(sorted(forms, key=len, reverse=True))


def url_secrets(url: str) -> list[str]:
    """Parts of ``url`` that are credentials: userinfo and the values of credential-like parameters."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return [url]
    found = []
    if "@" in parts.netloc:
        userinfo = parts.netloc.rpartition("@")[0]
        found += [userinfo, userinfo.partition(":")[2]]
    for piece in re.split(r"[&;]", parts.query):
        name, eq, value = piece.partition("=")
        if eq and value and _SECRET_NAME.search(name):
            found.append(value)
    return found


_SECRET_NAME = re.compile(r"token|key|secret|sign|pass|pwd|auth|session|ticket|credential", re.IGNORECASE)


def origin(url: str) -> str:
    """scheme://host[:port] of ``url``, with a marker for a path or query left out: safe for a log."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return "<invalid URL>"
    rest = "/…" if parts.path.strip("/") or parts.query else ""
    return f"{parts.scheme}://{host}{port}{rest}"


# --- HTTP channels -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class HttpRequest:
    url: str
    payload: dict[str, Any]
    headers: dict[str, str] = dataclasses.field(default_factory=dict)
    body: bytes | None = None  # the exact bytes to send, where they were signed; else the payload's JSON

    def content(self) -> bytes:
        return self.body if self.body is not None else json_bytes(self.payload)


def json_bytes(payload: object) -> bytes:
    """JSON as sent: UTF-8, Chinese as is (vendors count bytes; \\uXXXX escapes would triple them)."""
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


class HttpChannel(Channel):
    """A channel that POSTs JSON to a URL through digest.http.fetch, one attempt per send."""

    def __init__(
        self,
        url: str,
        *,
        name: str = "",
        secret: str | None = None,
        timeout: float = 10.0,
        client: httpx.Client | None = None,
        clock: Callable[[], float] = time.time,
        secrets: Iterable[str | None] = (),
    ) -> None:
        super().__init__(name, secrets=[secret, *url_secrets(url), *secrets])
        self.url = url
        self.timeout = timeout
        self._secret = secret
        self._clock = clock
        self._own_client = client is None
        self._client = client if client is not None else httpx.Client()

    def describe(self) -> str:
        return f"{super().describe()} ({origin(self.url)})"

    def close(self) -> None:
        if self._own_client:
            self._client.close()

    def _send(self, message: Message) -> DeliveryResult:
        request = self._request(message)
        try:
            response = fetch(
                self._client,
                "POST",
                request.url,
                headers={"Content-Type": "application/json; charset=utf-8", **request.headers},
                content=request.content(),
                attempts=1,
                timeout=self.timeout,
                max_bytes=_MAX_REPLY_BYTES,
            )
        except HttpStatusError as exc:
            return self._http_error(exc.status_code, exc.body, exc.retry_after)
        except InputError as exc:  # a URL that cannot be fetched at all, or an oversized reply
            return DeliveryResult.failed(_without_url(str(exc), request.url))
        except FetchError as exc:  # timeouts, refused or reset connections: temporary
            return DeliveryResult.retry(_without_url(str(exc), request.url))
        return self._reply(response)

    def _request(self, message: Message) -> HttpRequest:
        raise NotImplementedError

    def _reply(self, response: httpx.Response) -> DeliveryResult:
        """A 2xx/3xx answer: sent, unless the vendor's body says otherwise."""
        return DeliveryResult.sent(f"HTTP {response.status_code}")

    def _vendor_error(self, body: bytes) -> tuple[DeliveryResult | None, str]:
        """What an error body says: a result where the vendor's code decides it, and a detail line."""
        return None, _snippet(body)

    def _http_error(self, status: int, body: bytes, retry_after: float | None) -> DeliveryResult:
        decided, detail = self._vendor_error(body)
        reason = f"HTTP {status}" + (f": {detail}" if detail else "")
        if status == 429:
            return DeliveryResult.retry(
                reason, retry_after if retry_after is not None else decided_after(decided)
            )
        if status >= 500 or status == 408:
            return DeliveryResult.retry(reason, retry_after)
        if decided is not None:
            return dataclasses.replace(decided, reason=f"HTTP {status}: {decided.reason}")
        return DeliveryResult.failed(reason)


def _without_url(text: str, url: str) -> str:
    """fetch names the URL (query masked) in its messages; a hook's path is a secret too: drop it."""
    return text.replace(mask_url(url), origin(url)).replace(url, origin(url))


def decided_after(result: DeliveryResult | None) -> float | None:
    return result.retry_after if result is not None else None


def reply_json(body: bytes) -> dict[str, Any] | None:
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return None
    return data if isinstance(data, dict) else None


def _snippet(body: bytes, limit: int = 200) -> str:
    text = " ".join(body.decode("utf-8", "replace").split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def vendor_code_result(
    code: object, message: object, *, retry_codes: frozenset[int], retry_after: float | None = None
) -> DeliveryResult:
    """A vendor's reply code: 0 is success, a rate-limit or busy code is temporary, others are final."""
    reason = f"{'error' if code != 0 else 'code'} {code}: {message}" if message else f"code {code}"
    if code == 0:
        return DeliveryResult.sent(reason)
    if isinstance(code, int) and code in retry_codes:
        return DeliveryResult.retry(reason, retry_after)
    return DeliveryResult.failed(reason)
