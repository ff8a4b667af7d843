"""Hostile documents through every way in: `digest summarise`, a watched folder, a URL source and the
API. Each is that document's own error (a clear line, a 4xx), never a traceback, a stopped cycle or
a lost neighbour: the good pages beside them are read and stored every time.

The ways in: `digest summarise`, `run --once` over a watched folder, a URL source, an RSS feed and a
Founder e-paper edition linking to them, and POST /v1/summarise.

The corpus: empty, blank, binary, NUL bytes, charsets that are no text encoding, a truncated, an
encrypted and a scanned PDF, HTML nested 100,000 deep, entity expansion (billion laughs), a 10 MB
line, Big5 text, and a FIFO where a file should be.
"""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient

from digest.api.app import create_app
from digest.config import load
from tests.api.conftest import AS_ADMIN
from tests.api.conftest import write_config as write_api_config
from tests.conftest import LocalServer
from tests.ingest.pdf_builder import build_page_pdf, build_scanned_pdf, layout_page, render_pdf, truncated
from tests.test_bot import write_config
from tests.test_cli import run_digest

_LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10 if i > 1 else "&lol;" * 10}">' for i in range(1, 10))
    + "]><html><body><p>&lol9;</p></body></html>"
)
GOOD = {
    "2026-12-01-good.txt": "本报讯 清河县召开秋收工作会议，部署秋收工作。\n（记者 王建国）\n".encode(),
    "2026-12-02-good.html": (
        "<html><body><h1>石岭镇举办丰收节</h1>"
        "<p>本报讯 石岭镇举办农民丰收节，展示秋收成果。</p></body></html>"
    ).encode(),
}


def hostile() -> dict[str, bytes]:
    """Name → bytes of each hostile document (names say what they are; suffixes pick the reader)."""
    page_pdf = build_page_pdf()
    return {
        "empty.txt": b"",
        "blank.txt": b"   \n\n \t \n",
        "binary.txt": bytes(range(256)) * 64,
        "nul-bytes.txt": "本报讯 清河县新闻。".encode().replace(b"\xe6", b"\x00\xe6") * 50,
        "undefined-charset.html": b'<meta charset="undefined"><body><p>\xe6\x9c\xac</p></body>',
        "punycode-charset.html": b'<meta charset="punycode"><p>\xff\xfe\xfd</p>',
        "truncated.pdf": truncated(page_pdf),
        "encrypted.pdf": render_pdf(layout_page(), user_password="pw"),  # noqa: S106 - a test PDF
        "scanned.pdf": build_scanned_pdf(),
        "deep.html": b"<div>" * 100_000 + "本报讯 深处的新闻。".encode() + b"</div>" * 100_000,
        "entities.html": _LAUGHS.encode(),
        "long-line.txt": ("本报讯 " + "清河县召开会议部署工作，" * 280_000 + "。").encode(),
        "big5.txt": "本報訊 清河縣召開秋收工作會議，部署秋收工作。".encode("big5") * 20,
    }


@pytest.fixture(scope="module")
def corpus() -> dict[str, bytes]:
    return hostile()


def _issues(db: Path) -> list[str]:
    with sqlite3.connect(db) as conn:
        return [row[0] for row in conn.execute("select locator from issues")]


def test_summarise_gives_each_hostile_document_a_clear_error_or_its_articles(
    tmp_path: Path, corpus: dict[str, bytes]
) -> None:
    outcomes: dict[str, int] = {}
    for name, data in corpus.items():
        path = tmp_path / name
        path.write_bytes(data)
        result = run_digest("summarise", str(path))
        said = result.stderr.decode()
        assert "Traceback" not in said, f"{name}: {said[-2000:]}"
        assert result.returncode in (0, 2), f"{name}: exit {result.returncode}: {said[-500:]}"
        if result.returncode == 2:
            assert said.startswith("digest: ") and said.count("\n") <= 3, f"{name}: {said}"
        outcomes[name] = result.returncode
    fifo = tmp_path / "fifo.txt"
    os.mkfifo(fifo)
    result = run_digest("summarise", str(fifo))
    assert result.returncode == 2 and "Traceback" not in result.stderr.decode()
    # The ones with text in them give it; the rest say why not.
    assert outcomes["long-line.txt"] == 0 and outcomes["deep.html"] == 0
    assert all(outcomes[name] == 2 for name in ("empty.txt", "binary.txt", "truncated.pdf", "scanned.pdf"))


def test_a_watched_folder_of_hostile_documents_loses_none_of_its_good_pages(
    tmp_path: Path, corpus: dict[str, bytes]
) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    for name, data in {**corpus, **GOOD}.items():
        (folder / name).write_bytes(data)
    os.mkfifo(folder / "fifo.txt")
    config = write_config(tmp_path, folder)
    result = run_digest("--config", str(config), "run", "--once")
    said = result.stderr.decode()
    assert result.returncode == 0, said[-2000:]
    assert "Traceback" not in said
    stored = {Path(locator).name for locator in _issues(tmp_path / "digest.db")}
    assert set(GOOD) <= stored
    # Every hostile document is stored or named in a warning: none vanishes without a word.
    for name in corpus:
        assert name in stored or name in said, f"{name} is neither stored nor named"
    again = run_digest("--config", str(config), "run", "--once")
    assert again.returncode == 0 and "Traceback" not in again.stderr.decode()


@pytest.fixture
def served(http_server: LocalServer, corpus: dict[str, bytes]) -> Iterator[list[str]]:
    types = {".txt": "text/plain; charset=utf-8", ".html": "text/html", ".pdf": "application/pdf"}
    urls = [
        http_server.route(f"/{name}", data, headers={"Content-Type": types[Path(name).suffix]})
        for name, data in {**corpus, **GOOD}.items()
    ]
    yield urls


def test_a_url_source_of_hostile_documents_loses_none_of_its_good_pages(
    tmp_path: Path, served: list[str]
) -> None:
    urls = ", ".join(f'"{url}"' for url in served)
    config = _with_source(
        tmp_path, f'[[sources]]\nname = "site"\nkind = "url"\npaper = "清河报"\nurls = [{urls}]'
    )
    assert set(GOOD) <= _run_keeps_good_pages(tmp_path, config)


def _with_source(tmp_path: Path, source: str) -> Path:
    """The bot's test config with its folder source replaced by ``source`` (a [[sources]] table)."""
    config = write_config(tmp_path, tmp_path / "unused")
    text = config.read_text(encoding="utf-8")
    folder_source = text[text.index("[[sources]]") : text.index("[[subscribers]]")]
    config.write_text(text.replace(folder_source, source + "\n"), encoding="utf-8")
    return config


def _run_keeps_good_pages(tmp_path: Path, config: Path) -> set[str]:
    result = run_digest("--config", str(config), "run", "--once")
    said = result.stderr.decode()
    assert result.returncode == 0 and "Traceback" not in said, said[-2000:]
    return {locator.rsplit("/", 1)[-1] for locator in _issues(tmp_path / "digest.db")}


def test_a_feed_linking_hostile_documents_loses_none_of_its_good_pages(
    tmp_path: Path, http_server: LocalServer, corpus: dict[str, bytes]
) -> None:
    types = {".txt": "text/plain; charset=utf-8", ".html": "text/html", ".pdf": "application/pdf"}
    items = ""
    for i, (name, data) in enumerate({**corpus, **GOOD}.items()):
        url = http_server.route(f"/news/{name}", data, headers={"Content-Type": types[Path(name).suffix]})
        items += f"<item><title>第{i}条</title><link>{url}</link><guid>g{i}</guid></item>"
    feed = http_server.route(
        "/rss.xml",
        f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>清河报</title>{items}'
        "</channel></rss>".encode(),
        headers={"Content-Type": "application/rss+xml"},
    )
    config = _with_source(
        tmp_path, f'[[sources]]\nname = "feed"\nkind = "rss"\npaper = "清河报"\nfeed_url = "{feed}"'
    )
    assert set(GOOD) <= _run_keeps_good_pages(tmp_path, config)


def test_an_epaper_edition_of_hostile_pages_loses_none_of_its_good_pages(
    tmp_path: Path, http_server: LocalServer, corpus: dict[str, bytes]
) -> None:
    today = dt.datetime.now(ZoneInfo("Asia/Shanghai")).date()  # the edition `run --once` reads
    day = f"/html/{today:%Y-%m}/{today:%d}"
    pages = {**corpus, **GOOD}
    links = "".join(f'<li><a href="content_{i}.htm">标题{i}</a></li>' for i in range(len(pages)))
    http_server.route(
        f"{day}/node_1.htm",
        (
            f'<html><body><div id="nav"><a href="node_1.htm">第01版：要闻</a></div><ul>{links}</ul>'
            "</body></html>"
        ).encode(),
        headers={"Content-Type": "text/html; charset=utf-8"},
    )
    for i, data in enumerate(pages.values()):
        http_server.route(f"{day}/content_{i}.htm", data, headers={"Content-Type": "text/html"})
    template = http_server.url("/html/{date:%Y-%m}/{date:%d}/node_1.htm")
    config = _with_source(
        tmp_path,
        f'[[sources]]\nname = "site"\nkind = "epaper"\npaper = "清河报"\nurl_template = "{template}"',
    )
    stored = _run_keeps_good_pages(tmp_path, config)
    good = {f"content_{i}.htm" for i, name in enumerate(pages) if name in GOOD}
    assert good <= stored, stored


def test_the_api_answers_each_hostile_document_without_a_server_error(
    tmp_path: Path, corpus: dict[str, bytes]
) -> None:
    types = {".txt": "text/plain", ".html": "text/html", ".pdf": "application/pdf"}
    app = create_app(load(write_api_config(tmp_path, max_bytes=40_000_000)))
    with TestClient(app, raise_server_exceptions=False) as client:
        for name, data in corpus.items():
            reply = client.post(
                "/v1/summarise", content=data, headers=AS_ADMIN | {"Content-Type": types[Path(name).suffix]}
            )
            assert reply.status_code < 500, f"{name}: {reply.status_code} {reply.text[:300]}"
            assert "error" in reply.json() or "articles" in reply.json()
