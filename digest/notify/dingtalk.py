"""DingTalk (钉钉) custom robot: POST {"msgtype": "markdown", "markdown": {title, text}}.

The URL carries ``access_token`` (a secret). With 加签 (signing) on, each request adds ``timestamp``
(milliseconds) and ``sign`` to the query: base64(HMAC-SHA256(key=secret, msg=f"{timestamp}\\n{secret}")),
URL-encoded; DingTalk refuses a timestamp more than an hour off. The request body may be 20000 bytes
(460101 "message too long" past that): the limit is measured on the JSON sent, not the text. The
reply is HTTP 200 either way; ``errcode`` 0 is success, 130101 (sending too fast: 20 a minute) and -1
(busy) are temporary; 310000 (keyword, signature or IP check failed), 300001 (bad token) and the rest
are final.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from typing import Any
from urllib.parse import quote

import httpx

from digest.notify.base import DeliveryResult, HttpChannel, HttpRequest, Message, json_bytes, reply_json
from digest.notify.wecom import wecom_style_reply

_RETRY_CODES = frozenset({-1, 130101})
_RATE_LIMIT_WAIT = 60.0


def dingtalk_sign(timestamp_ms: int, secret: str) -> str:
    """The documented signature: base64(HMAC-SHA256(secret, "<timestamp>\\n<secret>")), not URL-encoded."""
    digest = hmac.new(secret.encode(), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


class DingTalkChannel(HttpChannel):
    kind = "dingtalk"
    limit = 20000
    unit = "bytes"
    split_field = "markdown"

    def size(self, title: str, body: str) -> int:
        # The limit is on the request body: the JSON around the text, its escapes and the title.
        return len(json_bytes(self._payload(title, body)))

    def _payload(self, title: str, body: str) -> dict[str, Any]:
        return {"msgtype": "markdown", "markdown": {"title": title, "text": f"#### {title}\n\n{body}"}}

    def _request(self, message: Message) -> HttpRequest:
        payload = self._payload(message.title, message.markdown)
        url = self.url
        if self._secret:
            timestamp = int(self._clock() * 1000)
            sign = quote(dingtalk_sign(timestamp, self._secret), safe="")
            url += ("&" if "?" in url else "?") + f"timestamp={timestamp}&sign={sign}"
        return HttpRequest(url, payload)

    def _reply(self, response: httpx.Response) -> DeliveryResult:
        return wecom_style_reply(response.content, _RETRY_CODES, _RATE_LIMIT_WAIT)

    def _vendor_error(self, body: bytes) -> tuple[DeliveryResult | None, str]:
        data = reply_json(body)
        if data is None or "errcode" not in data:
            return super()._vendor_error(body)
        result = wecom_style_reply(body, _RETRY_CODES, _RATE_LIMIT_WAIT)
        return result, result.reason
