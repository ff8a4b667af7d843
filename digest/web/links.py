"""Links into the reading room: a subscriber's secret key, and the address of a briefing's page that
every message of it carries. Pure functions of [web], so the briefing code can use them without
importing the web app."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from urllib.parse import quote

from digest.web.settings import WebSettings


def subscriber_key(settings: WebSettings, subscriber: str) -> str | None:
    """The secret link key of ``subscriber``; None when no ``[web] secret`` is set."""
    if not settings.secret:
        return None
    version = settings.link_versions.get(subscriber, 1)
    message = f"digest-reading-room\0{subscriber}\0{version}".encode()
    # 128 bits: as hard to guess as a random UUID, short enough for a chat message.
    return hmac.new(settings.secret.encode(), message, hashlib.sha256).hexdigest()[:32]


def briefing_link(settings: WebSettings | None, subscriber: str, day: dt.date) -> str | None:
    """The page of ``subscriber``'s briefing of ``day``, with their key where links have one; None
    without ``[web] base_url``. The message goes to the subscriber alone, so their key may travel in it."""
    if settings is None or not settings.base_url:
        return None
    address = f"{settings.base_url}/briefings/{quote(subscriber, safe='')}/{day.isoformat()}"
    key = subscriber_key(settings, subscriber)
    return f"{address}?key={key}" if key else address
