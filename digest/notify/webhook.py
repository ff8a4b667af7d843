"""Generic webhook: a JSON POST signed per the Standard Webhooks specification (v1).

Headers: ``webhook-id`` (the message's idempotency key, the same on every retry, so the receiver
can drop duplicates), ``webhook-timestamp`` (Unix seconds, when this attempt was sent) and
``webhook-signature``: ``v1,`` + base64(HMAC-SHA256(key, f"{id}.{timestamp}.{body}")), where the
key is the base64-decoded part of a ``whsec_…`` secret. Without a secret the request is unsigned.
The body: {"type": "digest.briefing", "timestamp": ISO 8601, "data": {id, title, text, markdown,
briefing}}. Any 2xx is success; 410 Gone means the receiver wants no more (final).
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import hmac
from typing import Any

from digest.errors import ConfigError
from digest.notify.base import HttpChannel, HttpRequest, Message, json_bytes

SECRET_PREFIX = "whsec_"  # noqa: S105 - the prefix of every such secret, not a secret
EVENT_TYPE = "digest.briefing"


def webhook_key(secret: str) -> bytes:
    """The HMAC key of a ``whsec_<base64>`` secret (the prefix is optional)."""
    encoded = secret.removeprefix(SECRET_PREFIX)
    try:
        key = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        key = b""
    if not key:
        raise ConfigError("webhook channel: the secret is not a whsec_<base64> signing secret; check it")
    return key


def webhook_signature(key: bytes, msg_id: str, timestamp: int, body: bytes) -> str:
    """The Standard Webhooks v1 signature header value for one request."""
    signed = f"{msg_id}.{timestamp}.".encode() + body
    return "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode("ascii")


class WebhookChannel(HttpChannel):
    kind = "webhook"

    def __init__(self, url: str, **kwargs: Any) -> None:
        super().__init__(url, **kwargs)
        self._key = webhook_key(self._secret) if self._secret else None

    def _request(self, message: Message) -> HttpRequest:
        now = self._clock()
        payload = {
            "type": EVENT_TYPE,
            "timestamp": dt.datetime.fromtimestamp(now, dt.UTC).isoformat().replace("+00:00", "Z"),
            "data": {
                "id": message.idempotency_key,
                "title": message.title,
                "text": message.text,
                "markdown": message.markdown,
                "briefing": message.data,
            },
        }
        timestamp = int(now)
        body = json_bytes(payload)  # signed and sent as these exact bytes
        headers = {"webhook-id": message.idempotency_key, "webhook-timestamp": str(timestamp)}
        if self._key is not None:
            headers["webhook-signature"] = webhook_signature(
                self._key, message.idempotency_key, timestamp, body
            )
        return HttpRequest(self.url, payload, headers, body)
