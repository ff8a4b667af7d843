"""Settings: the only place that reads configuration files and environment variables.

Everything else receives a ``Settings`` object. The embedded default (config/digest.toml)
is complete, so a user's file only needs the keys it changes.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

import platformdirs
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from digest.api.settings import ApiSettings
from digest.briefing.subscribers import SubscriberSettings
from digest.errors import ConfigError
from digest.ingest.house_styles import PaperSettings
from digest.jobs.settings import WorkerSettings
from digest.notify.settings import env_references, infer_kind, resolve_env
from digest.shipped import SAMPLE_DIR, SAMPLE_TOKEN, shipped
from digest.sources.registry import SourceSettings
from digest.timezones import TimeZoneName
from digest.web.settings import WebSettings

ENV_PREFIX = "DIGEST_"
CONFIG_ENV = "DIGEST_CONFIG"


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class IngestSettings(_Section):
    max_bytes: int = Field(gt=0)
    fetch_timeout: float = Field(gt=0)


class SummariseSettings(_Section):
    engine: Literal["extractive", "seq2seq", "auto"]
    headline_max_chars: int = Field(ge=4, le=200)
    summary_max_chars: int = Field(ge=10, le=5000)
    model: str = Field(min_length=1)
    profile: str
    device: str = Field(pattern=r"^(auto|cpu|mps|cuda(:\d+)?)$")
    dtype: Literal["auto", "float32", "bfloat16", "float16"]
    quantize: Literal["none", "int8"]
    backend: Literal["auto", "torch", "ctranslate2"] = "auto"
    threads: int = Field(default=0, ge=0, le=1024)
    model_writes: Literal["profile", "headline", "summary", "both"] = "profile"
    prompts_dir: str = ""
    batch_size: int = Field(ge=1, le=1024)
    max_input_tokens: int = Field(ge=0, le=32768)
    cache_dir: str
    offline: bool


class StoreSettings(_Section):
    url: str = Field(min_length=1)


class SchedulerSettings(_Section):
    misfire_grace_seconds: int = Field(ge=1)
    summarise_batch: int = Field(ge=1, le=10000)
    timezone: TimeZoneName


class DeliverySettings(_Section):
    max_attempts: int = Field(ge=1, le=100)
    base_delay_seconds: float = Field(gt=0)
    max_delay_seconds: float = Field(gt=0)
    concurrency: int = Field(ge=1, le=256)
    check_every_minutes: int = Field(ge=1, le=1440)


class Settings(_Section):
    ingest: IngestSettings
    summarise: SummariseSettings
    store: StoreSettings
    scheduler: SchedulerSettings
    delivery: DeliverySettings
    api: ApiSettings = Field(default_factory=ApiSettings)
    workers: WorkerSettings = Field(default_factory=WorkerSettings)
    web: WebSettings = Field(default_factory=WebSettings)
    sources: list[SourceSettings] = Field(default_factory=list)
    subscribers: list[SubscriberSettings] = Field(default_factory=list)
    # House styles: a paper's own leads, byline marks and page furniture (see ingest/house_styles.py).
    papers: list[PaperSettings] = Field(default_factory=list)
    # The file the settings were read from, if any: `digest sources add` edits it.
    config_file: Path | None = None

    @model_validator(mode="after")
    def _queue_needs_postgresql(self) -> Settings:
        if self.workers.executor == "queue" and not self.store.url.startswith("postgresql"):
            raise ValueError(
                'executor = "queue" needs the PostgreSQL store ([store] url = "postgresql+psycopg://…"); '
                'with SQLite, digest runs its jobs itself (executor = "inline")'
            )
        return self

    @model_validator(mode="after")
    def _unique_source_names(self) -> Settings:
        for what, names in (
            ("source", [s.name for s in self.sources]),
            ("subscriber", [s.name for s in self.subscribers]),
            ("paper", [p.name for p in self.papers]),
        ):
            duplicates = sorted({n for n in names if names.count(n) > 1})
            if duplicates:
                raise ValueError(f"{what} names must be unique; repeated: {', '.join(duplicates)}")
        return self


def default_text() -> str:
    """The settings reference, config/digest.toml: every setting with its default."""
    return shipped("config/digest.toml").read_text(encoding="utf-8")


def user_config_path(environ: Mapping[str, str] | None = None) -> Path:
    """Where a user's own settings live when neither --config nor $DIGEST_CONFIG names a file."""
    env = os.environ if environ is None else environ
    if env.get(CONFIG_ENV):
        return Path(env[CONFIG_ENV]).expanduser()
    return platformdirs.user_config_path("digest") / "digest.toml"


def default_database_url() -> str:
    return f"sqlite:///{platformdirs.user_data_path('digest') / 'digest.db'}"


def load(path: Path | None = None, environ: Mapping[str, str] | None = None) -> Settings:
    """Embedded defaults, overlaid by the file (``path``, $DIGEST_CONFIG, or the user's config file
    when it exists), then by DIGEST_* variables."""
    env = os.environ if environ is None else environ
    data = tomllib.loads(default_text())
    if path is None:
        candidate = user_config_path(env)
        if env.get(CONFIG_ENV) or candidate.exists():
            path = candidate
    if path is not None:
        _merge(data, _read_file(path))
        data["config_file"] = str(path)
    _resolve_channel_secrets(data, env)
    _resolve_sample_folder(data)
    if not data["store"]["url"]:
        data["store"]["url"] = default_database_url()
    _merge(data, _from_environ(env, data))
    # The Hugging Face libraries' own switch for "never download" is honoured as ours.
    if env.get("HF_HUB_OFFLINE", "").strip().lower() in {"1", "true", "yes", "on"}:
        data["summarise"]["offline"] = True
    try:
        return Settings.model_validate(data)
    except ValidationError as exc:
        where = str(path) if path else "the environment"
        problems = "; ".join(f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in exc.errors())
        raise ConfigError(f"invalid configuration in {where}: {problems}") from None


def _resolve_sample_folder(data: dict[str, Any]) -> None:
    """A folder source whose path is {sample} reads the sample page shipped inside digest: the
    embedded default source, which must work from whatever folder digest runs in."""
    for source in data.get("sources", []):
        if isinstance(source, dict) and source.get("path") == SAMPLE_TOKEN:
            source["path"] = str(SAMPLE_DIR)


def _resolve_channel_secrets(data: dict[str, Any], env: Mapping[str, str]) -> None:
    """Channel URLs, secrets and options may say ${ENV_VAR}: resolved here, the one reader of the
    environment, so that the rest of digest never looks at it."""
    for subscriber in data.get("subscribers", []):
        for channel in subscriber.get("channels", []) if isinstance(subscriber, dict) else []:
            if not isinstance(channel, dict):
                continue
            name = str(channel.get("name") or channel.get("kind") or infer_kind(str(channel.get("url", ""))))
            try:
                resolved = _resolved_channel(channel, env, name)
            except ConfigError as exc:
                # One channel whose variable is unset must not stop every command: it is marked
                # broken, fails alone when sending, and says why in `digest subscribers show`.
                channel["broken"] = exc.message
                continue
            channel.update(resolved)


def _resolved_channel(channel: dict[str, Any], env: Mapping[str, str], name: str) -> dict[str, Any]:
    """The channel's url, secret and options with ${VAR} resolved; ConfigError for an unset one.
    Every value taken from the environment is kept in ``masked``: wherever it appears (a hook's
    path, a query parameter), it is a secret."""
    resolved: dict[str, Any] = {}
    for key in ("url", "secret"):
        if isinstance(channel.get(key), str):
            resolved[key] = resolve_env(channel[key], env, channel=name, field=key)
    options = channel.get("options")
    if isinstance(options, dict):
        resolved["options"] = {
            key: resolve_env(value, env, channel=name, field=key) if isinstance(value, str) else value
            for key, value in options.items()
        }
    referenced = [channel.get("url"), channel.get("secret"), *(options or {}).values()]
    resolved["masked"] = sorted(
        {env[v] for text in referenced if isinstance(text, str) for v in env_references(text) if v in env}
    )
    return resolved


def _read_file(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"config file {path} does not exist; check the path or drop --config") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read config file {path}: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"config file {path} is not valid TOML: {exc}") from None


def _from_environ(env: Mapping[str, str], known: Mapping[str, Any]) -> dict[str, Any]:
    """DIGEST_SECTION_KEY=value for sections and keys the defaults define; values parse as TOML."""
    overrides: dict[str, Any] = {}
    for name, raw in env.items():
        if not name.startswith(ENV_PREFIX) or name == CONFIG_ENV:
            continue
        section, _, key = name[len(ENV_PREFIX) :].lower().partition("_")
        if section not in known or not isinstance(known[section], Mapping) or key not in known[section]:
            continue
        try:
            value = tomllib.loads(f"v = {raw}")["v"]
        except tomllib.TOMLDecodeError:
            value = raw  # a bare word such as extractive is meant as a string
        overrides.setdefault(section, {})[key] = value
    return overrides


def _merge(base: dict[str, Any], overlay: Mapping[str, Any]) -> None:
    for key, value in overlay.items():
        if isinstance(value, Mapping) and isinstance(base.get(key), dict):
            _merge(base[key], value)
        else:
            base[key] = value
