"""Channel settings as the config file writes them, and the Channel they describe.

``kind`` may be left out: it follows from the URL (see ``infer_kind``). Any of ``url``, ``secret``
and string ``options`` may name an environment variable as ``${NAME}``; those are resolved from the
``environ`` mapping the config loader passes in (nothing here reads the process environment), and a
variable that is not set is a ConfigError naming it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Literal, get_args
from urllib.parse import parse_qs, unquote, urlsplit

import httpx
from pydantic import BaseModel, ConfigDict, Field, SecretStr

from digest.errors import ConfigError
from digest.notify.base import Channel, HttpChannel, origin
from digest.notify.dingtalk import DingTalkChannel
from digest.notify.feishu import FeishuChannel
from digest.notify.file import FileChannel
from digest.notify.mail import DEFAULT_PORTS, EmailChannel, Security
from digest.notify.slack import SlackChannel
from digest.notify.telegram import TelegramChannel, parse_bot_url
from digest.notify.webhook import WebhookChannel
from digest.notify.wecom import WeComChannel

ChannelKind = Literal["email", "webhook", "wecom", "dingtalk", "feishu", "slack", "telegram", "file"]
KINDS: tuple[str, ...] = get_args(ChannelKind)

_HOSTS = {
    "qyapi.weixin.qq.com": "wecom",
    "oapi.dingtalk.com": "dingtalk",
    "open.feishu.cn": "feishu",
    "open.larksuite.com": "feishu",
    "hooks.slack.com": "slack",
    "api.telegram.org": "telegram",
}
_SECRET_OPTION_WORDS = ("pass", "secret", "token", "key", "auth")
_ENV = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
_HTTP_OPTIONS = frozenset({"timeout"})
_OPTIONS: dict[str, frozenset[str]] = {
    "email": frozenset({"host", "port", "security", "user", "from", "to", "timeout", "ca_file"}),
    "webhook": _HTTP_OPTIONS,
    "wecom": _HTTP_OPTIONS,
    "dingtalk": _HTTP_OPTIONS,
    "feishu": _HTTP_OPTIONS | {"format"},
    "slack": _HTTP_OPTIONS,
    "telegram": _HTTP_OPTIONS | {"chat_id", "base_url"},
    "file": frozenset({"create"}),
}


class ChannelSettings(BaseModel):
    """One delivery channel in the config file."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    url: str
    kind: ChannelKind | None = None
    name: str = ""
    secret: SecretStr | None = None
    options: dict[str, Any] = Field(default_factory=dict)
    # Set by the config loader when the channel cannot be used as written (an unset ${VAR}): the
    # channel then fails alone, with this reason, and everything else works.
    broken: str | None = None
    # Set by the config loader: the values it took from the environment, masked wherever they
    # appear (a hook's path, a query parameter), not only in `secret`.
    masked: tuple[str, ...] = ()

    def hides(self, key: str, value: object) -> bool:
        """Whether option ``key`` is shown as ***: a secret by its name (password, token…), or a value
        the config took from the environment."""
        return any(word in key.lower() for word in _SECRET_OPTION_WORDS) or any(
            secret and secret in str(value) for secret in self.masked
        )

    def __repr_args__(self) -> Any:
        # The URL often is the credential (a Slack or Feishu hook, a Telegram token, an access_token).
        for field, value in super().__repr_args__():
            yield field, (origin(value) if field == "url" and isinstance(value, str) else value)


def infer_kind(url: str) -> str:
    """The channel kind a URL implies: by the vendor's API host, mailto:/smtp(s):, file: or a path."""
    lowered = url.strip().lower()
    if lowered.startswith(("mailto:", "smtp://", "smtps://")):
        return "email"
    if lowered.startswith("file:") or "://" not in lowered:
        return "file"
    try:
        host = (urlsplit(url.strip()).hostname or "").lower()
    except ValueError:
        return "webhook"
    return _HOSTS.get(host, "webhook")


def env_references(value: str) -> list[str]:
    """The names of the environment variables ``value`` refers to as ``${NAME}``."""
    return _ENV.findall(value)


def resolve_env(value: str, environ: Mapping[str, str], *, channel: str, field: str) -> str:
    """``value`` with each ``${NAME}`` replaced from ``environ``; ConfigError naming a missing one."""

    def replace(match: re.Match[str]) -> str:
        variable = match.group(1)
        if variable not in environ:
            raise ConfigError(
                f"channel {channel!r}: the environment variable {variable} is not set "
                f"(its {field} refers to it as ${{{variable}}}); set it or edit the config"
            )
        return environ[variable]

    return _ENV.sub(replace, value)


def check_channel(settings: ChannelSettings) -> str | None:
    """What makes a channel unusable as written (a Telegram bot without chat_id, email without
    recipients, an unknown option), checked the way sending will; None when it can work.

    ``${VAR}`` references are not resolved here (the environment is the config loader's): each
    stands in as a placeholder, so only what is written is judged."""
    if _ENV.fullmatch(settings.url.strip()):
        return None  # the whole URL comes from the environment: nothing written to judge
    placeholder = _PlaceholderEnv()
    try:
        channel_from_settings(settings, environ=placeholder).close()
    except ConfigError as exc:
        return exc.message
    return None


class _PlaceholderEnv(dict[str, str]):
    def __contains__(self, key: object) -> bool:
        return True

    def __getitem__(self, key: str) -> str:
        return "1"


def channel_from_settings(
    settings: ChannelSettings,
    *,
    environ: Mapping[str, str] | None = None,
    client: httpx.Client | None = None,
    clock: Callable[[], float] | None = None,
) -> Channel:
    """The Channel ``settings`` describe, secrets resolved from ``environ``; ConfigError when unusable."""
    try:
        channel = _channel(settings, environ=environ, client=client, clock=clock)
    except ConfigError:
        raise
    except (ValueError, OverflowError, TypeError) as exc:  # a port "abc", a timeout of 10**400
        name = settings.name or settings.kind or infer_kind(settings.url)
        raise ConfigError(f"channel {name!r}: {exc}; check its URL and options") from None
    channel.mask(*settings.masked)
    return channel


def _channel(
    settings: ChannelSettings,
    *,
    environ: Mapping[str, str] | None,
    client: httpx.Client | None,
    clock: Callable[[], float] | None,
) -> Channel:
    environ = {} if environ is None else environ
    kind = settings.kind or infer_kind(settings.url)
    name = settings.name or kind
    url = resolve_env(settings.url.strip(), environ, channel=name, field="url")
    secret = (
        resolve_env(settings.secret.get_secret_value(), environ, channel=name, field="secret")
        if settings.secret is not None
        else None
    ) or None
    options = {
        key: _resolve_option(value, environ, channel=name, field=f"options.{key}")
        for key, value in settings.options.items()
    }
    unknown = sorted(set(options) - _OPTIONS[kind])
    if unknown:
        allowed = ", ".join(sorted(_OPTIONS[kind])) or "none"
        raise ConfigError(
            f"channel {name!r}: unknown option(s) {', '.join(unknown)} for {kind} (allowed: {allowed})"
        )
    http: dict[str, Any] = {"name": name, "secret": secret, "client": client}
    if clock is not None:
        http["clock"] = clock
    if "timeout" in options:
        http["timeout"] = _number(options["timeout"], name, "timeout")
    if kind == "email":
        return _email(url, secret, options, name)
    if kind == "file":
        return _file(url, options, name)
    if kind == "telegram":
        return _telegram(url, options, http)
    if not url.lower().startswith(("http://", "https://")):
        raise ConfigError(f"channel {name!r}: a {kind} channel needs an http(s) URL, not {origin(url)}")
    _ = urlsplit(url).port  # a port that is not a number from 0 to 65535 raises ValueError now
    if kind == "feishu":
        form = options.get("format", "post")
        if form not in ("post", "card"):
            raise ConfigError(f"channel {name!r}: options.format must be post or card, not {form!r}")
        http["card"] = form == "card"
    return _HTTP_KINDS[kind](url, **http)


_HTTP_KINDS: dict[str, type[HttpChannel]] = {
    "webhook": WebhookChannel,
    "wecom": WeComChannel,
    "dingtalk": DingTalkChannel,
    "slack": SlackChannel,
    "feishu": FeishuChannel,
}


def _telegram(url: str, options: dict[str, Any], http: dict[str, Any]) -> Channel:
    name = http["name"]
    base, token_in_url = parse_bot_url(url)
    if url and "://" not in url:
        raise ConfigError(f"channel {name!r}: a telegram URL is https://api.telegram.org[/bot<token>]")
    query = parse_qs(urlsplit(url).query)
    chat_id = str(options.get("chat_id") or (query.get("chat_id") or [""])[0])
    token = http.pop("secret") or token_in_url or ""
    return TelegramChannel(
        url, chat_id=chat_id, token=token, base_url=options.get("base_url") or base or None, **http
    )


def _email(url: str, secret: str | None, options: dict[str, Any], name: str) -> Channel:
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    security: str = options.get("security", "ssl" if scheme == "smtps" else "starttls")
    if security not in DEFAULT_PORTS:
        raise ConfigError(
            f"channel {name!r}: options.security must be starttls, ssl or none, not {security!r}"
        )
    security_: Security = "ssl" if security == "ssl" else "none" if security == "none" else "starttls"
    recipients = _addresses(options.get("to"))
    user = options.get("user")
    password = secret
    if scheme == "mailto":
        recipients = [unquote(a) for a in parts.path.split(",") if a.strip()] + recipients
        host = options.get("host")
        port = options.get("port")
        if not host:
            raise ConfigError(f"channel {name!r}: a mailto: channel needs options.host (the SMTP server)")
    else:
        host, port = parts.hostname, parts.port or options.get("port")
        user = unquote(parts.username) if parts.username else user
        password = password or (unquote(parts.password) if parts.password else None)
        if not host:
            raise ConfigError(f"channel {name!r}: the smtp URL has no host; write smtp://user@host:port")
    return EmailChannel(
        host=str(host),
        port=int(port) if port else None,
        security=security_,
        user=user,
        password=password,
        sender=str(options.get("from") or user or ""),
        recipients=recipients,
        timeout=_number(options.get("timeout", 30.0), name, "timeout"),
        ca_file=options.get("ca_file"),
        name=name,
    )


def _file(url: str, options: dict[str, Any], name: str) -> Channel:
    return FileChannel(file_folder(url, name), name=name, create=bool(options.get("create", True)))


def file_folder(url: str, name: str) -> Path:
    """The folder a file channel writes into: a path, or a file: URL (file:///srv/out,
    file://localhost/srv/out, escapes decoded), ``~`` expanded; ConfigError for another host's."""
    if url.lower().startswith("file:"):
        parts = urlsplit(url)
        if parts.netloc not in ("", "localhost"):
            raise ConfigError(f"channel {name!r}: a file: URL names a folder on this machine: file:///path")
        return Path(unquote(parts.path)).expanduser()
    return Path(url).expanduser()


def _resolve_option(value: Any, environ: Mapping[str, str], *, channel: str, field: str) -> Any:
    if isinstance(value, str):
        return resolve_env(value, environ, channel=channel, field=field)
    if isinstance(value, list):
        return [_resolve_option(item, environ, channel=channel, field=field) for item in value]
    return value


def _addresses(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [a.strip() for a in value.split(",") if a.strip()]
    return [str(a).strip() for a in value if str(a).strip()]


def _number(value: Any, name: str, field: str) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ConfigError(f"channel {name!r}: options.{field} must be a number of seconds") from None
    if number <= 0:
        raise ConfigError(f"channel {name!r}: options.{field} must be more than 0")
    return number
