"""Feishu / Lark (飞书) custom bot: POST a rich-text post (default) or an interactive card.

The hook URL's last path segment is the bot's id (a secret: it is all it takes to post). With
signature verification on, the body carries ``timestamp`` (seconds, as a string) and ``sign`` =
base64(HMAC-SHA256(key=f"{timestamp}\\n{secret}", msg=b"")); Feishu refuses a timestamp more than an
hour off. A request body may be 20 KB. The reply says ``code`` 0 (``StatusCode`` 0 in older replies)
on success; 11232 (frequency limited) is temporary; 19021 (bad
signature or stale timestamp), 19022 (IP not allowed), 19024 (keyword missing) and others are final.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from typing import Any

import httpx

from digest.notify.base import (
    DeliveryResult,
    HttpChannel,
    HttpRequest,
    Message,
    json_bytes,
    reply_json,
    url_secrets,
    vendor_code_result,
)

_RETRY_CODES = frozenset({11232})
_RATE_LIMIT_WAIT = 60.0
# The 20 KB limit is on the whole body, timestamp and sign included: measure with stand-ins as long.
_TIMESTAMP_STAND_IN = "0" * 10
_SIGN_STAND_IN = "=" * 44


def feishu_sign(timestamp: int, secret: str) -> str:
    """The documented signature: HMAC-SHA256 keyed with "<timestamp>\\n<secret>" over nothing, base64."""
    digest = hmac.new(f"{timestamp}\n{secret}".encode(), b"", hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


class FeishuChannel(HttpChannel):
    kind = "feishu"
    limit = 20 * 1000
    unit = "bytes"

    def __init__(self, url: str, *, card: bool = False, **kwargs: Any) -> None:
        hook_id = url.rstrip("/").rpartition("/")[2]
        super().__init__(url, secrets=[hook_id, *url_secrets(url)], **kwargs)
        self.card = card
        self.split_field = "markdown" if card else "text"

    def size(self, title: str, body: str) -> int:
        return len(json_bytes(self._payload(title, body, _TIMESTAMP_STAND_IN, _SIGN_STAND_IN)))

    def _payload(self, title: str, body: str, timestamp: str | None, sign: str | None) -> dict[str, Any]:
        payload: dict[str, Any] = {}
        if timestamp is not None and sign is not None:
            payload |= {"timestamp": timestamp, "sign": sign}
        if self.card:
            payload |= {
                "msg_type": "interactive",
                "card": {
                    "header": {"title": {"tag": "plain_text", "content": title}},
                    "elements": [{"tag": "markdown", "content": body}],
                },
            }
        else:
            lines = [[{"tag": "text", "text": line}] for line in body.split("\n")]
            payload |= {
                "msg_type": "post",
                "content": {"post": {"zh_cn": {"title": title, "content": lines}}},
            }
        return payload

    def _request(self, message: Message) -> HttpRequest:
        body = message.markdown if self.card else message.text
        timestamp = sign = None
        if self._secret:
            now = int(self._clock())
            timestamp, sign = str(now), feishu_sign(now, self._secret)
        return HttpRequest(self.url, self._payload(message.title, body, timestamp, sign))

    def _reply(self, response: httpx.Response) -> DeliveryResult:
        return _feishu_result(response.content)

    def _vendor_error(self, body: bytes) -> tuple[DeliveryResult | None, str]:
        data = reply_json(body)
        if data is None or ("code" not in data and "StatusCode" not in data):
            return super()._vendor_error(body)
        result = _feishu_result(body)
        return result, result.reason


def _feishu_result(body: bytes) -> DeliveryResult:
    data = reply_json(body)
    if data is None:
        return DeliveryResult.failed(f"unexpected reply: {body[:200].decode('utf-8', 'replace')}")
    if "code" in data:
        code, message = data["code"], data.get("msg")
    elif "StatusCode" in data:
        code, message = data["StatusCode"], data.get("StatusMessage")
    else:
        return DeliveryResult.failed(f"unexpected reply: {body[:200].decode('utf-8', 'replace')}")
    return vendor_code_result(code, message, retry_codes=_RETRY_CODES, retry_after=_RATE_LIMIT_WAIT)
