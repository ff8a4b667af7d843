"""How `digest summarise` shows a page digest: plain text for a terminal, Markdown, or JSON.

The JSON shape is a public contract (see README, "JSON output"): fields are only ever added.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from typing import Any

from digest.ingest.segment import ExplainedLine
from digest.models import PageDigest, SummarisedArticle

FORMATS = ("text", "markdown", "json")


def render_explained(lines: Sequence[ExplainedLine]) -> str:
    """One row per input line: its number, what segmentation took it for, and its article."""
    out = []
    for line in lines:
        article = f"#{line.article}" if line.article else "-"
        out.append(f"{line.number:>5}  {line.label:<9} {article:>4}  {line.text}")
    return "\n".join(out) + "\n"


def explained_json(lines: Sequence[ExplainedLine]) -> list[dict[str, Any]]:
    return [{"line": ln.number, "label": ln.label, "article": ln.article, "text": ln.text} for ln in lines]


def to_json(page: PageDigest) -> dict[str, Any]:
    return {
        "source": page.source,
        "articles": [_article_json(item) for item in page.articles],
        "errors": [{"index": e.index, "stage": e.stage, "message": e.message} for e in page.errors],
        "page": {
            "header": list(page.page.header),
            "editors": list(page.page.editors),
            "columns": list(page.page.columns),
            "other": list(page.page.other),
            "unplaced": list(page.page.unplaced),
        },
    }


def _article_json(item: SummarisedArticle) -> dict[str, Any]:
    article, summary = item.article, item.summary
    return {
        "index": article.index,
        "text": article.text,
        "paragraphs": list(article.paragraphs),
        "page_headline": article.page_headline,
        "captions": list(article.captions),
        "writers": list(article.writers),
        "photographers": list(article.photographers),
        "date": article.date.isoformat() if article.date else None,
        "dateline": article.dateline,
        "lead": article.lead,
        "origin": article.origin,
        "kicker": article.kicker,
        "subhead": article.subhead,
        "headline": summary.headline,
        "summary": summary.summary,
        "engine": summary.engine,
        "guard": summary.guard,
    }


def byline_text(item: SummarisedArticle) -> str:
    """One line of metadata: date, writers, photographers."""
    article = item.article
    parts = []
    if article.date:
        parts.append(article.date.isoformat())
    elif article.dateline:
        parts.append(article.dateline)
    if article.writers:
        parts.append("文/" + " ".join(article.writers))
    if article.photographers:
        parts.append("图/" + " ".join(article.photographers))
    return " · ".join(parts)


def render_text(page: PageDigest, width: int | None = None) -> str:
    """Readable in a terminal; wraps at ``width`` display columns when given (CJK counts double)."""
    count = len(page.articles)
    out = [f"{page.source} — {count} article{'s' if count != 1 else ''}", ""]
    for item in page.articles:
        article, summary = item.article, item.summary
        out.append(f"[{article.index}] {summary.headline}")
        meta = byline_text(item)
        if meta:
            out.append(f"    {meta}")
        if article.page_headline and article.page_headline != summary.headline:
            out.append(f"    版面标题：{article.page_headline}")
        if summary.guard and summary.guard != "ok":
            out.append(f"    ({summary.engine}; guard: {summary.guard})")
        out.extend(_wrap(summary.summary, width, indent="    "))
        out.append("")
    for error in page.errors:
        out.append(f"! article {error.index} failed at {error.stage}: {error.message}")
    for text in page.page.unplaced:
        out.append(f"? not in any article: {text}")
    return "\n".join(out).rstrip() + "\n"


def render_markdown(page: PageDigest) -> str:
    out = [f"# {page.source}", ""]
    for item in page.articles:
        article, summary = item.article, item.summary
        out += [f"## {article.index}. {escape_markdown(summary.headline)}", ""]
        meta = byline_text(item)
        if meta:
            out += [f"*{escape_markdown(meta)}*", ""]
        out += [escape_markdown(summary.summary), ""]
        if article.page_headline and article.page_headline != summary.headline:
            out += [f"> 版面标题：{escape_markdown(article.page_headline)}", ""]
    if page.page.unplaced:
        out += ["## 未归入文章的文字 (not in any article)", ""]
        out += [f"- {escape_markdown(text)}" for text in page.page.unplaced]
        out += [""]
    if page.errors:
        out += ["## Errors", ""]
        out += [f"- article {e.index} ({e.stage}): {escape_markdown(e.message)}" for e in page.errors]
    return "\n".join(out).rstrip() + "\n"


_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>#|~])")


def escape_markdown(text: str) -> str:
    """Article text may contain characters Markdown would read as markup: escape them."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)


def _cells(ch: str) -> int:
    return 2 if unicodedata.east_asian_width(ch) in "WF" else 1


def _wrap(text: str, width: int | None, indent: str) -> list[str]:
    if not width or width <= len(indent) + 10:
        return [indent + text]
    lines, line, used = [], "", len(indent)
    for ch in text:
        if used + _cells(ch) > width:
            lines.append(indent + line)
            line, used = "", len(indent)
        line += ch
        used += _cells(ch)
    if line:
        lines.append(indent + line)
    return lines
