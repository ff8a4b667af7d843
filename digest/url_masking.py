"""Credentials in URLs masked, so that a token in a URL never reaches a log, a terminal or an HTTP error.

mask_url is the form in which every message shows a URL; mask_secrets cleans text that may quote the
URL itself, such as a transport error's own words. digest.http uses both for every fetch.
"""

from __future__ import annotations

import re
from urllib.parse import unquote, urlsplit, urlunsplit

# Parameter names that carry credentials in practice (token, api_key, secret, sign, signature,
# password, passwd, pwd, auth, session, ticket, credential): their values are masked in messages.
_SECRET_NAME = re.compile(r"token|key|secret|sign|pass|pwd|auth|session|ticket|credential", re.IGNORECASE)
_MASK = "***"


def mask_url(url: str) -> str:
    """``url`` with its userinfo and the values of credential-like query parameters replaced by ***."""
    try:
        parts = urlsplit(url)
        netloc = parts.netloc
        if "@" in netloc:
            netloc = _MASK + "@" + netloc.rpartition("@")[2]
        return urlunsplit(
            (parts.scheme, netloc, parts.path, _mask_params(parts.query), _mask_params(parts.fragment))
        )
    except ValueError:
        # Not parseable (an unbalanced "[" in the host): mask by pattern rather than echo it back.
        masked = re.sub(r"//[^/?#]*@", "//" + _MASK + "@", url)
        return re.sub(r"([?&#;][^=&#]*=)[^&#]*", lambda m: _mask_param(m.group(0)), masked)


def mask_secrets(text: str, url: str) -> str:
    """``text`` with every credential of ``url`` (userinfo, credential-like parameter values) as ***."""
    for secret in _secrets(url):
        text = text.replace(secret, _MASK)
    return text


def _secrets(url: str) -> list[str]:
    try:
        parts = urlsplit(url)
    except ValueError:
        return []
    found = []
    if "@" in parts.netloc:
        found.append(parts.netloc.rpartition("@")[0])
    for piece in re.split(r"[&;]", parts.query + "&" + parts.fragment):
        name, eq, value = piece.partition("=")
        if eq and value and _SECRET_NAME.search(unquote(name)):
            found.append(value)
    return [secret for secret in found if secret]


def _mask_params(query: str) -> str:
    return "&".join(_mask_param(piece) for piece in query.split("&")) if query else query


def _mask_param(piece: str) -> str:
    name, eq, _value = piece.partition("=")
    return f"{name}={_MASK}" if eq and _SECRET_NAME.search(unquote(name)) else piece
