"""sniff_kind, the plain-text path of extract, and date_from_locator."""

from __future__ import annotations

import codecs
import datetime as dt
import re

import pytest

from digest.errors import BinaryInput
from digest.ingest.extract import extract, sniff_kind
from digest.ingest.html import PARAGRAPH_START
from digest.ingest.locator_dates import date_from_locator
from digest.models import DocumentKind, RawInput
from digest.shipped import SAMPLE_PAGE

EXAMPLE = SAMPLE_PAGE


def _raw(data: bytes, media_type: str | None = None, source: str = "input") -> RawInput:
    return RawInput(source=source, data=data, media_type=media_type)


# --- sniffing -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "media_type", "kind"),
    [
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", None, DocumentKind.PDF),
        (b"%PDF-1.4 ...", ".txt", DocumentKind.PDF),  # the bytes win over a wrong suffix
        (b"HTTP/1.1 200 OK\r\n\r\n%PDF-1.4\n...\n%%EOF\n", None, DocumentKind.PDF),  # junk before the header
        (b"this text mentions %PDF-1.4 in passing", None, DocumentKind.TEXT),
        (b"<!DOCTYPE html><html><body></body></html>", "application/octet-stream", DocumentKind.HTML),
        (codecs.BOM_UTF8 + b"\r\n  <html>\n<head>", None, DocumentKind.HTML),
        (b"<HEAD><TITLE>x</TITLE></HEAD>", None, DocumentKind.HTML),
        (b"<p>a paragraph</p>", None, DocumentKind.HTML),
        (b"<!-- saved page -->\n<html lang=zh>", ".txt", DocumentKind.HTML),
        ("<html><body>中文</body></html>".encode("utf-16"), None, DocumentKind.HTML),
        ("本报讯 盛夏时节".encode(), None, DocumentKind.TEXT),
        ("<<人民日报>>社论".encode(), None, DocumentKind.TEXT),
        ("本报讯".encode(), "text/html; charset=utf-8", DocumentKind.HTML),  # nothing in the bytes: the label
        (b"no magic", "application/pdf", DocumentKind.PDF),  # the PDF reader will call it broken
        (b"no magic", ".PDF".lower(), DocumentKind.PDF),
        (b"plain", ".htm", DocumentKind.HTML),
        (b"plain", ".txt", DocumentKind.TEXT),
    ],
)
def test_sniff_kind(data: bytes, media_type: str | None, kind: DocumentKind) -> None:
    assert sniff_kind(_raw(data, media_type)) is kind


@pytest.mark.parametrize(
    ("data", "what"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "a PNG image"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", "a JPEG image"),
        (b"GIF89a\x01\x00", "a GIF image"),
        (b"II*\x00\x08\x00", "a TIFF image"),
        (b"PK\x03\x04\x14\x00\x00\x00", "a ZIP archive"),
        (b"PK\x03\x04\x14\x00[Content_Types].xml word/document.xml", "a Word document (DOCX)"),
        (b"\x1f\x8b\x08\x00", "a GZIP archive"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1\x00", "an old Word or Excel document (DOC/XLS)"),
    ],
)
def test_known_binary_formats_are_named(data: bytes, what: str) -> None:
    with pytest.raises(BinaryInput) as caught:
        sniff_kind(_raw(data, ".pdf", source="scan.png"))
    message = str(caught.value)
    assert message.startswith(f"scan.png: this is {what}, not a newspaper page; ")
    assert caught.value.exit_code == 2


def test_png_message_suggests_ocr() -> None:
    advice = "digest reads text, PDF and HTML (for a scanned page, run OCR first)"
    with pytest.raises(BinaryInput, match=re.escape(advice)):
        extract(_raw(b"\x89PNG\r\n\x1a\n" + bytes(100), source="page1.png"))


# --- extract --------------------------------------------------------------------------------------


def test_text_keeps_blank_lines_and_indentation() -> None:
    text = "　　本报讯 盛夏时节，\n骄阳似火。\n\n\n　　第二段\n"
    page = extract(_raw(text.encode(), ".txt", source="papers/lldb-2024-07-26.txt"))
    assert page.kind is DocumentKind.TEXT
    assert page.lines == ("　　本报讯 盛夏时节，", "骄阳似火。", "", "", "　　第二段")
    assert not page.single_article
    assert page.issue_date == dt.date(2024, 7, 26)


def test_gb18030_crlf_text_reads_like_utf8() -> None:
    text = EXAMPLE.read_text(encoding="utf-8")
    utf8 = extract(_raw(text.encode("utf-8"), ".txt"))
    gb = extract(_raw(text.replace("\n", "\r\n").encode("gb18030"), ".txt"))
    assert gb.lines == utf8.lines
    assert "" in utf8.lines  # the example's blank lines survive


def test_text_charset_from_the_content_type() -> None:
    page = extract(_raw("王喆".encode("gb18030"), "text/plain; charset=gb2312"))
    assert page.lines == ("王喆",)


def test_lone_carriage_returns_and_unicode_line_separators() -> None:
    page = extract(_raw("一\r二\u2028三\x85四".encode(), None))
    assert page.lines == ("一", "二", "三\x85四")


def test_html_goes_to_the_html_extractor_with_the_header_charset() -> None:
    html = "<html><body><h1>标题</h1><article><p>朱镕基</p></article></body></html>".encode("gb18030")
    page = extract(_raw(html, "text/html; charset=gbk", source="http://x.cn/20240726/a.htm"))
    assert page.kind is DocumentKind.HTML
    assert page.lines == (PARAGRAPH_START + "朱镕基",)
    assert page.headlines == ("标题",)
    assert page.issue_date == dt.date(2024, 7, 26)


# --- dates in locators ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("locator", "expected"),
    [
        ("http://szb.example.cn/epaper/html/2024-07/26/content_12345.htm", dt.date(2024, 7, 26)),
        ("http://szb.example.cn/html/20240726/node_2.htm", dt.date(2024, 7, 26)),
        ("/papers/lldb-2024-07-26.pdf", dt.date(2024, 7, 26)),
        ("https://x.cn/2024/7/6/a.html", dt.date(2024, 7, 6)),
        ("吕梁日报2024年7月26日第1版.pdf", dt.date(2024, 7, 26)),
        ("lldb20240726.pdf", dt.date(2024, 7, 26)),
        ("content_12345678.htm", None),  # eight digits, but not a date
        ("content_20241399.htm", None),  # month 13
        ("https://x.cn/a/2024-02-30/b", None),
        ("https://x.cn/a/123456789/b", None),  # more digits than a date
        ("page.htm", None),
        ("-", None),
    ],
)
def test_date_from_locator(locator: str, expected: dt.date | None) -> None:
    assert date_from_locator(locator) == expected
