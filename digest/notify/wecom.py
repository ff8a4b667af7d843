"""WeCom (企业微信) group bot: POST {"msgtype": "markdown"} to the bot's webhook URL.

The URL carries the bot's key (``?key=…``), which is all it takes to post, so it is a secret. The
markdown content may be 4096 bytes of UTF-8. The reply is HTTP 200 either way; ``errcode`` 0 is
success, 45009 (over the rate limit: 20 messages a minute) and -1 (busy) are temporary, the rest —
93000 invalid webhook URL, 40008 invalid message type, 40058 content too long… — are final.
"""

from __future__ import annotations

import httpx

from digest.notify.base import (
    DeliveryResult,
    HttpChannel,
    HttpRequest,
    Message,
    reply_json,
    vendor_code_result,
)

_RETRY_CODES = frozenset({-1, 45009})
# WeCom's limit is per minute; with no Retry-After, the rest of a minute is the honest wait.
_RATE_LIMIT_WAIT = 60.0


class WeComChannel(HttpChannel):
    kind = "wecom"
    limit = 4096
    unit = "bytes"
    split_field = "markdown"

    def _rendered(self, title: str, body: str) -> str:
        return f"**{title}**\n{body}"

    def _request(self, message: Message) -> HttpRequest:
        content = self._rendered(message.title, message.markdown)
        return HttpRequest(self.url, {"msgtype": "markdown", "markdown": {"content": content}})

    def _reply(self, response: httpx.Response) -> DeliveryResult:
        return wecom_style_reply(response.content, _RETRY_CODES, _RATE_LIMIT_WAIT)

    def _vendor_error(self, body: bytes) -> tuple[DeliveryResult | None, str]:
        data = reply_json(body)
        if data is None or "errcode" not in data:
            return super()._vendor_error(body)
        result = wecom_style_reply(body, _RETRY_CODES, _RATE_LIMIT_WAIT)
        return result, result.reason


def wecom_style_reply(body: bytes, retry_codes: frozenset[int], rate_wait: float) -> DeliveryResult:
    """{"errcode": 0, "errmsg": "ok"} and its errors, as WeCom and DingTalk both answer."""
    data = reply_json(body)
    if data is None or "errcode" not in data:
        return DeliveryResult.failed(f"unexpected reply: {body[:200].decode('utf-8', 'replace')}")
    return vendor_code_result(
        data["errcode"], data.get("errmsg"), retry_codes=retry_codes, retry_after=rate_wait
    )
