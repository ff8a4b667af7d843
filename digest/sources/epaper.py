"""A Founder-style e-paper site: the day's index page links to its pages, each page to its articles.

The crawl is bounded (pages, articles, bytes per page) and stays on the index's host, so a hostile or
broken site cannot make a poll run forever or wander off across the web. Links are read with lxml
and nothing on the pages is executed.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Iterator
from dataclasses import replace
from typing import Any
from urllib.parse import urldefrag, urljoin, urlsplit

import httpx

from digest.errors import DigestError
from digest.http import HttpSettings, HttpStatusError, mask_url
from digest.ingest.html_parsing import charset, decode, parse
from digest.ingest.sources import charset_of
from digest.models import RawInput
from digest.sources.base import FetchedDocument, PollResult

log = logging.getLogger(__name__)

# Founder e-paper systems name pages node_<n>.htm and article pages content_<id>.htm.
_PAGE = re.compile(r"^node_[\w-]+\.html?$", re.IGNORECASE)
_ARTICLE = re.compile(r"^content_[\w-]+\.html?$", re.IGNORECASE)
_SPACE = re.compile(r"\s+")
# Index and page HTML is small (a few tens of KB); articles get the source's usual limit.
_LISTING_MAX_BYTES = 5 * 1024 * 1024


class EpaperSource:
    """The day's articles of one e-paper, each article page returned once.

    ``url_template`` is formatted with ``date=today``, e.g.
    ``http://epaper.example.cn/html/{date:%Y-%m}/{date:%d}/node_1.htm``. State:
    ``{"seen": {"2024-07-26": [article URL, ...]}}`` for the last ``keep_days`` days. An article that
    could not be fetched is tried again next poll, unless the server said it does not exist (4xx).
    A 404 for the index itself means the day's issue is not out (yet, or at all: many papers do not
    publish every day) and is not an error.
    """

    def __init__(
        self,
        name: str,
        paper: str,
        url_template: str,
        client: httpx.Client,
        edition_pages: int | None = None,
        *,
        max_pages: int = 64,
        max_articles: int = 400,
        keep_days: int = 7,
        http: HttpSettings | None = None,
    ) -> None:
        check_template(url_template)
        self.name = name
        self.paper = paper
        self.url_template = url_template
        self.client = client
        # How many pages the edition has, where known: no more are crawled than that.
        self.max_pages = min(max_pages, edition_pages) if edition_pages else max_pages
        self.max_articles = max_articles
        self.keep_days = keep_days
        self.http = http or HttpSettings()
        self._listing_http = replace(self.http, max_bytes=min(self.http.max_bytes, _LISTING_MAX_BYTES))

    def poll(self, state: dict[str, Any], today: dt.date) -> PollResult:
        seen = _recent(state, today - dt.timedelta(days=self.keep_days))
        already = {url for urls in seen.values() for url in urls}
        fresh: list[str] = []
        errors: list[str] = []
        articles = self._crawl(self.url_template.format(date=today), errors)
        documents: list[FetchedDocument] = []
        for url, edition in articles.items():
            if url in already:
                continue
            try:
                response = self.http.get(self.client, url)
            except DigestError as exc:
                errors.append(f"{self.name}: {exc}")
                if isinstance(exc, HttpStatusError) and exc.permanent:
                    fresh.append(url)  # gone for good: do not ask every poll
                continue
            fresh.append(url)
            shown = mask_url(url)
            raw = RawInput(
                source=shown, data=response.content, media_type=response.headers.get("content-type")
            )
            documents.append(
                FetchedDocument(
                    source=self.name,
                    paper=self.paper,
                    locator=shown,
                    raw=raw,
                    issue_date=today,
                    edition=edition,
                    single_article=True,
                    link=url,
                )
            )
        if fresh:
            seen[today.isoformat()] = [*seen.get(today.isoformat(), []), *fresh]
        return PollResult(documents=tuple(documents), errors=tuple(errors), state={"seen": seen})

    def _crawl(self, index_url: str, errors: list[str]) -> dict[str, str]:
        """Article URL → edition label, in page order; empty when the index cannot be read."""
        index = self._listing(index_url, errors, index=True)
        if index is None:
            return {}
        base, links = index
        host = _host(base)
        pages: dict[str, str] = {base: ""}
        for url, label in links:
            if _host(url) == host and _PAGE.match(_filename(url)):
                if url in pages:
                    pages[url] = pages[url] or label  # the index's own entry in the page list
                elif len(pages) < self.max_pages:
                    pages[url] = label
        articles: dict[str, str] = {}
        for page, label in pages.items():
            if page == base:
                page_links = links
            else:
                listing = self._listing(page, errors)
                if listing is None:
                    continue
                page_links = listing[1]
            for url, _text in page_links:
                if len(articles) >= self.max_articles:
                    log.warning("%s: more than %d articles; the rest are left", self.name, self.max_articles)
                    return articles
                if _host(url) == host and _ARTICLE.match(_filename(url)) and url not in articles:
                    articles[url] = label
        return articles

    def _listing(
        self, url: str, errors: list[str], *, index: bool = False
    ) -> tuple[str, list[tuple[str, str]]] | None:
        """The final URL of a page and its links (absolute URL, link text); None after an error line."""
        try:
            response = self._listing_http.get(self.client, url)
        except HttpStatusError as exc:
            if index and exc.status_code in (404, 410):
                log.info("%s: no issue at %s (yet)", self.name, mask_url(url))
            else:
                errors.append(f"{self.name}: {exc}")
            return None
        except DigestError as exc:
            errors.append(f"{self.name}: {exc}")
            return None
        base = str(response.url)
        return base, list(_links(response, base))


def check_template(url_template: str) -> None:
    """Raise ValueError with a message a config file's author can act on when the template is unusable."""
    try:
        url = url_template.format(date=dt.date(2024, 7, 26))
    except (KeyError, IndexError, ValueError, AttributeError) as exc:
        raise ValueError(
            f"url_template {url_template!r} cannot be formatted ({exc}); use {{date:%Y-%m}}-style fields "
            "and nothing else in braces"
        ) from None
    if urlsplit(url).scheme not in ("http", "https") or not urlsplit(url).netloc:
        raise ValueError(f"url_template {url_template!r} is not an http(s) URL")


def _links(response: httpx.Response, base: str) -> Iterator[tuple[str, str]]:
    """Absolute http(s) URLs of the page's <a> and image-map <area> links, with their text, once each."""
    source = mask_url(base)
    try:
        text = decode(
            response.content,
            source,
            charset(response.content, charset_of(response.headers.get("content-type"))),
        )
    except DigestError:
        return
    root = parse(text, source)
    if root is None:
        return
    found: set[str] = set()
    for element in root.iter("a", "area"):
        href = (element.get("href") or "").strip()
        if not href or href.startswith(("#", "javascript:", "mailto:")):
            continue
        try:
            url = urldefrag(urljoin(base, href)).url
        except ValueError:
            continue
        if urlsplit(url).scheme not in ("http", "https") or url in found:
            continue
        found.add(url)
        label = element.get("alt") or "" if element.tag == "area" else "".join(element.itertext())
        yield url, _SPACE.sub(" ", label).strip()


def _host(url: str) -> str:
    try:
        return urlsplit(url).netloc.lower()
    except ValueError:
        return ""


def _filename(url: str) -> str:
    return urlsplit(url).path.rpartition("/")[2]


def _recent(state: dict[str, Any], cutoff: dt.date) -> dict[str, list[str]]:
    """The seen article URLs of ``state`` for days from ``cutoff`` on; older days are dropped."""
    saved = state.get("seen")
    if not isinstance(saved, dict):
        return {}
    recent: dict[str, list[str]] = {}
    for day, urls in saved.items():
        try:
            if dt.date.fromisoformat(str(day)) < cutoff:
                continue
        except ValueError:
            continue
        if isinstance(urls, list):
            recent[str(day)] = [str(url) for url in urls]
    return recent
