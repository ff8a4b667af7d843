"""Sources by kind: the settings of one ``[[sources]]`` entry, and the factory that builds its Source."""

from __future__ import annotations

import json
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

# The fields only one kind reads, the one it cannot do without first.
KIND_FIELDS: dict[str, tuple[str, ...]] = {
    "folder": ("path", "settle_seconds"),
    "url": ("urls",),
    "epaper": ("url_template",),
    "rss": ("feed_url",),
}
# An example value of each kind's required field, for the messages that ask for it.
EXAMPLES = {
    "path": "/srv/papers/incoming",
    "urls": "https://example.cn/today.pdf",
    "url_template": "http://epaper.example.cn/html/{date:%Y-%m}/{date:%d}/node_1.htm",
    "feed_url": "https://example.cn/rss.xml",
}


class KindFieldError(ValueError):
    """A source's fields do not fit its kind: its required field is missing, or fields that only
    other kinds read are given. The message is in the config file's terms; ``digest sources add``
    says the same in its options' names, from the attributes."""

    def __init__(self, name: str, kind: str, *, missing: str | None, misplaced: tuple[str, ...]) -> None:
        self.name, self.kind, self.missing, self.misplaced = name, kind, missing, misplaced
        needed = KIND_FIELDS[kind][0]
        if misplaced:
            problems = "; ".join(
                f'{field} is for kind "{owner_of(field)}", not "{kind}"; remove it' for field in misplaced
            )
            super().__init__(f'source "{name}": {problems} (kind "{kind}" reads {needed})')
        else:
            value = [EXAMPLES[needed]] if needed == "urls" else EXAMPLES[needed]
            # A JSON string or list of strings is written the same way in TOML.
            example = f"{needed} = {json.dumps(value, ensure_ascii=False)}"
            super().__init__(f'source "{name}": kind "{kind}" needs {needed}, e.g. {example}')


def owner_of(field: str) -> str:
    """The kind that reads ``field`` (one of KIND_FIELDS' fields)."""
    return next(kind for kind, fields in KIND_FIELDS.items() if field in fields)


class SourceSettings(BaseModel):
    """One source as configured. Only the kind's own field is required (``path`` for a folder, ...);
    the fields of other kinds are refused."""

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
        # Given: set, and not to "nothing" (None, []), which is what a caller passing every
        # option (`sources add`) writes for those it was not given.
        misplaced = tuple(
            field
            for fields in KIND_FIELDS.values()
            for field in fields
            if field not in KIND_FIELDS[self.kind]
            and field in self.model_fields_set
            and getattr(self, field) not in (None, [])
        )
        needed = KIND_FIELDS[self.kind][0]
        if misplaced or not getattr(self, needed):
            raise KindFieldError(
                self.name, self.kind, missing=None if getattr(self, needed) else needed, misplaced=misplaced
            )
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
