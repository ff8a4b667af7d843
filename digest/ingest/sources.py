"""Read the bytes of one input: a local file, `-` for stdin, or an http(s) URL.

Everything is size-capped before it is held in memory. URLs are fetched once (no retries) through
digest.http.fetch, whose messages name the URL with mask_url applied, so a token in a URL never
reaches a log, a terminal or an HTTP error response.
"""

from __future__ import annotations

import codecs
import stat
import sys
from pathlib import Path
from typing import BinaryIO

import httpx

from digest.errors import EmptyInput, FetchError, InputError, InputNotFound
from digest.http import DEFAULT_MAX_BYTES, USER_AGENT, fetch, mask_url, status_message, too_large
from digest.models import RawInput

_CHUNK = 1024 * 1024


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


# --- files and stdin ------------------------------------------------------------------------------


def _read_file(locator: str, max_bytes: int) -> RawInput:
    path = Path(locator).expanduser()
    try:
        info = path.stat()  # of what a link points to; never blocks, as opening a FIFO does
        if stat.S_ISDIR(info.st_mode):
            raise InputError(f"{locator}: is a directory, not a file; give the path of one page")
        if not stat.S_ISREG(info.st_mode):
            # Opening a named pipe waits for a writer (forever when none comes), and a device or a
            # socket is no page either: only regular files are read; a stream comes in on stdin.
            raise InputError(
                f"{locator}: is {_kind_of(info.st_mode)}, not a regular file; give the path of a page, "
                "or - to read stdin"
            )
        size = info.st_size
        if size > max_bytes:  # refuse before reading: a 2 GB file should not be loaded to be rejected
            raise too_large(locator, size, max_bytes)
        with path.open("rb") as stream:
            data = _read_capped(stream, locator, max_bytes)  # the size can change as it is read
    except FileNotFoundError:
        raise InputNotFound(f"{locator}: no such file; check the path") from None
    except PermissionError:
        raise InputError(f"{locator}: permission denied; check the file's permissions") from None
    except (OSError, ValueError) as exc:  # ValueError: a NUL byte in the path
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise InputError(f"{locator}: cannot read the file ({reason}); check the path") from None
    return RawInput(source=locator, data=data, media_type=path.suffix.lower() or None)


def _kind_of(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a named pipe"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "a socket" if stat.S_ISSOCK(mode) else "a special file"


def _read_capped(stream: BinaryIO, source: str, max_bytes: int) -> bytes:
    """Read to the end, but never hold more than ``max_bytes`` + one chunk."""
    chunks: list[bytes] = []
    total = 0
    while chunk := stream.read(min(_CHUNK, max_bytes + 1 - total)):
        chunks.append(chunk)
        total += len(chunk)
        if total > max_bytes:
            raise too_large(source, None, max_bytes)
    return b"".join(chunks)


# --- URLs -----------------------------------------------------------------------------------------


def _fetch(url: str, client: httpx.Client | None, max_bytes: int, timeout: float) -> RawInput:
    if client is None:
        with httpx.Client(
            follow_redirects=True, timeout=timeout, headers={"User-Agent": USER_AGENT}
        ) as own_client:
            return _fetch(url, own_client, max_bytes, timeout)
    # One attempt: an editor running `digest summarise URL` wants a prompt answer, not a retry loop.
    response = fetch(client, "GET", url, attempts=1, max_bytes=max_bytes, timeout=timeout)
    shown = mask_url(url)
    if not response.is_success:  # a final 3xx: not a redirect httpx can follow (300, 304, no Location)
        raise FetchError(status_message(shown, response))
    return RawInput(source=shown, data=response.content, media_type=response.headers.get("content-type"))
