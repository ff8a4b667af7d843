"""Plain, frozen records passed between the stages (extract → clean → segment → summarise)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum


class DocumentKind(StrEnum):
    TEXT = "text"
    PDF = "pdf"
    HTML = "html"


@dataclass(frozen=True, slots=True)
class RawInput:
    """Bytes as read from a file, a URL or stdin, before anything is decoded."""

    source: str
    data: bytes
    # A hint from outside the bytes: an HTTP Content-Type or a file suffix ("application/pdf", ".htm").
    media_type: str | None = None


@dataclass(frozen=True, slots=True)
class PageText:
    """What extraction finds on a page: body lines in reading order plus what the layout tells apart.

    Lines are as printed (hard-wrapped, not yet cleaned). A line that starts with whitespace was
    indented on the page, which marks a paragraph start. Blank strings are blank lines.
    """

    source: str
    kind: DocumentKind
    lines: tuple[str, ...]
    # Lines the layout shows as headlines (large type, <h1>) and as photo captions (small type,
    # <figcaption>). Plain text has neither; its headlines and captions are found by segmentation.
    headlines: tuple[str, ...] = ()
    captions: tuple[str, ...] = ()
    # Per line of ``lines``, what its type says where the layout tells: "headline" (large type),
    # "caption" (small type) or "" (body type). Empty when the input has no layout (plain text).
    line_kinds: tuple[str, ...] = ()
    # An article page (one e-paper HTML page per article): the whole body is one article, lead or not.
    single_article: bool = False
    kicker: str | None = None
    subhead: str | None = None
    # The issue's date when the document states it (PDF metadata, an e-paper URL).
    issue_date: dt.date | None = None


@dataclass(frozen=True, slots=True)
class Article:
    """One article of a page, cleaned: paragraphs hold whole sentences, no hard wraps."""

    index: int
    paragraphs: tuple[str, ...]
    writers: tuple[str, ...] = ()
    photographers: tuple[str, ...] = ()
    # The date in the article's first sentence as printed ("7月25日"), and resolved when the year is known.
    dateline: str | None = None
    date: dt.date | None = None
    page_headline: str | None = None
    kicker: str | None = None
    subhead: str | None = None
    captions: tuple[str, ...] = ()
    # The lead marker the article opened with ("本报讯", "新华社北京7月25日电"); metadata, not body.
    lead: str | None = None
    # A source note that ended the article as printed ("据新华社", "来源：人民日报", "责任编辑 张三").
    origin: str | None = None

    @property
    def text(self) -> str:
        return "\n".join(self.paragraphs)


@dataclass(frozen=True, slots=True)
class PageInfo:
    """What a page prints besides its articles: its header, editor footers, column names, lines a
    paper's house style or its earlier issues mark as its own, and lines no article could be given
    (kept and reported, never dropped)."""

    header: tuple[str, ...] = ()
    editors: tuple[str, ...] = ()
    columns: tuple[str, ...] = ()
    other: tuple[str, ...] = ()
    unplaced: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Summary:
    headline: str
    summary: str
    engine: str
    # The faithfulness guard's verdict where a generating engine ran one; None for extractive output.
    guard: str | None = None


@dataclass(frozen=True, slots=True)
class ArticleError:
    """One article that could not be processed; the rest of the page still is."""

    index: int
    stage: str
    message: str


@dataclass(frozen=True, slots=True)
class SummarisedArticle:
    article: Article
    summary: Summary


@dataclass(frozen=True, slots=True)
class PageDigest:
    """The result of `digest summarise` for one input."""

    source: str
    articles: tuple[SummarisedArticle, ...]
    errors: tuple[ArticleError, ...] = field(default=())
    page: PageInfo = field(default_factory=PageInfo)
    # Said on stderr: the page has text that no article took (see page.unplaced).
    warning: str | None = None
