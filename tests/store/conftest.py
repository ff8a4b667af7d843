"""Backends for the store's contract tests: SQLite always, PostgreSQL when a server is given.

Each PostgreSQL test gets a schema of its own (``search_path`` set in the URL), dropped afterwards.
Start a throwaway server with ``eval "$(.ci/postgres.sh)"``.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from digest.ingest.segment import segment
from digest.models import Article, DocumentKind, PageText, RawInput
from digest.shipped import SAMPLE_PAGE
from digest.sources.base import FetchedDocument
from digest.store import Store, open_store
from tests.postgres_schema import fresh_schema

POSTGRES_ENV = "DIGEST_TEST_POSTGRES_URL"
SAMPLE = SAMPLE_PAGE
NOW = dt.datetime(2024, 7, 26, 8, 0, tzinfo=dt.UTC)

BACKENDS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param(
        "postgresql",
        id="postgresql",
        marks=pytest.mark.skipif(
            not os.environ.get(POSTGRES_ENV), reason=f"set {POSTGRES_ENV} to run against PostgreSQL"
        ),
    ),
]


def sample_text() -> str:
    return SAMPLE.read_text(encoding="utf-8")


def sample_articles(text: str | None = None) -> list[Article]:
    text = sample_text() if text is None else text
    return segment(PageText("test", DocumentKind.TEXT, tuple(text.splitlines())))


def document(
    locator: str = "page1.txt",
    *,
    source: str = "folder",
    paper: str = "交城报",
    issue_date: dt.date | None = dt.date(2024, 7, 26),
    edition: str = "第01版",
) -> FetchedDocument:
    return FetchedDocument(
        source=source,
        paper=paper,
        locator=locator,
        raw=RawInput(locator, b""),
        issue_date=issue_date,
        edition=edition,
        link=f"https://example.org/{locator}",
    )


@pytest.fixture(params=BACKENDS)
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A URL of an empty database on each backend."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'data' / 'digest.db'}"
        return
    with fresh_schema(os.environ[POSTGRES_ENV]) as url:
        yield url


@pytest.fixture
def open_test_store(store_url: str) -> Iterator[Callable[[], Store]]:
    """Opens the test database (again and again if asked); closes every store at the end."""
    opened: list[Store] = []

    def opener() -> Store:
        store = open_store(store_url)
        opened.append(store)
        return store

    yield opener
    for store in opened:
        store.close()


@pytest.fixture
def store(open_test_store: Callable[[], Store]) -> Store:
    return open_test_store()
