"""Who may read what in the reading room.

- **Pages** (papers, issues, search, paper feeds): everyone when ``[web] public = true``; otherwise a
  read token of ``[api] tokens`` (either scope): the API's ``Authorization: Bearer`` header, or, for
  a browser, ``?token=`` once: it is checked, put into an HttpOnly cookie, and the browser is sent to
  the same address without it (so it stays out of the address bar, history and bookmarks).
- **A subscriber's briefings and feed**: a read token, or that subscriber's secret link key
  ``?key=`` — never public, since they show what the subscriber asked for. Without either, 404:
  a stranger cannot even tell whether the subscriber or the briefing exists.

A subscriber's key is HMAC-SHA256 over their name and link version under ``[web] secret``: unguessable
without the secret, nothing to store, checked in constant time. Revoking: bump the subscriber's
number in ``[web] link_versions`` (their old links die, others keep theirs), or rotate the secret
(every link dies). Tokens and keys never reach a log: the access log's query strings are masked
(RedactSecrets), pages send ``Referrer-Policy: no-referrer``, and no message repeats them.
"""

from __future__ import annotations

import hmac
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import quote, urlencode

from fastapi import Request, Response
from fastapi.responses import RedirectResponse

from digest.api.auth import token_hash
from digest.api.settings import TokenSettings
from digest.web.links import subscriber_key
from digest.web.settings import WebSettings

COOKIE = "digest_token"
_SECRET_QUERY = re.compile(r"\b(token|key)=[^&\s\"]*", re.IGNORECASE)


def known_token(token: str, tokens: Sequence[TokenSettings]) -> bool:
    """Whether ``token`` is one of the API's tokens (any scope may read)."""
    presented = token_hash(token)
    found = False
    for candidate in tokens:  # every one compared: the time taken does not tell which matched
        found |= hmac.compare_digest(presented, candidate.sha256)
    return found and bool(token)


@dataclass(frozen=True, slots=True)
class Viewer:
    """What the request may see."""

    reader: bool  # holds a read token
    public: bool  # [web] public
    key: str  # the ?key= it came with ("" for none)
    settings: WebSettings

    @property
    def sees_pages(self) -> bool:
        return self.reader or self.public

    def sees_subscriber(self, subscriber: str) -> bool:
        if self.reader:
            return True
        expected = subscriber_key(self.settings, subscriber)
        return bool(expected and self.key) and hmac.compare_digest(expected or "", self.key)

    def query_for(self, subscriber: str) -> str:
        """What a link to ``subscriber``'s pages must carry for this viewer: their key, when that is
        how the viewer got in (a reader's cookie needs nothing)."""
        return "" if self.reader or not self.sees_subscriber(subscriber) else f"?key={self.key}"


def presented_token(request: Request) -> str:
    """The token a request carries: the Authorization header, else the cookie ("" for none)."""
    scheme, _, credentials = request.headers.get("authorization", "").strip().partition(" ")
    if scheme.lower() == "bearer" and credentials.strip():
        return credentials.strip()
    return request.cookies.get(COOKIE, "")


def viewer_of(request: Request, web: WebSettings, tokens: Sequence[TokenSettings]) -> Viewer:
    token = presented_token(request)
    return Viewer(
        reader=bool(token) and known_token(token, tokens),
        public=web.public,
        key=request.query_params.get("key", "")[:200],
        settings=web,
    )


def token_handoff(request: Request, tokens: Sequence[TokenSettings]) -> Response | None:
    """?token= from a browser: checked, kept in an HttpOnly cookie, and dropped from the address
    (a 303 to the same page without it). An unknown token is dropped the same way, without a
    cookie, so the address never keeps it either."""
    token = request.query_params.get("token")
    if token is None:
        return None
    rest = urlencode([(k, v) for k, v in request.query_params.multi_items() if k != "token"])
    answer = RedirectResponse(quote(request.url.path) + (f"?{rest}" if rest else ""), 303)
    if known_token(token, tokens):
        answer.set_cookie(
            COOKIE,
            token,
            httponly=True,
            samesite="lax",
            secure=request.url.scheme == "https",
            max_age=30 * 86400,
        )
    return answer


class RedactSecrets(logging.Filter):
    """Masks ``token=`` and ``key=`` in what a log record says (uvicorn's access log prints the
    request line with its query)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(
                _SECRET_QUERY.sub(r"\1=***", arg) if isinstance(arg, str) else arg for arg in record.args
            )
        if isinstance(record.msg, str):
            record.msg = _SECRET_QUERY.sub(r"\1=***", record.msg)
        return True


def redact_access_log() -> None:
    """Put RedactSecrets on uvicorn's access logger (once, however many apps are made)."""
    access = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, RedactSecrets) for f in access.filters):
        access.addFilter(RedactSecrets())
