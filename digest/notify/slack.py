"""Slack incoming webhook: POST {"text", "blocks"} to https://hooks.slack.com/services/….

The whole URL path is the secret. The title goes in a header block and the briefing in one mrkdwn
section, whose text may be 3000 characters (counted after conversion to mrkdwn, escapes included).
Success is HTTP 200 with the body ``ok``; errors are 400 invalid_payload, 403 action_prohibited,
404 no_service / channel_not_found, 410 channel_is_archived (final) and 429 (temporary).
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

import httpx

from digest.notify.base import DeliveryResult, HttpChannel, HttpRequest, Message, url_secrets

_HEADER_MAX = 150  # a header block's plain_text limit
_BOLD = re.compile(r"\*\*(.+?)\*\*|__(.+?)__")
_LINK = re.compile(r"\[([^\]\n]+)\]\((\S+?)\)")
_HEADING = re.compile(r"^#{1,6}\s+(.+)$", re.MULTILINE)


def to_mrkdwn(markdown: str) -> str:
    """Markdown as Slack's mrkdwn: &, <, > escaped, **bold** and headings → *bold*, links → <url|text>."""
    text = markdown.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = _HEADING.sub(r"*\1*", text)
    text = _BOLD.sub(lambda m: f"*{m.group(1) or m.group(2)}*", text)
    return _LINK.sub(lambda m: f"<{m.group(2)}|{m.group(1)}>", text)


class SlackChannel(HttpChannel):
    kind = "slack"
    limit = 3000
    unit = "characters"
    split_field = "markdown"

    def __init__(self, url: str, **kwargs: Any) -> None:
        # https://hooks.slack.com/services/T…/B…/<secret>: the path is the credential.
        path = urlsplit(url).path.strip("/")
        segments = [segment for segment in path.split("/") if segment != "services"]
        super().__init__(url, secrets=[path, *segments, *url_secrets(url)], **kwargs)

    def size(self, title: str, body: str) -> int:
        return len(to_mrkdwn(body))

    def _request(self, message: Message) -> HttpRequest:
        title = message.title if len(message.title) <= _HEADER_MAX else message.title[: _HEADER_MAX - 1] + "…"
        payload = {
            "text": message.title,  # the notification's fallback text
            "blocks": [
                {"type": "header", "text": {"type": "plain_text", "text": title}},
                {"type": "section", "text": {"type": "mrkdwn", "text": to_mrkdwn(message.markdown)}},
            ],
        }
        return HttpRequest(self.url, payload)

    def _reply(self, response: httpx.Response) -> DeliveryResult:
        body = response.text.strip()
        if body == "ok":
            return DeliveryResult.sent("ok")
        return DeliveryResult.failed(f"HTTP {response.status_code}: {body[:200] or 'empty reply'}")
