"""Vendor stand-ins for the local server: each checks the request the way the vendor documents it
(recomputing the signature from the received timestamp) and answers as the vendor does."""

from __future__ import annotations

# ruff: noqa: S105 - made-up credentials for the local stand-ins
import base64
import hashlib
import hmac
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tests.conftest import Route
from tests.notify.conftest import HookServer, Received, json_route

WECOM_KEY = "wk-5d1c9e7a-4b2f-4e8a-9c3d-7f6e5a4b3c2d"
DING_TOKEN = "dt9f8e7d6c5b4a39281706f5e4d3c2b1a0"
DING_SECRET = "SECa1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f6"
FEISHU_HOOK = "fh-0c1d2e3f-4a5b-6c7d-8e9f-a0b1c2d3e4f5"
FEISHU_SECRET = "fsQw3rTy8uIo0pAs"
SLACK_SECRET = "XoXbSeCrEtPaTh1234567890"
TELEGRAM_TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"
WEBHOOK_SECRET = "whsec_" + base64.b64encode(b"standard-webhooks-test-key-32byt").decode()
ONE_HOUR = 3600


def dingtalk_check(request: Received) -> Route:
    """钉钉 加签: sign = urlEncode(base64(HmacSHA256(secret, timestamp + "\\n" + secret))), ms."""
    query = request.query
    if query.get("access_token") != DING_TOKEN:
        return json_route({"errcode": 300001, "errmsg": "token is not exist"})
    timestamp = query.get("timestamp", "")
    expected = base64.b64encode(
        hmac.new(DING_SECRET.encode(), f"{timestamp}\n{DING_SECRET}".encode(), hashlib.sha256).digest()
    ).decode()
    fresh = timestamp.isdigit() and abs(int(timestamp) - time.time() * 1000) < ONE_HOUR * 1000
    if not fresh or not hmac.compare_digest(query.get("sign", ""), expected):
        return json_route(
            {"errcode": 310000, "errmsg": "sign not match, more: [https://ding-doc.dingtalk.com]"}
        )
    payload = request.json()
    assert payload["msgtype"] == "markdown" and payload["markdown"]["title"] and payload["markdown"]["text"]
    return json_route({"errcode": 0, "errmsg": "ok"})


def feishu_check(request: Received) -> Route:
    """飞书 签名校验: sign = base64(HmacSHA256(key = timestamp + "\\n" + secret, msg = "")), seconds."""
    payload = request.json()
    timestamp = str(payload.get("timestamp", ""))
    expected = base64.b64encode(
        hmac.new(f"{timestamp}\n{FEISHU_SECRET}".encode(), b"", hashlib.sha256).digest()
    ).decode()
    fresh = timestamp.isdigit() and abs(int(timestamp) - time.time()) < ONE_HOUR
    if not fresh or not hmac.compare_digest(str(payload.get("sign", "")), expected):
        return json_route(
            {"code": 19021, "msg": "sign match fail or timestamp is not within one hour from current time"}
        )
    assert payload["msg_type"] in ("post", "interactive")
    return json_route({"code": 0, "msg": "success", "data": {}})


def wecom_check(request: Received) -> Route:
    if request.query.get("key") != WECOM_KEY:
        return json_route({"errcode": 93000, "errmsg": "invalid webhook url, hint: [1690000000_1]"})
    payload = request.json()
    assert payload["msgtype"] == "markdown" and payload["markdown"]["content"]
    return json_route({"errcode": 0, "errmsg": "ok"})


def slack_check(request: Received) -> Route:
    if not request.path.endswith("/" + SLACK_SECRET):
        return Route(404, {"Content-Type": "text/plain"}, b"no_service")
    payload = request.json()
    assert payload["blocks"][1]["text"]["type"] == "mrkdwn"
    return Route(200, {"Content-Type": "text/plain"}, b"ok")


def telegram_check(request: Received) -> Route:
    if not request.path.startswith(f"/bot{TELEGRAM_TOKEN}/sendMessage"):
        return json_route({"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401)
    payload = request.json()
    assert payload["parse_mode"] == "HTML" and payload["chat_id"] == "-1001234"
    return json_route({"ok": True, "result": {"message_id": 7, "text": payload["text"]}})


def standard_webhooks_check(request: Received) -> Route:
    """The Standard Webhooks verification: HMAC-SHA256 over "id.timestamp.body" with the decoded key."""
    msg_id = request.headers.get("webhook-id", "")
    timestamp = request.headers.get("webhook-timestamp", "")
    key = base64.b64decode(WEBHOOK_SECRET.removeprefix("whsec_"))
    expected = base64.b64encode(
        hmac.new(key, f"{msg_id}.{timestamp}.".encode() + request.body, hashlib.sha256).digest()
    ).decode()
    signatures = [
        sig.partition(",")[2]
        for sig in request.headers.get("webhook-signature", "").split()
        if sig.startswith("v1,")
    ]
    fresh = timestamp.isdigit() and abs(int(timestamp) - time.time()) < 5 * 60
    if not msg_id or not fresh or not any(hmac.compare_digest(sig, expected) for sig in signatures):
        return json_route({"error": "invalid signature"}, status=401)
    return Route(204)


@dataclass(frozen=True)
class Vendor:
    kind: str
    path: str  # the path the vendor's server listens on
    check: Callable[[Received], Route]
    url: Callable[[str, bool], str]  # (base URL, with wrong credentials) -> channel URL
    secret: Callable[[bool], str | None] = lambda wrong: None
    options: dict[str, Any] = field(default_factory=dict)
    # Credentials that must never show in a reason, a log line or a repr.
    secrets: tuple[str, ...] = ()
    # What the vendor says about wrong credentials: in the reason of the failed result.
    refusal: str = ""
    # The extra path a wrong credential reaches (Slack and Telegram carry theirs in the path).
    wrong_path: str | None = None

    def serve(self, server: HookServer) -> None:
        server.handle(self.path, self.check)
        if self.wrong_path:
            server.handle(self.wrong_path, self.check)


VENDORS = [
    Vendor(
        "wecom",
        "/cgi-bin/webhook/send",
        wecom_check,
        lambda base, wrong: f"{base}/cgi-bin/webhook/send?key={'wk-wrong-key-0000' if wrong else WECOM_KEY}",
        secrets=(WECOM_KEY,),
        refusal="93000",
    ),
    Vendor(
        "dingtalk",
        "/robot/send",
        dingtalk_check,
        lambda base, _wrong: f"{base}/robot/send?access_token={DING_TOKEN}",
        secret=lambda wrong: "SECwrongwrongwrong" if wrong else DING_SECRET,
        secrets=(DING_TOKEN, DING_SECRET, "SECwrongwrongwrong"),
        refusal="310000",
    ),
    Vendor(
        "feishu",
        f"/open-apis/bot/v2/hook/{FEISHU_HOOK}",
        feishu_check,
        lambda base, _wrong: f"{base}/open-apis/bot/v2/hook/{FEISHU_HOOK}",
        secret=lambda wrong: "fsWrongWrongWrong" if wrong else FEISHU_SECRET,
        secrets=(FEISHU_HOOK, FEISHU_SECRET, "fsWrongWrongWrong"),
        refusal="19021",
    ),
    Vendor(
        "slack",
        f"/services/T0001/B0002/{SLACK_SECRET}",
        slack_check,
        lambda base, wrong: f"{base}/services/T0001/B0002/{'XoXbRevokedPath000' if wrong else SLACK_SECRET}",
        secrets=(SLACK_SECRET, "XoXbRevokedPath000"),
        refusal="no_service",
        wrong_path="/services/T0001/B0002/XoXbRevokedPath000",
    ),
    Vendor(
        "telegram",
        f"/bot{TELEGRAM_TOKEN}/sendMessage",
        telegram_check,
        lambda base, _wrong: base,
        secret=lambda wrong: "999:WRONGtokenWRONGtoken" if wrong else TELEGRAM_TOKEN,
        options={"chat_id": "-1001234"},
        secrets=(TELEGRAM_TOKEN, "999:WRONGtokenWRONGtoken"),
        refusal="401",
        wrong_path="/bot999:WRONGtokenWRONGtoken/sendMessage",
    ),
    Vendor(
        "webhook",
        "/hooks/digest",
        standard_webhooks_check,
        lambda base, _wrong: f"{base}/hooks/digest",
        secret=lambda wrong: (
            "whsec_" + base64.b64encode(b"not-the-key").decode() if wrong else WEBHOOK_SECRET
        ),
        secrets=(WEBHOOK_SECRET, WEBHOOK_SECRET.removeprefix("whsec_")),
        refusal="invalid signature",
    ),
]
