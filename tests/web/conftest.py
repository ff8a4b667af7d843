"""The reading room's fixtures: a config in tmp_path, a store filled by ingesting real pages (the
sample page, a hostile page of our own, a second issue), summarised and briefed, and the app on it."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from html import unescape
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from digest.api.app import create_app
from digest.briefing.daily import brief
from digest.config import Settings, load
from digest.ingest.cues import HouseStyle
from digest.models import RawInput
from digest.pipeline import ingest_document, summarise_pending
from digest.shipped import SAMPLE_PAGE
from digest.sources.base import FetchedDocument
from digest.store import Store, open_store
from digest.summarise.extractive import ExtractiveSummariser
from tests.api.conftest import READ, sha
from tests.store.conftest import store_url  # noqa: F401 - the fixture: SQLite, and PostgreSQL when given

HERE = Path(__file__).parent
HOSTILE = HERE / "hostile_page.txt"
SECRET = "a-test-secret-of-the-reading-room"  # noqa: S105 - a test key, not a credential
NOW = dt.datetime(2024, 7, 27, 8, 0, tzinfo=dt.UTC)
DAY = dt.date(2024, 7, 27)
SAMPLE_PAPER = "交城报"
HOSTILE_PAPER = "测试/县报"  # a slash in a paper's name: its links must still resolve


def write_config(tmp_path: Path, *, public: bool = False, base_url: str = "", database: str = "") -> Path:
    config = tmp_path / "digest.toml"
    url = database or f"sqlite:///{tmp_path / 'digest.db'}"
    config.write_text(
        f"""
[store]
url = "{url}"

[api]
tokens = [{{ name = "desk", scope = "read", sha256 = "{sha(READ)}" }}]

[web]
public = {str(public).lower()}
secret = "{SECRET}"
base_url = "{base_url}"
page_size = 2

[[subscribers]]
name = "desk"
look_back_days = 3
channels = [{{ kind = "file", url = "{tmp_path / "outbox"}" }}]

[[subscribers]]
name = "rival"
papers = ["{HOSTILE_PAPER}"]
look_back_days = 3
channels = [{{ kind = "file", url = "{tmp_path / "outbox"}" }}]
""",
        encoding="utf-8",
    )
    return config


def ingest(
    store: Store,
    path: Path,
    paper: str,
    day: dt.date,
    *,
    now: dt.datetime = NOW,
    name: str = "",
    styles: Mapping[str, HouseStyle] | None = None,
) -> None:
    raw = RawInput(name or path.name, path.read_bytes())
    doc = FetchedDocument(
        source="folder",
        paper=paper,
        locator=name or path.name,
        raw=raw,
        issue_date=day,
        edition="第01版",
        link=f"https://epaper.example.cn/{day.isoformat()}/{path.name}",
    )
    ingest_document(store, doc, now=now, styles=styles)


def summarise(store: Store) -> None:
    summarise_pending(store, ExtractiveSummariser(30, 120), batch=50, now=lambda: NOW)


def fill(settings: Settings, folder: Path) -> None:
    """Two papers, three issues, every article summarised, a briefing for each subscriber."""
    with open_store(settings.store.url) as store:
        ingest(store, SAMPLE_PAGE, SAMPLE_PAPER, dt.date(2024, 7, 26))
        ingest(store, HOSTILE, HOSTILE_PAPER, DAY)
        # A second issue of the sample paper: the same page under another date and different bytes.
        second = SAMPLE_PAGE.read_text(encoding="utf-8").replace("盛夏时节", "入伏以来")
        path = folder / "second.txt"
        path.write_text(second, encoding="utf-8")
        ingest(store, path, SAMPLE_PAPER, DAY)
        summarise(store)
        for subscriber in settings.subscribers:
            brief(store, subscriber, DAY, {}, now=NOW)


@dataclass
class Room:
    settings: Settings
    client: TestClient
    tmp_path: Path


@pytest.fixture
def make_room(tmp_path: Path) -> Iterator[Callable[..., Room]]:
    clients: list[TestClient] = []

    def make(*, public: bool = False, base_url: str = "", database: str = "") -> Room:
        settings = load(
            write_config(tmp_path, public=public, base_url=base_url, database=database), environ={}
        )
        fill(settings, tmp_path)
        client = TestClient(create_app(settings))
        client.__enter__()
        clients.append(client)
        return Room(settings, client, tmp_path)

    yield make
    for client in clients:
        client.__exit__(None, None, None)


@pytest.fixture
def room(make_room: Callable[..., Room]) -> Room:
    return make_room(public=True)


_HREF = re.compile(r'href="([^"]+)"')


def links(html: str) -> list[str]:
    """The site's own links on a page (the originals' http(s) links left out), unescaped."""
    return [unescape(h) for h in _HREF.findall(html) if h.startswith("/")]


def crawl(client: TestClient, start: str, *, skip: tuple[str, ...] = ()) -> dict[str, int]:
    """Follow every link of the site from ``start``; the status of each page reached."""
    seen: dict[str, int] = {}
    todo = [start]
    while todo:
        url = todo.pop().split("#", 1)[0]
        if url in seen or url.startswith(skip):
            continue
        answer = client.get(url)
        seen[url] = answer.status_code
        if answer.headers.get("content-type", "").startswith("text/html"):
            todo.extend(links(answer.text))
    return seen
