"""SourceSettings validation and build_source."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import ValidationError

from digest.sources.epaper import EpaperSource
from digest.sources.feeds import FeedSource
from digest.sources.folder import FolderSource
from digest.sources.registry import SourceSettings, build_source
from digest.sources.urls import UrlSource


def test_builds_each_kind(tmp_path: Path) -> None:
    client = httpx.Client()
    template = "http://epaper.example.cn/html/{date:%Y-%m}/{date:%d}/node_1.htm"
    cases: list[tuple[dict[str, Any], type]] = [
        ({"name": "f", "kind": "folder", "path": str(tmp_path)}, FolderSource),
        ({"name": "u", "kind": "url", "urls": ["https://a.example/x.pdf"]}, UrlSource),
        ({"name": "e", "kind": "epaper", "url_template": template, "paper": "交城报"}, EpaperSource),
        ({"name": "r", "kind": "rss", "feed_url": "https://a.example/rss"}, FeedSource),
    ]
    for config, cls in cases:
        source = build_source(config, client)
        assert isinstance(source, cls)
    assert (
        build_source(SourceSettings(name="r", kind="rss", feed_url="https://a.example/rss"), client).paper
        == "r"
    )
    assert build_source(cases[2][0], client).paper == "交城报"


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"name": "f", "kind": "folder"}, 'kind "folder" needs path'),
        ({"name": "u", "kind": "url"}, 'kind "url" needs urls'),
        ({"name": "e", "kind": "epaper"}, 'kind "epaper" needs url_template'),
        ({"name": "r", "kind": "rss"}, 'kind "rss" needs feed_url'),
        ({"name": "r", "kind": "rss", "feed_url": "ftp://x"}, "not an http(s) URL"),
        ({"name": "e", "kind": "epaper", "url_template": "http://x/{day}"}, "cannot be formatted"),
        ({"name": "x", "kind": "ftp"}, "kind"),
        ({"name": "f", "kind": "folder", "path": "/x", "interval_minutes": 0}, "interval_minutes"),
        ({"name": "f", "kind": "folder", "path": "/x", "colour": "red"}, "colour"),
    ],
)
def test_invalid_settings_are_explained(config: dict[str, object], message: str) -> None:
    with pytest.raises(ValidationError, match=message.replace("(", r"\(").replace(")", r"\)")):
        SourceSettings.model_validate(config)


@pytest.mark.parametrize(
    ("config", "message"),
    [
        (
            {"name": "e", "kind": "epaper", "path": "/srv/in", "url_template": "http://x/{date:%d}.htm"},
            'source "e": path is for kind "folder", not "epaper"; remove it',
        ),
        (
            {"name": "r", "kind": "rss", "feed_url": "https://a.example/rss", "urls": ["https://a.example/"]},
            'source "r": urls is for kind "url", not "rss"; remove it',
        ),
        (
            {"name": "u", "kind": "url", "urls": ["https://a.example/"], "settle_seconds": 0},
            'source "u": settle_seconds is for kind "folder", not "url"; remove it',
        ),
    ],
)
def test_a_field_of_another_kind_is_refused(config: dict[str, object], message: str) -> None:
    # A config file is checked as `digest sources add` is: a field the kind never reads is a mistake
    # (a wrong kind, or a field copied from another source), not something to ignore in silence.
    with pytest.raises(ValidationError, match=message):
        SourceSettings.model_validate(config)
