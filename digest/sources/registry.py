"""Sources by kind: the settings of one ``[[sources]]`` entry, and the factory that builds its Source."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Literal

import httpx
from pydantic import BaseModel, ConfigDict, Field, model_validator

from digest.sources.base import Source
from digest.sources.epaper import EpaperSource, check_template
from digest.sources.feeds import FeedSource
from digest.sources.folder import FolderSource
from digest.sources.urls import UrlSource

SourceKind = Literal["folder", "url", "epaper", "rss"]

# The field each kind cannot do without, and what to write in the config file.
_REQUIRED = {
    "folder": ("path", 'path = "/srv/papers/incoming"'),
    "url": ("urls", 'urls = ["https://example.cn/today.pdf"]'),
    "epaper": (
        "url_template",
        'url_template = "http://epaper.example.cn/html/{date:%Y-%m}/{date:%d}/node_1.htm"',
    ),
    "rss": ("feed_url", 'feed_url = "https://example.cn/rss.xml"'),
}


class SourceSettings(BaseModel):
    """One source as configured. Only the kind's own field is required (``path`` for a folder, ...)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1)
    kind: SourceKind
    paper: str = ""  # the newspaper's name; the source's name when empty
    interval_minutes: int = Field(default=60, ge=1)
    enabled: bool = True
    path: str | None = None
    urls: list[str] = Field(default_factory=list)
    url_template: str | None = None
    feed_url: str | None = None
    settle_seconds: float = Field(default=5.0, ge=0)

    @model_validator(mode="after")
    def _kind_fields(self) -> SourceSettings:
        field, example = _REQUIRED[self.kind]
        if not getattr(self, field):
            raise ValueError(f'source "{self.name}": kind "{self.kind}" needs {field}, e.g. {example}')
        for url in [*self.urls, *([self.feed_url] if self.feed_url else [])]:
            if not url.lower().startswith(("http://", "https://")):
                raise ValueError(f'source "{self.name}": {url!r} is not an http(s) URL')
        if self.url_template is not None:
            check_template(self.url_template)
        return self


def _folder(settings: SourceSettings, client: httpx.Client) -> Source:
    # The validator saw to the kind's field; `or ""` only tells mypy so.
    return FolderSource(
        settings.name, _paper(settings), settings.path or "", settle_seconds=settings.settle_seconds
    )


def _url(settings: SourceSettings, client: httpx.Client) -> Source:
    return UrlSource(settings.name, _paper(settings), settings.urls, client)


def _epaper(settings: SourceSettings, client: httpx.Client) -> Source:
    return EpaperSource(settings.name, _paper(settings), settings.url_template or "", client)


def _rss(settings: SourceSettings, client: httpx.Client) -> Source:
    return FeedSource(settings.name, _paper(settings), settings.feed_url or "", client)


def _paper(settings: SourceSettings) -> str:
    return settings.paper or settings.name


FACTORIES: dict[str, Callable[[SourceSettings, httpx.Client], Source]] = {
    "folder": _folder,
    "url": _url,
    "epaper": _epaper,
    "rss": _rss,
}


def build_source(config: SourceSettings | Mapping[str, Any], client: httpx.Client) -> Source:
    """The Source for one configured source; a mapping is validated first (pydantic ValidationError)."""
    settings = config if isinstance(config, SourceSettings) else SourceSettings.model_validate(dict(config))
    return FACTORIES[settings.kind](settings, client)
