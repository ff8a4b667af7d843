"""Telegram Bot API: POST sendMessage to <base>/bot<token>/sendMessage with parse_mode HTML.

The bot token is in the URL's path, so it is masked everywhere. The text may be 4096 characters
after entity parsing, i.e. counted on the plain text, not on the HTML tags and escapes. The reply is
{"ok": true, …} on success; {"ok": false, "error_code": 429, "parameters": {"retry_after": n}} asks
to wait; 401 (bad token), 400 (chat not found…), 403 (bot blocked) are final.
"""

from __future__ import annotations

import html
import re
from typing import Any

import httpx

from digest.errors import ConfigError
from digest.notify.base import DeliveryResult, HttpChannel, HttpRequest, Message, reply_json

DEFAULT_BASE_URL = "https://api.telegram.org"
_BOT_PATH = re.compile(r"^(?P<base>.*?)/bot(?P<token>[^/?#]+)(?:/sendMessage)?/?$")


def parse_bot_url(url: str) -> tuple[str, str | None]:
    """(base URL, token or None) from ``https://api.telegram.org[/bot<token>[/sendMessage]]``."""
    bare = url.split("?", maxsplit=1)[0].split("#", maxsplit=1)[0].rstrip("/")
    match = _BOT_PATH.match(bare)
    if match:
        return match.group("base"), match.group("token")
    return bare, None


class TelegramChannel(HttpChannel):
    kind = "telegram"
    limit = 4096
    unit = "characters"
    split_field = "text"

    def __init__(
        self, url: str, *, chat_id: str, token: str, base_url: str | None = None, **kwargs: Any
    ) -> None:
        if not token:
            raise ConfigError("telegram channel: no bot token; put it in `secret` or the URL's /bot<token>")
        if not chat_id:
            raise ConfigError("telegram channel: no chat_id; set options.chat_id")
        base = (base_url or parse_bot_url(url)[0] or DEFAULT_BASE_URL).rstrip("/")
        super().__init__(f"{base}/bot{token}/sendMessage", secrets=[token], **kwargs)
        self.chat_id = chat_id

    def _rendered(self, title: str, body: str) -> str:
        return f"{title}\n\n{body}"  # what Telegram counts: the text after entity parsing

    def _request(self, message: Message) -> HttpRequest:
        text = f"<b>{html.escape(message.title, quote=False)}</b>\n\n{html.escape(message.text, quote=False)}"
        payload = {
            "chat_id": self.chat_id,
            "text": text,
            "parse_mode": "HTML",
            "link_preview_options": {"is_disabled": True},
        }
        return HttpRequest(self.url, payload)

    def _reply(self, response: httpx.Response) -> DeliveryResult:
        data = reply_json(response.content)
        if data is not None and data.get("ok") is True:
            return DeliveryResult.sent("ok")
        decided, detail = self._vendor_error(response.content)
        return decided or DeliveryResult.failed(f"unexpected reply: {detail}")

    def _vendor_error(self, body: bytes) -> tuple[DeliveryResult | None, str]:
        data = reply_json(body)
        if data is None or "ok" not in data:
            return super()._vendor_error(body)
        code, description = data.get("error_code"), data.get("description", "")
        reason = f"error {code}: {description}"
        parameters = data.get("parameters")
        wait = parameters.get("retry_after") if isinstance(parameters, dict) else None
        if code == 429 or isinstance(wait, int | float):
            return DeliveryResult.retry(
                reason, float(wait) if isinstance(wait, int | float) else None
            ), reason
        if isinstance(code, int) and code >= 500:
            return DeliveryResult.retry(reason), reason
        return DeliveryResult.failed(reason), reason
