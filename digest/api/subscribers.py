"""Briefings and subscribers over HTTP. Subscribers live in the config file: writes edit it (as
`digest subscribers add/remove` do) and reload the settings. Secrets are write-only."""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any
from urllib.parse import urlsplit

from fastapi import APIRouter, HTTPException, Query, Request, Response
from fastapi.params import Depends
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from digest.api import openapi
from digest.api.fetching import ForbiddenAddress
from digest.briefing.compose import Briefing, compose
from digest.briefing.render import render
from digest.briefing.subscribers import SubscriberSettings, channel_name
from digest.config import load
from digest.config_edit import edit_list
from digest.errors import FetchError
from digest.notify.base import origin
from digest.notify.settings import ChannelSettings, check_channel, env_references, file_folder, infer_kind

if TYPE_CHECKING:
    from digest.api.state import ApiState

# ChannelSettings fields the config loader sets (see digest.config), never a request.
_LOADER_FIELDS = frozenset({"broken", "masked"})
_FORMATS = {
    "application/json": "json",
    "text/markdown": "markdown",
    "text/html": "html",
    "text/plain": "text",
}
_edit_lock = threading.Lock()


def _env_reference(value: object) -> str | None:
    """Where in a request's value a ``${NAME}`` reference is (a dotted path), or None."""
    return _find(value, lambda v: isinstance(v, str) and bool(env_references(v)))


def _find(value: object, hit: Callable[[object], bool], where: str = "") -> str | None:
    """Where in a request's value the first value ``hit`` picks is (a dotted path), or None."""
    if hit(value):
        return where or "value"
    items: list[tuple[str, object]] = []
    if isinstance(value, dict):
        items = [(str(k), v) for k, v in value.items()]
    elif isinstance(value, list):
        items = [(str(i), v) for i, v in enumerate(value)]
    for key, item in items:
        found = _find(item, hit, f"{where}.{key}" if where else key)
        if found is not None:
            return found
    return None


def _without_nulls(table: dict[str, Any]) -> dict[str, Any]:
    """A valid subscriber's table as the config file can keep it (TOML has no null): a field sent as
    null left out, which is what null means wherever the model allows it (a channel's kind, secret)."""
    kept = {key: value for key, value in table.items() if value is not None}
    if isinstance(kept.get("channels"), list):
        kept["channels"] = [
            {key: value for key, value in channel.items() if value is not None}
            if isinstance(channel, dict)
            else channel
            for channel in kept["channels"]
        ]
    return kept


def _reachable(state: ApiState, channel: ChannelSettings) -> None:
    """A channel from the API reaches what a fetched URL may (public addresses, or those the
    operator allowed), and a file channel writes only under [api] outbox_root."""
    kind = channel.kind or infer_kind(channel.url)
    name = channel_name(channel)
    if kind == "file":
        root = state.settings.api.outbox_root
        folder = file_folder(channel.url, name)  # as the channel will write, file: URLs included
        if not root or not folder.resolve().is_relative_to(Path(root).expanduser().resolve()):
            raise HTTPException(
                422,
                f"channels: {name}: a file channel added over the API must write under [api] outbox_root"
                + (f" ({root})" if root else ", which is not set"),
            )
        return
    try:
        parts = urlsplit(channel.url)
        host, port = parts.hostname, parts.port
    except ValueError:
        raise HTTPException(422, f"channels: {name}: the URL is not valid") from None
    if not host:
        return  # a mailto: channel names its server in options.host
    default = {"https": 443, "smtps": 465, "smtp": 587}.get(parts.scheme.lower(), 80)
    try:
        state.guard.resolve(host, port or default)
    except ForbiddenAddress as exc:
        raise HTTPException(400, f"channels: {name}: {exc.message}") from None
    except FetchError as exc:
        raise HTTPException(422, f"channels: {name}: {exc.message}") from None


def subscriber_json(s: SubscriberSettings) -> dict[str, Any]:
    """A subscriber as `digest subscribers show` shows it: secrets never, URLs only to their origin."""
    channels = []
    for channel in s.channels:
        kind = channel.kind or infer_kind(channel.url)
        channels.append(
            {
                "name": channel_name(channel),
                "kind": kind,
                "url": channel.url if kind == "file" else origin(channel.url),
                "secret": "set" if channel.secret else None,
                "options": {k: "***" if channel.hides(k, v) else v for k, v in channel.options.items()},
            }
        )
    return s.model_dump(exclude={"channels"}) | {"channels": channels}


def _format_of(accept: str) -> str:
    for item in accept.split(","):
        media = item.split(";", 1)[0].strip().lower()
        if media in _FORMATS:
            return _FORMATS[media]
    return "json"


def router(state: ApiState, *, read: Depends, admin: Depends) -> APIRouter:
    api = APIRouter()

    def named(name: str) -> SubscriberSettings:
        for subscriber in state.settings.subscribers:
            if subscriber.name == name:
                return subscriber
        known = ", ".join(s.name for s in state.settings.subscribers) or "none configured"
        raise HTTPException(404, f"no subscriber named {name!r} ({known})")

    @api.get(
        "/v1/briefings/{day}",
        tags=["briefings"],
        dependencies=[read],
        responses=_BRIEFING
        | openapi.errors(
            "read",
            {
                404: _NO_SUCH,
                422: "The day is not a date (YYYY-MM-DD) or is too far from today, or subscriber is missing.",
            },
        ),
    )
    async def briefing(
        request: Request,
        day: dt.date,
        subscriber: Annotated[str, Query(description="The subscriber whose briefing to compose.")],
    ) -> Response:
        """A subscriber's briefing of ``day``: the one saved when it was sent, else what it would hold
        now (composed, not saved or sent): JSON (default), Markdown, HTML or text by the Accept header."""
        reader = named(subscriber)
        message = await run_in_threadpool(lambda: render(_briefing_of(state, reader, day)))
        fmt = _format_of(request.headers.get("accept", ""))
        if fmt == "json":
            body = json.dumps(message.data, ensure_ascii=False)
            return Response(body, media_type="application/json")
        media = {"markdown": "text/markdown", "html": "text/html", "text": "text/plain"}[fmt]
        return Response(message.titled(fmt), media_type=f"{media}; charset=utf-8")

    @api.get(
        "/v1/subscribers", tags=["subscribers"], dependencies=[read], responses=openapi.errors("read", {})
    )
    async def list_subscribers() -> list[dict[str, Any]]:
        """Every subscriber, secrets masked."""
        return [subscriber_json(s) for s in state.settings.subscribers]

    @api.get(
        "/v1/subscribers/{name}",
        tags=["subscribers"],
        dependencies=[read],
        responses=openapi.errors("read", {404: _NO_SUCH, 422: _INVALID}),
    )
    async def show_subscriber(name: str) -> dict[str, Any]:
        return subscriber_json(named(name))

    @api.post(
        "/v1/subscribers",
        tags=["subscribers"],
        status_code=201,
        dependencies=[admin],
        responses=_ADD_ERRORS,
        openapi_extra=openapi.request_body(
            "The subscriber: the fields of a [[subscribers]] table of the config file.",
            {"application/json": {"schema": _SUBSCRIBER_SCHEMA, "example": _SUBSCRIBER_EXAMPLE}},
        ),
    )
    async def add_subscriber(request: Request) -> dict[str, Any]:
        """Add a subscriber to the config file (the body: the fields of a [[subscribers]] table).
        The file keeps what is sent, as sent: no ${VAR} (the server's environment is the operator's),
        channel hosts public unless [api] allow_private_fetch allows them, file channels under
        [api] outbox_root."""
        try:
            table = json.loads(await request.body())
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise HTTPException(400, f"the body is not valid JSON: {exc}") from None
        if not isinstance(table, dict):
            raise HTTPException(400, "the body must be a JSON object with the subscriber's fields")
        if (where := _env_reference(table)) is not None:
            raise HTTPException(
                422,
                f"{where}: ${{…}} refers to the server's environment, which only the operator's "
                "config file may do; send the value itself",
            )
        for i, channel in enumerate(table.get("channels") or []):
            internal = sorted(set(channel) & _LOADER_FIELDS) if isinstance(channel, dict) else []
            if internal:
                # Set by the config loader from what it read; a client cannot mark or unmask a channel.
                raise HTTPException(422, f"channels.{i}.{internal[0]}: not a field a request may set")
        try:
            new = SubscriberSettings.model_validate(table)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            raise HTTPException(422, f"{where}: {first['msg']}" if where else str(first["msg"])) from None
        table = _without_nulls(table)
        # A null left now is in a channel's options, where it is not the same as no option at all.
        if (where := _find(table, lambda v: v is None)) is not None:
            raise HTTPException(
                422, f"{where}: null cannot be kept in the config file; leave it out or give a value"
            )
        for channel in new.channels:
            # Checked the way sending will: a channel that cannot work is refused, nothing written.
            problem = check_channel(channel)  # values Python refuses (a port "abc") say so there too
            if problem:
                raise HTTPException(422, f"channels: {problem}")
            await run_in_threadpool(_reachable, state, channel)
        await run_in_threadpool(_edit, state, new.name, table, None)
        return subscriber_json(named(new.name))

    @api.delete(
        "/v1/subscribers/{name}",
        tags=["subscribers"],
        status_code=204,
        dependencies=[admin],
        responses=openapi.errors("admin", {404: _NO_SUCH, 422: _INVALID}),
    )
    async def remove_subscriber(name: str) -> Response:
        named(name)
        await run_in_threadpool(_edit, state, name, None, name)
        return Response(status_code=204)

    return api


# What the schema says of these routes (see openapi.py).
_NO_SUCH = "No subscriber has this name."
# FastAPI would declare its own 422 body for a route with a parameter; the app's is {"error": …}.
_INVALID = "The request is not valid."
_ADD_ERRORS = openapi.errors(
    "admin",
    {
        400: "The body is not valid JSON, not an object, nested too deeply or not valid Unicode, or a "
        "channel's host is a private address ([api] allow_private_fetch can allow it).",
        409: "A subscriber of this name exists already; delete it first.",
        413: openapi.too_large(),
        422: "A field is missing, unknown or not valid, a value refers to ${VAR}, or a channel cannot "
        "work as written (an unknown option, a host that does not resolve, a file channel outside "
        "[api] outbox_root).",
    },
)
# The loader sets a channel's broken and masked; a client has no business sending them.
_SUBSCRIBER_SCHEMA = openapi.model_schema(SubscriberSettings, hide=("broken", "masked"))
_SUBSCRIBER_EXAMPLE = {
    "name": "night-desk",
    "time": "22:00",
    "papers": ["交城报"],
    "channels": [{"url": "https://oapi.dingtalk.com/robot/send?access_token=…", "secret": "SEC…"}],
}
_BRIEFING: openapi.Responses = {
    200: {
        "description": "The briefing, as the Accept header asks: JSON (the default), Markdown, HTML or text.",
        "content": {
            "application/json": {"schema": {"type": "object"}},
            "text/markdown": {"schema": {"type": "string"}},
            "text/html": {"schema": {"type": "string"}},
            "text/plain": {"schema": {"type": "string"}},
        },
    }
}


def _briefing_of(state: ApiState, reader: SubscriberSettings, day: dt.date) -> Briefing:
    # Once sent, a day's briefing is what was sent: composing again would leave out what it briefed.
    saved = state.store().briefing_of(reader.name, day)
    return Briefing.from_data(saved[1]) if saved is not None else compose(state.store(), reader, day)


def _edit(state: ApiState, name: str, add: dict[str, Any] | None, remove: str | None) -> None:
    with _edit_lock:
        settings = state.settings
        exists = any(s.name == name for s in settings.subscribers)
        if add is not None and exists:
            raise HTTPException(409, f"a subscriber named {name!r} exists already; delete it first")
        path = edit_list(settings, "subscribers", add=add, remove=remove)
        state.settings = load(path)
