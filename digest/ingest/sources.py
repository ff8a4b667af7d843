"""Read the bytes of one input: a local file, `-` for stdin, or an http(s) URL.

Everything is size-capped before it is held in memory, and every message names the input with
mask_url applied, so a token in a URL never reaches a log, a terminal or an HTTP error response.
"""

from __future__ import annotations

import codecs
import re
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO
from urllib.parse import unquote, urlsplit, urlunsplit

import httpx

from digest import __version__
from digest.errors import EmptyInput, FetchError, InputError, InputNotFound, InputTooLarge
from digest.models import RawInput

DEFAULT_MAX_BYTES = 50 * 1024 * 1024
USER_AGENT = f"digest/{__version__} (newspaper digest bot)"

_CHUNK = 1024 * 1024
# httpx's timeout bounds each network operation; a server trickling one byte at a time would never
# trip it. The whole request also has to finish within this many timeouts.
_TOTAL_TIMEOUTS = 4
# Parameter names that carry credentials in practice (token, api_key, secret, sign, signature,
# password, passwd, pwd, auth, session, ticket, credential): their values are masked in messages.
_SECRET_NAME = re.compile(r"token|key|secret|sign|pass|pwd|auth|session|ticket|credential", re.IGNORECASE)
_MASK = "***"


def read_input(
    locator: str,
    *,
    client: httpx.Client | None = None,
    stdin: BinaryIO | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    timeout: float = 30.0,
) -> RawInput:
    """Read ``locator`` (a path, `-` for stdin, or an http(s) URL) into a RawInput.

    Raises InputNotFound, InputError, EmptyInput, InputTooLarge or FetchError with a one-line message
    that says what to do. A ``client`` passed in is reused (connection pooling, proxies), but this
    request always follows redirects and uses ``timeout``; ``max_bytes`` caps the decompressed body.
    """
    if locator == "-":
        # The source stays "-", as the user wrote it; messages say "stdin", which reads better.
        raw = RawInput(source="-", data=_read_capped(stdin or sys.stdin.buffer, "stdin", max_bytes))
    elif locator[:8].lower().startswith(("http://", "https://")):
        raw = _fetch(locator, client, max_bytes, timeout)
    else:
        raw = _read_file(locator, max_bytes)
    if _blank(raw.data):
        shown = "stdin" if locator == "-" else raw.source
        raise EmptyInput(f"{shown}: the input is empty; give digest a page with text (PDF, HTML or text)")
    return raw


def _blank(data: bytes) -> bool:
    # Look at the start first: stripping a 50 MB input just to find it is not empty costs a copy.
    head = data[:4096].removeprefix(codecs.BOM_UTF8)
    return not head.strip() and not data.removeprefix(codecs.BOM_UTF8).strip()


def charset_of(media_type: str | None) -> str | None:
    """The charset parameter of a Content-Type value ("text/html; charset=gbk" → "gbk"), or None."""
    if not media_type:
        return None
    for parameter in media_type.split(";")[1:]:
        name, _, value = parameter.partition("=")
        if name.strip().lower() == "charset":
            return value.strip().strip("\"'").strip() or None
    return None


def mask_url(url: str) -> str:
    """``url`` with its userinfo and the values of credential-like query parameters replaced by ***."""
    try:
        parts = urlsplit(url)
        netloc = parts.netloc
        if "@" in netloc:
            netloc = _MASK + "@" + netloc.rpartition("@")[2]
        return urlunsplit(
            (parts.scheme, netloc, parts.path, _mask_params(parts.query), _mask_params(parts.fragment))
        )
    except ValueError:
        # Not parseable (an unbalanced "[" in the host): mask by pattern rather than echo it back.
        masked = re.sub(r"//[^/?#]*@", "//" + _MASK + "@", url)
        return re.sub(r"([?&#;][^=&#]*=)[^&#]*", lambda m: _mask_param(m.group(0)), masked)


# --- files and stdin ------------------------------------------------------------------------------


def _read_file(locator: str, max_bytes: int) -> RawInput:
    path = Path(locator).expanduser()
    try:
        if path.is_dir():
            raise InputError(f"{locator}: is a directory, not a file; give the path of one page")
        size = path.stat().st_size
        if size > max_bytes:  # refuse before reading: a 2 GB file should not be loaded to be rejected
            raise _too_large(locator, size, max_bytes)
        with path.open("rb") as stream:
            data = _read_capped(stream, locator, max_bytes)  # the size can change, /dev files lie
    except FileNotFoundError:
        raise InputNotFound(f"{locator}: no such file; check the path") from None
    except PermissionError:
        raise InputError(f"{locator}: permission denied; check the file's permissions") from None
    except (OSError, ValueError) as exc:  # ValueError: a NUL byte in the path
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise InputError(f"{locator}: cannot read the file ({reason}); check the path") from None
    return RawInput(source=locator, data=data, media_type=path.suffix.lower() or None)


def _read_capped(stream: BinaryIO, source: str, max_bytes: int) -> bytes:
    """Read to the end, but never hold more than ``max_bytes`` + one chunk."""
    chunks: list[bytes] = []
    total = 0
    while chunk := stream.read(min(_CHUNK, max_bytes + 1 - total)):
        chunks.append(chunk)
        total += len(chunk)
        if total > max_bytes:
            raise _too_large(source, None, max_bytes)
    return b"".join(chunks)


def _too_large(source: str, size: int | None, max_bytes: int) -> InputTooLarge:
    what = f"is {_size(size)}" if size is not None else f"is larger than {_size(max_bytes)}"
    return InputTooLarge(
        f"{source}: the input {what}, over the limit of {_size(max_bytes)}; "
        "raise [ingest] max_bytes in the config to read it anyway"
    )


def _size(n: int) -> str:
    if n >= 1024 * 1024:
        return f"{n / (1024 * 1024):.1f} MiB"
    if n >= 1024:
        return f"{n / 1024:.1f} KiB"
    return f"{n} bytes"


# --- URLs -----------------------------------------------------------------------------------------


def _fetch(url: str, client: httpx.Client | None, max_bytes: int, timeout: float) -> RawInput:
    shown = mask_url(url)
    # Checked up front so that httpx's "unsupported protocol" can only mean a bad redirect.
    try:
        host = httpx.URL(url).host
    except httpx.InvalidURL:
        host = ""
    if not host:
        raise InputError(f"{shown}: this is not a URL digest can fetch; check it")
    if client is not None:
        return _fetch_with(client, _Target(url, shown, host), max_bytes, timeout)
    with httpx.Client(
        follow_redirects=True, timeout=timeout, headers={"User-Agent": USER_AGENT}
    ) as own_client:
        return _fetch_with(own_client, _Target(url, shown, host), max_bytes, timeout)


@dataclass(frozen=True)
class _Target:
    url: str
    shown: str  # the URL as messages may show it (mask_url)
    host: str


def _fetch_with(client: httpx.Client, target: _Target, max_bytes: int, timeout: float) -> RawInput:
    shown, host = target.shown, target.host
    # A caller's client keeps its own User-Agent unless it is httpx's default.
    default_agent = client.headers.get("user-agent", "").startswith("python-httpx")
    headers = {"User-Agent": USER_AGENT} if default_agent else {}
    # `from None` throughout: httpx exceptions carry the request, and so the unmasked URL.
    try:
        with client.stream(
            "GET", target.url, headers=headers, timeout=timeout, follow_redirects=True
        ) as response:
            if not response.is_success:
                raise FetchError(_status_message(shown, response))
            data = _read_body(response, target, max_bytes, timeout)
            media_type = response.headers.get("content-type")
    except httpx.TimeoutException:
        raise FetchError(
            f"{shown}: could not reach {host} (timed out after {timeout:g} s); "
            "check the URL or try again later"
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
        raise FetchError(
            f"{shown}: could not reach {host} ({_reason(exc, target.url)}); check the URL or try again later"
        ) from None
    except httpx.HTTPError as exc:  # DecodingError (a broken gzip body) and the rest
        raise FetchError(
            f"{shown}: the download failed ({_reason(exc, target.url)}); try again later"
        ) from None
    return RawInput(source=shown, data=data, media_type=media_type)


def _read_body(response: httpx.Response, target: _Target, max_bytes: int, timeout: float) -> bytes:
    length = response.headers.get("content-length", "")
    if length.isdigit() and int(length) > max_bytes:  # refuse before downloading anything
        raise _too_large(target.shown, int(length), max_bytes)
    deadline = time.monotonic() + _TOTAL_TIMEOUTS * timeout
    chunks: list[bytes] = []
    total = 0
    for chunk in response.iter_bytes():  # decompressed, so a gzip bomb is capped too
        total += len(chunk)
        if total > max_bytes:
            raise _too_large(target.shown, None, max_bytes)
        if time.monotonic() > deadline:
            raise FetchError(
                f"{target.shown}: {target.host} sent the page too slowly (not finished after "
                f"{_TOTAL_TIMEOUTS * timeout:g} s); try again later"
            )
        chunks.append(chunk)
    return b"".join(chunks)


def _status_message(shown: str, response: httpx.Response) -> str:
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


def _reason(exc: Exception, url: str) -> str:
    """The transport error's own words on one line, with anything from the URL masked out."""
    reason = " ".join(str(exc).split()) or type(exc).__name__
    for secret in _secrets(url):
        reason = reason.replace(secret, _MASK)
    return reason


def _secrets(url: str) -> list[str]:
    try:
        parts = urlsplit(url)
    except ValueError:
        return []
    found = []
    if "@" in parts.netloc:
        found.append(parts.netloc.rpartition("@")[0])
    for piece in re.split(r"[&;]", parts.query + "&" + parts.fragment):
        name, eq, value = piece.partition("=")
        if eq and value and _SECRET_NAME.search(unquote(name)):
            found.append(value)
    return [secret for secret in found if secret]


def _mask_params(query: str) -> str:
    return "&".join(_mask_param(piece) for piece in query.split("&")) if query else query


def _mask_param(piece: str) -> str:
    name, eq, _value = piece.partition("=")
    return f"{name}={_MASK}" if eq and _SECRET_NAME.search(unquote(name)) else piece
