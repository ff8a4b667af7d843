"""Rendering a briefing as text, Markdown and HTML (Jinja2 templates shipped in the package).

Article text is untrusted (it comes from web pages and PDFs): HTML is autoescaped, Markdown has its
markup characters escaped, links must be http(s), and no field can break the one-block-per-article
layout the channels split on.
"""

from __future__ import annotations

import re
from functools import cache

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from digest.briefing.compose import Briefing
from digest.notify.base import Message
from digest.output import escape_markdown

_BLANKS = re.compile(r"\s*\n\s*")
_EXTRA_BLANKS = re.compile(r"\n[ \t]*(?:\n[ \t]*)+")


def _oneline(value: str) -> str:
    return _BLANKS.sub(" ", value).strip()


def _weblink(value: object) -> bool:
    """Only http(s) links are shown; javascript:, data: and the like never reach a reader."""
    return (
        isinstance(value, str)
        and value.startswith(("http://", "https://"))
        and not any(ch in value for ch in " \n()<>\"'")
    )


@cache
def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("digest.briefing", "templates"),
        # HTML templates escape everything; text and Markdown escape with their own filters.
        autoescape=select_autoescape(enabled_extensions=("html.j2",), default=False),
        undefined=StrictUndefined,
        keep_trailing_newline=True,
    )
    env.filters.update(oneline=_oneline, md=escape_markdown)
    env.tests["weblink"] = _weblink
    return env


def _blocks(rendered: str) -> str:
    """Exactly one blank line between blocks: channels split long briefings there."""
    return _EXTRA_BLANKS.sub("\n\n", rendered).strip() + "\n"


def title_of(briefing: Briefing) -> str:
    supplement = (
        ""
        if briefing.sequence == 1
        else " 补充" + ("" if briefing.sequence == 2 else str(briefing.sequence - 1))
    )
    return f"每日简报 {briefing.day.isoformat()}{supplement} · {briefing.count} 篇"


def render(briefing: Briefing, *, idempotency_key: str = "", link: str | None = None) -> Message:
    """The briefing in every format the channels use; ``link``: its page in the reading room, which
    every message then carries (and the "另有 N 篇" line points to)."""
    title = title_of(briefing)
    context = {"briefing": briefing, "title": title, "link": link if _weblink(link) else None}
    text = _blocks(_environment().get_template("briefing.txt.j2").render(context))
    markdown = _blocks(_environment().get_template("briefing.md.j2").render(context))
    html = _environment().get_template("briefing.html.j2").render(context)
    return Message(
        title=title,
        text=text,
        markdown=markdown,
        html=html,
        data=briefing.data(),
        idempotency_key=idempotency_key
        or f"brf_{briefing.subscriber}_{briefing.day.isoformat()}"
        + (f"_{briefing.sequence}" if briefing.sequence > 1 else ""),
    )
