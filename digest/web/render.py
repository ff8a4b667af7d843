"""Rendering the reading room's pages: Jinja2 templates in digest/web/templates, autoescaped.

Everything an article says is untrusted (it comes from web pages and PDFs): every template is
autoescaped, no field is marked safe except the search highlight, which escapes the text itself
(web/highlight.py), and only http(s) links are ever put into an href.
"""

from __future__ import annotations

import datetime as dt
import re
from functools import cache
from typing import Any
from urllib.parse import quote

from fastapi.responses import HTMLResponse
from jinja2 import Environment, PackageLoader, StrictUndefined

# Pages name subscribers and carry keys: no address of ours is ever sent to a site an article links to.
HEADERS = {"Referrer-Policy": "no-referrer", "X-Content-Type-Options": "nosniff"}


def weblink(value: object) -> bool:
    """Only http(s) links are shown; javascript:, data:, file paths and the like never reach a reader."""
    return (
        isinstance(value, str)
        and value.startswith(("http://", "https://"))
        and not any(ch in value for ch in " \n\"'<>")
    )


def segment(value: object) -> str:
    """A path segment: a paper's or subscriber's name percent-encoded (a / in it included)."""
    return quote(str(value), safe="")


_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _xmlsafe(value: object) -> str:
    """What XML 1.0 cannot carry at all, even escaped (stray control characters from a PDF or a web
    page), left out of a feed."""
    return _NOT_XML.sub("", str(value))


def _day(value: dt.date | None) -> str:
    return value.isoformat() if value else "日期不详"


@cache
def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("digest.web", "templates"),
        autoescape=True,  # every template is HTML or XML (the feeds)
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(seg=segment, day=_day, xmlsafe=_xmlsafe)
    env.tests["weblink"] = weblink
    return env


def page(template: str, status: int = 200, **context: Any) -> HTMLResponse:
    html = environment().get_template(template).render(context)
    return HTMLResponse(html, status_code=status, headers=HEADERS)


def not_found(what: str = "没有这个页面。") -> HTMLResponse:
    """The same 404 for what does not exist and what this reader may not see."""
    return page("message.html.j2", 404, title="未找到", message=what)


def unauthorised() -> HTMLResponse:
    return page(
        "message.html.j2",
        401,
        title="需要令牌",
        message="阅览室不公开：请带上阅读令牌（?token=…）打开，或使用订阅者的专属链接。",
    )


MAX_PAGE = 10_000


def parse_id(text: str) -> int | None:
    """A row id from a path, or None (a 404, like an unknown id: no 422 for the curious)."""
    return int(text) if text.isdigit() and 0 < len(text) < 19 else None


def parse_day(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text) if len(text) == 10 else None
    except ValueError:
        return None


def page_number(text: str) -> int:
    """A ?page= number: 1 for anything that is not one, at most MAX_PAGE."""
    return min(max(int(text) if text.isdigit() and len(text) < 6 else 1, 1), MAX_PAGE)
