"""A fixed list of URLs (a PDF or page the paper republishes at the same address), fetched conditionally."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from typing import Any

import httpx

from digest.errors import DigestError
from digest.http import HttpSettings, conditional_headers, mask_url, validators
from digest.ingest.locator_dates import date_from_locator
from digest.models import RawInput
from digest.sources.base import FetchedDocument, PollResult


class UrlSource:
    """Each URL is fetched with If-None-Match / If-Modified-Since; a 304 means nothing new.

    State: ``{"urls": {url: {"etag": ..., "last_modified": ..., "sha256": ...}}}``. The hash catches
    servers without validators that send the same bytes every time. A failed fetch (a timeout, a body
    cut short, an error status) leaves the URL's state alone, so the next poll tries again.
    """

    def __init__(
        self,
        name: str,
        paper: str,
        urls: Sequence[str],
        client: httpx.Client,
        *,
        http: HttpSettings | None = None,
    ) -> None:
        self.name = name
        self.paper = paper
        self.urls = tuple(dict.fromkeys(urls))
        self.client = client
        self.http = http or HttpSettings()

    def poll(self, state: dict[str, Any], today: dt.date) -> PollResult:
        saved = state.get("urls")
        known: dict[str, Any] = saved if isinstance(saved, dict) else {}
        documents: list[FetchedDocument] = []
        errors: list[str] = []
        urls: dict[str, dict[str, str]] = {}
        for url in self.urls:  # URLs no longer configured drop out of the state
            previous = known.get(url)
            entry: dict[str, str] = dict(previous) if isinstance(previous, dict) else {}
            urls[url] = entry
            try:
                response = self.http.get(self.client, url, conditional_headers(entry))
            except DigestError as exc:
                errors.append(f"{self.name}: {exc}")
                continue
            if response.status_code == 304:
                continue
            digest = hashlib.sha256(response.content).hexdigest()
            urls[url] = {**validators(response), "sha256": digest}
            if entry.get("sha256") == digest:
                continue
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
                    issue_date=date_from_locator(url),
                    # A reader gets the link only when it carries no credentials.
                    link=url if shown == url else None,
                )
            )
        return PollResult(documents=tuple(documents), errors=tuple(errors), state={"urls": urls})
