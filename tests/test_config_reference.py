"""config/digest.toml is the one reference of every setting, and config/examples/ are setups that
load and whose channels can send as written."""

from __future__ import annotations

import re
import typing
from pathlib import Path

import pytest
from pydantic import BaseModel

from digest.api.settings import TokenSettings
from digest.briefing.subscribers import SubscriberSettings
from digest.config import Settings, load
from digest.ingest.house_styles import PaperSettings
from digest.notify.settings import _OPTIONS, ChannelSettings, check_channel
from digest.shipped import SAMPLE_DIR
from digest.sources.registry import SourceSettings

ROOT = Path(__file__).parent.parent
REFERENCE = ROOT / "config" / "digest.toml"
EXAMPLES = sorted((ROOT / "config" / "examples").glob("*.toml"))
# Filled in by the loader, never written by a user.
INTERNAL = {"config_file", "broken", "masked"}
# A table header, written or commented out: [summarise], [[sources]], # [[papers]].
_HEADER = re.compile(r"^#?\s?\[\[?(?P<table>[\w.]+)\]\]?\s*$")
# A key, written or commented out as an example: `port = 8080`, `# enabled = true`.
_KEY = re.compile(r"^#?\s?(?P<key>\w+) = ")


def documented() -> dict[str, set[str]]:
    """The keys config/digest.toml shows in each table, set or as commented-out examples."""
    tables: dict[str, set[str]] = {}
    table = ""
    for line in REFERENCE.read_text(encoding="utf-8").splitlines():
        if header := _HEADER.match(line):
            table = header.group("table")
            tables.setdefault(table, set())
        elif (key := _KEY.match(line)) and table:
            tables[table].add(key.group("key"))
    return tables


def _fields(model: type[BaseModel]) -> set[str]:
    return set(model.model_fields) - INTERNAL


def expected() -> dict[str, set[str]]:
    """Every table a user can write, and the keys the code knows in it."""
    tables: dict[str, set[str]] = {}
    for name, field in Settings.model_fields.items():
        model = field.annotation
        if isinstance(model, type) and issubclass(model, BaseModel):
            tables[name] = _fields(model)
    tables["api.tokens"] = _fields(TokenSettings)
    tables["sources"] = _fields(SourceSettings)
    tables["subscribers"] = _fields(SubscriberSettings)
    tables["subscribers.channels"] = _fields(ChannelSettings)
    tables["subscribers.channels.options"] = set().union(*_OPTIONS.values())
    tables["papers"] = _fields(PaperSettings)
    return tables


def test_every_setting_the_code_knows_is_in_the_reference_and_nothing_else() -> None:
    # The section models cover what Settings holds: a new section must be added here too.
    assert all(
        typing.get_origin(f.annotation) is list or f.annotation in (Path | None,)
        for name, f in Settings.model_fields.items()
        if name not in expected()
    )
    docs, code = documented(), expected()
    missing = {t: sorted(code[t] - docs.get(t, set())) for t in code if code[t] - docs.get(t, set())}
    unknown = {t: sorted(docs[t] - code.get(t, set())) for t in docs if docs[t] - code.get(t, set())}
    assert missing == {}, f"settings missing from config/digest.toml: {missing}"
    assert unknown == {}, f"config/digest.toml documents what the code does not know: {unknown}"


def test_the_reference_is_what_digest_loads_as_its_defaults() -> None:
    settings = load(environ={})
    assert settings.config_file is None
    (source,) = settings.sources
    assert Path(source.path or "") == SAMPLE_DIR  # {sample}: works from any folder
    assert any(SAMPLE_DIR.glob("*.txt"))


ENVIRONMENT = {
    name: f"value-of-{name.lower()}"
    for name in (
        "WECOM_KEY",
        "SMTP_PASSWORD",
        "DINGTALK_TOKEN",
        "DINGTALK_SECRET",
        "FEISHU_HOOK",
    )
} | {"CMS_HOOK_SECRET": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"}  # a Standard Webhooks secret


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.stem)
def test_each_example_loads_and_its_channels_can_send_as_written(example: Path) -> None:
    settings = load(example, environ=ENVIRONMENT)
    for subscriber in settings.subscribers:
        for channel in subscriber.channels:
            assert channel.broken is None
            assert check_channel(channel) is None, (subscriber.name, channel.kind)


def test_the_examples_cover_the_setups_the_readme_promises() -> None:
    by_name = {p.stem: load(p, environ=ENVIRONMENT) for p in EXAMPLES}
    desk = by_name["county-desk"]
    assert [s.kind for s in desk.sources] == ["folder"]
    assert {c.kind for c in desk.subscribers[0].channels} == {"file", "wecom"}
    newsroom = by_name["newsroom-postgres"]
    assert newsroom.store.url.startswith("postgresql")
    assert {s.kind for s in newsroom.sources} == {"epaper", "rss"}
    assert len(newsroom.subscribers) >= 3 and newsroom.papers
    api = by_name["api-only"]
    assert not api.sources and not api.subscribers and api.api.tokens
