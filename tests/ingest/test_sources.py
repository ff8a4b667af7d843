"""read_input against a real local HTTP server, real files and a stdin stand-in."""

from __future__ import annotations

import datetime as dt
import io
import os
import socket
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from digest.errors import EmptyInput, FetchError, InputError, InputNotFound, InputTooLarge
from digest.http import USER_AGENT
from digest.ingest.sources import charset_of, read_input
from digest.sources.base import PollResult
from digest.sources.folder import FolderSource
from tests.conftest import LocalServer

HTML = "<html><body><p>交城县召开会议</p></body></html>".encode("gb18030")


# --- URLs -----------------------------------------------------------------------------------------


def test_fetch_keeps_body_and_full_content_type(http_server: LocalServer) -> None:
    url = http_server.route("/epaper/content_1.htm", HTML, headers={"Content-Type": "text/html; charset=GBK"})

    raw = read_input(url)

    assert raw.data == HTML
    assert raw.source == url
    assert raw.media_type == "text/html; charset=GBK"
    assert charset_of(raw.media_type) == "GBK"
    assert http_server.requests[0].headers["user-agent"] == USER_AGENT


def test_fetch_with_a_callers_client(http_server: LocalServer) -> None:
    url = http_server.route("/a.txt", b"text", headers={"Content-Type": "text/plain"})
    with httpx.Client() as client:
        raw = read_input(url, client=client)
    assert raw.data == b"text"
    assert http_server.requests[0].headers["user-agent"] == USER_AGENT  # httpx's default is replaced


def test_redirect_is_followed(http_server: LocalServer) -> None:
    http_server.route("/new.htm", HTML, headers={"Content-Type": "text/html"})
    old = http_server.route("/old.htm", status=302, headers={"Location": "/new.htm"})

    raw = read_input(old)

    assert raw.data == HTML
    assert raw.source == old  # the address the user gave, for messages
    assert [r.path for r in http_server.requests] == ["/old.htm", "/new.htm"]


def test_404_is_a_fetch_error_with_status_and_url(http_server: LocalServer) -> None:
    url = http_server.url("/missing.htm")

    with pytest.raises(FetchError) as caught:
        read_input(url)

    assert caught.value.exit_code == 3
    message = str(caught.value)
    assert "404" in message
    assert url in message
    assert "\n" not in message


def test_server_error_says_try_again(http_server: LocalServer) -> None:
    url = http_server.route("/down", b"oops", status=503)
    with pytest.raises(FetchError, match=r"503.*try again later"):
        read_input(url)


def test_slow_server_times_out_with_the_timeout_in_the_message(http_server: LocalServer) -> None:
    url = http_server.route("/slow", HTML, delay=3.0)
    started = time.monotonic()

    with pytest.raises(FetchError) as caught:
        read_input(url, timeout=0.3)

    assert time.monotonic() - started < 2.5
    assert "timed out after 0.3 s" in str(caught.value)
    assert "try again later" in str(caught.value)


def _closed_port() -> int:
    """A port nothing listens on: bind one, then close it."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def test_server_trickling_bytes_hits_the_overall_deadline(http_server: LocalServer) -> None:
    # Each byte arrives within the 0.2 s read timeout, but the whole page would take 10 s.
    url = http_server.route("/trickle", b"x" * 200, trickle=0.05)
    started = time.monotonic()
    with pytest.raises(FetchError, match=r"too slowly \(not finished after 0\.8 s\)"):
        read_input(url, timeout=0.2)
    assert time.monotonic() - started < 3


def test_unreachable_host_is_a_fetch_error() -> None:
    port = _closed_port()
    with pytest.raises(FetchError, match=r"could not reach 127\.0\.0\.1"):
        read_input(f"http://127.0.0.1:{port}/page.htm", timeout=2)


@pytest.mark.parametrize("url", ["http://[::1/page?token=SECRET", "http:///nohost?token=SECRET"])
def test_malformed_url_is_an_input_error(url: str) -> None:
    with pytest.raises(InputError, match="not a URL digest can fetch") as caught:
        read_input(url, timeout=2)
    assert "SECRET" not in str(caught.value)


def test_body_over_the_limit_is_refused_by_content_length(http_server: LocalServer) -> None:
    url = http_server.route("/big.pdf", b"%PDF-" + b"x" * 5000)
    with pytest.raises(InputTooLarge) as caught:
        read_input(url, max_bytes=1000)
    message = str(caught.value)
    assert "1000 bytes" in message
    assert "[ingest] max_bytes" in message


def test_streamed_body_over_the_limit_is_refused_while_reading(http_server: LocalServer) -> None:
    url = http_server.route("/stream", b"y" * 300_000, content_length=False)
    with pytest.raises(InputTooLarge, match=r"larger than 97\.7 KiB"):
        read_input(url, max_bytes=100_000)


def test_secrets_in_the_url_never_reach_the_message(http_server: LocalServer) -> None:
    url = http_server.url("/missing.htm?date=2024-07-26&token=SECRET&api_key=SECRET2")
    with pytest.raises(FetchError) as caught:
        read_input(url)
    message = str(caught.value)
    assert "SECRET" not in message
    assert "token=***" in message
    assert "date=2024-07-26" in message


def test_secrets_are_masked_in_the_source_of_a_successful_fetch(http_server: LocalServer) -> None:
    url = http_server.route("/p.htm", HTML) + "?sign=abc123"
    raw = read_input(url)
    assert "abc123" not in raw.source


def test_userinfo_is_masked_in_connection_errors() -> None:
    port = _closed_port()
    with pytest.raises(FetchError) as caught:
        read_input(f"http://reader:hunter2@127.0.0.1:{port}/p.htm", timeout=2)
    assert "hunter2" not in str(caught.value)
    assert "reader" not in str(caught.value)


@pytest.mark.parametrize(
    ("media_type", "expected"),
    [
        ("text/html; charset=gb2312", "gb2312"),
        ('text/html;charset="UTF-8"', "UTF-8"),
        ("text/html", None),
        ("text/html; charset=", None),
        (None, None),
        (".htm", None),
    ],
)
def test_charset_of(media_type: str | None, expected: str | None) -> None:
    assert charset_of(media_type) == expected


# --- stdin and files ------------------------------------------------------------------------------


def test_stdin() -> None:
    raw = read_input("-", stdin=io.BytesIO("本报讯 盛夏时节".encode()))
    assert raw.data == "本报讯 盛夏时节".encode()
    assert raw.source == "-"
    assert raw.media_type is None


def test_stdin_over_the_limit() -> None:
    with pytest.raises(InputTooLarge):
        read_input("-", stdin=io.BytesIO(b"a" * 2000), max_bytes=1000)


def test_empty_stdin() -> None:
    with pytest.raises(EmptyInput, match="stdin: the input is empty"):
        read_input("-", stdin=io.BytesIO(b""))


def test_file_media_type_is_the_lowercased_suffix(tmp_path: Path) -> None:
    page = tmp_path / "Page01.HTM"
    page.write_bytes(HTML)
    raw = read_input(str(page))
    assert raw.data == HTML
    assert raw.media_type == ".htm"
    assert raw.source == str(page)


def test_missing_file(tmp_path: Path) -> None:
    missing = tmp_path / "nope.pdf"
    with pytest.raises(InputNotFound) as caught:
        read_input(str(missing))
    assert str(caught.value) == f"{missing}: no such file; check the path"
    assert caught.value.exit_code == 2


def test_directory(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="is a directory"):
        read_input(str(tmp_path))


@pytest.mark.skipif(sys.platform == "win32" or os.geteuid() == 0, reason="root reads everything")
def test_unreadable_file(tmp_path: Path) -> None:
    page = tmp_path / "locked.txt"
    page.write_bytes(b"text")
    page.chmod(0)
    with pytest.raises(InputError, match="permission denied"):
        read_input(str(page))


@pytest.mark.parametrize("content", [b"", b" \r\n\t\n", b"\xef\xbb\xbf\n"])
def test_empty_file(tmp_path: Path, content: bytes) -> None:
    page = tmp_path / "empty.txt"
    page.write_bytes(content)
    with pytest.raises(EmptyInput, match="the input is empty"):
        read_input(str(page))


def test_file_over_the_limit_is_refused_before_reading(tmp_path: Path) -> None:
    page = tmp_path / "big.pdf"
    page.write_bytes(b"%PDF-" + b"0" * (3 * 1024 * 1024))
    with pytest.raises(InputTooLarge) as caught:
        read_input(str(page), max_bytes=1024 * 1024)
    assert "3.0 MiB" in str(caught.value)
    assert "1.0 MiB" in str(caught.value)


def test_nul_in_path_is_an_input_error() -> None:
    with pytest.raises(InputError, match="cannot read the file"):
        read_input("page\0.txt")


def _within(seconds: float, work: Callable[[], object], unblock: Path) -> object:
    """``work()``'s result or exception, failing the test (not hanging it) when it blocks: opening
    ``unblock`` (a FIFO) for writing releases a reader stuck opening it."""
    outcome: list[object] = []

    def run() -> None:
        try:
            outcome.append(work())
        except Exception as exc:  # the error is the outcome under test
            outcome.append(exc)

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(seconds)
    if worker.is_alive():
        with unblock.open("wb"):
            pass
        worker.join(seconds)
        pytest.fail(f"blocked on the named pipe {unblock.name}")
    return outcome[0]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes")
def test_a_named_pipe_is_refused_before_it_is_opened(tmp_path: Path) -> None:
    # Opening a FIFO waits for a writer, forever when none comes: it is refused from its stat.
    fifo = tmp_path / "page.txt"
    os.mkfifo(fifo)
    error = _within(10, lambda: read_input(str(fifo)), fifo)
    assert isinstance(error, InputError), error
    assert str(error) == (
        f"{fifo}: is a named pipe, not a regular file; give the path of a page, or - to read stdin"
    )
    # A link to one is the same pipe.
    link = tmp_path / "link.txt"
    link.symlink_to(fifo)
    assert isinstance(_within(10, lambda: read_input(str(link)), fifo), InputError)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes")
def test_a_watched_folder_skips_a_named_pipe(tmp_path: Path) -> None:
    (tmp_path / "2024-07-01.txt").write_text("本报讯 清河县召开秋收会议。\n", encoding="utf-8")
    os.mkfifo(tmp_path / "2024-07-02.txt")
    source = FolderSource("county", "清河报", tmp_path, settle_seconds=0)
    result = _within(10, lambda: source.poll({}, dt.date(2024, 7, 2)), tmp_path / "2024-07-02.txt")
    assert isinstance(result, PollResult), result
    assert [Path(d.locator).name for d in result.documents] == ["2024-07-01.txt"]
    assert result.errors == ()
