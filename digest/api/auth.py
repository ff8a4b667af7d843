"""Bearer tokens: kept as SHA-256 hex in the settings, compared in constant time, never logged."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Sequence
from typing import Literal

from fastapi import HTTPException, Request

from digest.api.settings import TokenSettings

Scope = Literal["read", "admin"]
_CHALLENGE = 'Bearer realm="digest"'


def token_hash(token: str) -> str:
    """What goes into the settings for ``token``: the hex SHA-256 of its UTF-8 bytes."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def authenticate(header: str | None, tokens: Sequence[TokenSettings]) -> TokenSettings:
    """The token an Authorization header carries; HTTPException 401 when there is none or it is unknown."""
    scheme, _, credentials = (header or "").strip().partition(" ")
    credentials = credentials.strip()
    if scheme.lower() != "bearer" or not credentials:
        raise HTTPException(
            401,
            "authentication required: send Authorization: Bearer <token>",
            headers={"WWW-Authenticate": _CHALLENGE},
        )
    presented = token_hash(credentials)
    found: TokenSettings | None = None
    for candidate in tokens:  # every token is compared, so the time taken does not tell which matched
        if hmac.compare_digest(presented, candidate.sha256):
            found = candidate
    if found is None:
        raise HTTPException(
            401,
            "the token is not valid; check it, or ask for one in [api] tokens",
            headers={"WWW-Authenticate": f'{_CHALLENGE}, error="invalid_token"'},
        )
    return found


def requires(scope: Scope, tokens: Callable[[], Sequence[TokenSettings]]) -> Callable[[Request], str]:
    """A FastAPI dependency: the caller's token name when its scope allows ``scope``; 401/403 else."""

    def check(request: Request) -> str:
        token = authenticate(request.headers.get("authorization"), tokens())
        if scope == "admin" and token.scope != "admin":
            raise HTTPException(403, f"token {token.name!r} has the read scope; this needs an admin token")
        return token.name

    return check
