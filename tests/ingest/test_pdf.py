"""Extraction from real PDFs built with reportlab (STSong-Light, the CJK font every reader has)."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import logging
import re

import pytest
from pdfminer.high_level import extract_text

from digest.errors import BrokenPdf, EmptyInput, ScannedPdf
from digest.ingest.pdf import extract_pdf
from digest.models import DocumentKind, PageText
from tests.ingest.pdf_builder import (
    CAPTIONS,
    HEADLINES,
    Page,
    Text,
    build_page_pdf,
    build_scanned_pdf,
    layout_page,
    render_pdf,
    sample_page,
    truncated,
    width,
)

MARK = "\u3000\u3000"
CJK_SPACE_CJK = re.compile(r"[\u4e00-\u9fff，。、；：“”（）]\s+[\u4e00-\u9fff，。、；：“”（）]")


@pytest.fixture(scope="module")
def page_pdf() -> bytes:
    return build_page_pdf()


def of_kind(result: PageText, kind: str) -> tuple[str, ...]:
    """The lines of one kind, in reading order: "" body, "headline", "caption"."""
    return tuple(line for line, k in zip(result.lines, result.line_kinds, strict=True) if k == kind)


def body(result: PageText) -> tuple[str, ...]:
    return of_kind(result, "")


def heads(result: PageText) -> tuple[str, ...]:
    return of_kind(result, "headline")


def captions(result: PageText) -> tuple[str, ...]:
    return of_kind(result, "caption")


def squeeze(text: str) -> str:
    return re.sub(r"\s", "", text)


def expected_lines() -> tuple[str, ...]:
    page = sample_page()
    return tuple((MARK if line in page.paragraph_starts else "") + line for line in page.body)


def test_the_built_page_is_a_real_multi_column_layout() -> None:
    # Guards the other tests: four columns on one baseline grid, so rows of different columns line
    # up, and headlines that wrap inside their column.
    [page] = layout_page()
    body = [text for text in page.texts if text.size == 9.0]
    starts = sorted({round(text.x) for text in body})
    columns = [x for x in starts if not any(0 < x - other < 30 for other in starts)]
    assert len(columns) == 4
    rows = {round(text.y, 1) for text in body}
    assert len(rows) < len(body) / 3
    assert len([text for text in page.texts if text.size == 18.0]) == 4


def test_body_lines_come_in_reading_order_across_columns(page_pdf: bytes) -> None:
    result = extract_pdf(page_pdf, "page.pdf")

    assert result.kind is DocumentKind.PDF
    assert result.source == "page.pdf"
    assert not result.single_article
    assert [squeeze(line) for line in body(result)] == [squeeze(line) for line in sample_page().body]


def test_lines_are_printed_text_with_paragraph_marks_and_no_spaces_between_cjk(page_pdf: bytes) -> None:
    # Justified lines have their characters spread apart; the text must not show it. The only spaces
    # are the ones printed in the sample ("情系职工 清凉一夏", "7月 25日").
    result = extract_pdf(page_pdf, "page.pdf")

    assert body(result) == expected_lines()
    printed = sum(len(CJK_SPACE_CJK.findall(line)) for line in sample_page().body)
    assert sum(len(CJK_SPACE_CJK.findall(line)) for line in body(result)) == printed


def test_pdfminer_layout_analysis_alone_would_not_do(page_pdf: bytes) -> None:
    # Why pdf.py does its own layout: pdfminer's LAParams grouping puts spaces between the spread
    # characters of justified lines and does not read the columns in order.
    lines = [line for line in extract_text(io.BytesIO(page_pdf)).splitlines() if line.strip()]
    body = [squeeze(line) for line in sample_page().body]

    assert any(CJK_SPACE_CJK.search(line) and squeeze(line) in body for line in lines)
    assert [squeeze(line) for line in lines if squeeze(line) in body] != body


def test_headlines_and_captions_are_set_apart(page_pdf: bytes) -> None:
    result = extract_pdf(page_pdf, "page.pdf")

    assert heads(result) == (HEADLINES[2], HEADLINES[4])
    assert captions(result) == (CAPTIONS[2], CAPTIONS[4])
    [page] = layout_page()
    printed = {text.text for text in page.texts if text.size != 9.0}
    assert len(printed) == 6
    assert not printed & {line.strip() for line in body(result)}
    text_of_body = squeeze("".join(body(result)))
    assert not [text for text in (*HEADLINES.values(), *CAPTIONS.values()) if squeeze(text) in text_of_body]
    # Each headline comes in reading order before its article's first line, with only its photo's
    # caption between them.
    order = list(zip(result.lines, result.line_kinds, strict=True))
    for headline in (HEADLINES[2], HEADLINES[4]):
        after = order[order.index((headline, "headline")) + 1 :]
        first_body = next(line for line, kind in after if kind == "")
        assert first_body.strip().startswith("本报讯")
        assert all(kind == "caption" for _, kind in after[: after.index((first_body, ""))])


def test_a_headline_wrapped_over_two_lines_is_one_headline(page_pdf: bytes) -> None:
    [page] = layout_page()
    printed = [text.text for text in page.texts if text.size == 18.0]
    assert printed[0] + printed[1] == HEADLINES[2]  # the builder did wrap it

    assert heads(extract_pdf(page_pdf, "page.pdf"))[0] == HEADLINES[2]


def test_headlines_side_by_side_or_of_another_size_stay_apart() -> None:
    texts = [
        Text(40, 700, "左栏标题第一行", 18),
        Text(40, 677, "左栏标题第二行", 18),
        Text(300, 700, "右栏的标题", 18),
        Text(300, 670, "右栏的副题", 13),
        *(Text(40 + 260 * col, 640 - 14 * row, "正文" * 10, 9) for col in range(2) for row in range(10)),
    ]
    result = extract_pdf(render_pdf([Page(600, 800, texts)]), "heads.pdf")

    assert heads(result) == ("左栏标题第一行左栏标题第二行", "右栏的标题", "右栏的副题")


def test_a_letter_spaced_headline_is_one_headline() -> None:
    texts = [
        Text(40, 700, "图片新闻", 18, char_space=14),
        *(Text(40 + 260 * col, 670 - 14 * row, "正文" * 10, 9) for col in range(2) for row in range(6)),
        Text(300, 700, "右栏标题", 18),
    ]
    result = extract_pdf(render_pdf([Page(600, 800, texts)]), "spaced.pdf")

    assert heads(result) == ("图片新闻", "右栏标题")


def test_indented_lines_start_paragraphs(page_pdf: bytes) -> None:
    marked = {
        line.removeprefix(MARK) for line in body(extract_pdf(page_pdf, "page.pdf")) if line.startswith(MARK)
    }
    assert marked == sample_page().paragraph_starts

    flush = extract_pdf(build_page_pdf(indent=False), "flush.pdf")
    assert not any(line.startswith(MARK) for line in body(flush))


def test_pages_are_read_one_after_the_other() -> None:
    pages = layout_page(columns=3, page_height=600)
    assert len(pages) >= 3

    result = extract_pdf(render_pdf(pages), "pages.pdf")

    assert body(result) == expected_lines()
    assert heads(result) == (HEADLINES[2], HEADLINES[4])
    assert captions(result) == (CAPTIONS[2], CAPTIONS[4])


def _column(x: float, top: float, lines: tuple[str, ...], size: float = 9.0) -> list[Text]:
    return [Text(x, top - 14 * row, line, size) for row, line in enumerate(lines)]


def test_a_spanning_headline_separates_two_blocks_of_columns() -> None:
    # Article A fills two columns, a headline runs across both, article B fills the two columns below
    # it. All rows line up, so no single gutter tells the order; the headline band does.
    a = sample_page().articles[3][:16]
    b = sample_page().articles[2][:16]
    texts = [
        *_column(40, 760, a[:8]),
        *_column(300, 760, a[8:]),
        Text(40, 620, "一条横跨两栏的大标题压在下面文章的上方", 20),
        *_column(40, 590, b[:8]),
        *_column(300, 590, b[8:]),
    ]
    result = extract_pdf(render_pdf([Page(600, 800, texts)]), "blocks.pdf")

    assert body(result) == (*a, *b)
    assert heads(result) == ("一条横跨两栏的大标题压在下面文章的上方",)


def test_a_lead_spanning_two_columns_is_read_before_them() -> None:
    article = sample_page().articles[1]
    lead = article[:3]
    texts = [
        *_column(40, 760, lead, size=9.0),
        *_column(40, 710, article[3:13]),
        *_column(300, 710, article[13:23]),
    ]
    # The lead runs across the gutter; it is set wider than the columns below.
    texts[:3] = [Text(40, t.y, t.text + t.text, 9.0) for t in texts[:3]]
    result = extract_pdf(render_pdf([Page(600, 800, texts)]), "lead.pdf")

    assert body(result) == (*(line + line for line in lead), *article[3:23])


@pytest.mark.parametrize("row", [0, 3])
def test_a_flush_right_byline_stays_on_its_line_and_the_gutter_still_splits(row: int) -> None:
    # The byline row at the bottom of its column (a line above crosses the gap) or at the top of a
    # column (the line below does); the gutter to the next column is never crossed.
    left = list(sample_page().articles[1][5:8])
    right = sample_page().articles[3][:4]
    edge = 40 + max(width(line, 9) for line in left)
    byline = "（文/司瑞东 图/申淼）"
    texts = [
        *_column(40, 760, (*left[:row], "", *left[row:])),
        Text(40, 760 - 14 * row, "表彰企业负责人。", 9),
        Text(edge - width(byline, 9), 760 - 14 * row, byline, 9),
        *_column(300, 760, right),
    ]
    assert edge - width(byline, 9) - width("表彰企业负责人。", 9) - 40 > 4 * 9  # a wide gap

    result = extract_pdf(render_pdf([Page(600, 800, texts)]), "byline.pdf")

    left.insert(row, "表彰企业负责人。（文/司瑞东 图/申淼）")
    assert body(result) == (*left, *right)


@pytest.mark.parametrize(
    "layout",
    [
        {"columns": 5, "page_height": 1000, "gutter_em": 0.5},  # gutters of half a character
        {"justify": False},  # ragged lines
        {"body_size": 10.5, "headline_size": 22, "caption_size": 8},  # larger type, two pages
    ],
)
def test_other_layouts_of_the_page_read_the_same(layout: dict[str, float]) -> None:
    result = extract_pdf(build_page_pdf(**layout), "variant.pdf")

    assert body(result) == expected_lines()
    assert heads(result) == (HEADLINES[2], HEADLINES[4])
    assert captions(result) == (CAPTIONS[2], CAPTIONS[4])


@pytest.mark.parametrize(
    ("stamp", "expected"),
    [("D:20240801083000+08'00'", dt.date(2024, 8, 1)), ("D:20241399", None), ("yesterday", None)],
)
def test_issue_date_comes_from_the_creation_date(stamp: str, expected: dt.date | None) -> None:
    pdf = render_pdf([Page(300, 300, [Text(20, 200, "本报讯 今日无事。", 9)])], creation_date=stamp)
    assert extract_pdf(pdf, "dated.pdf").issue_date == expected


def test_a_scanned_pdf_asks_for_ocr() -> None:
    with pytest.raises(ScannedPdf, match=r"scan\.pdf: this PDF has no text layer .*ocrmypdf"):
        extract_pdf(build_scanned_pdf(pages=2), "scan.pdf")


def test_a_pdf_whose_font_maps_to_no_characters_asks_for_ocr(page_pdf: bytes) -> None:
    # An unknown character collection: pdfminer can only say "(cid:1234)" for each glyph.
    unknown = page_pdf.replace(b"/Ordering (GB1)", b"/Ordering (XX1)")
    assert unknown != page_pdf
    with pytest.raises(ScannedPdf, match=r"cannot be read.*OCR"):
        extract_pdf(unknown, "cid.pdf")


def test_a_truncated_pdf_is_broken(page_pdf: bytes) -> None:
    with pytest.raises(BrokenPdf, match=r"half\.pdf: the PDF is damaged or truncated .*download it again"):
        extract_pdf(truncated(page_pdf), "half.pdf")


def test_a_truncated_pdf_with_an_end_marker_is_still_broken(page_pdf: bytes) -> None:
    with pytest.raises(BrokenPdf, match="damaged or truncated"):
        extract_pdf(truncated(page_pdf) + b"\n%%EOF\n", "half.pdf")


@pytest.mark.parametrize("tail", [b"", b"\nstartxref\n123\n%%EOF\n"])
def test_random_bytes_with_a_pdf_header_are_broken(tail: bytes) -> None:
    noise = b"".join(hashlib.sha256(bytes([i])).digest() for i in range(125))  # repeatable noise
    with pytest.raises(BrokenPdf, match=r"noise\.pdf: the PDF is damaged or truncated"):
        extract_pdf(b"%PDF-1.4\n" + noise + tail, "noise.pdf")


def test_a_file_that_is_no_pdf_at_all_is_broken() -> None:
    with pytest.raises(BrokenPdf, match="no %PDF- header"):
        extract_pdf(b"<html><body>404</body></html>", "page.pdf")


def test_a_password_protected_pdf_says_how_to_remove_the_password() -> None:
    pdf = render_pdf([Page(300, 300, [Text(20, 200, "本报讯 今日无事。", 9)])], user_password="secret")  # noqa: S106
    with pytest.raises(BrokenPdf, match=r"password-protected.*qpdf --decrypt"):
        extract_pdf(pdf, "locked.pdf")


def test_an_empty_file_is_empty_input() -> None:
    with pytest.raises(EmptyInput, match="empty"):
        extract_pdf(b"", "empty.pdf")


def test_pdfminer_stays_quiet_about_harmless_oddities(
    page_pdf: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    # An unreadable font bounding box makes pdfminer log a warning for every page; the text is fine.
    odd = page_pdf.replace(b"/FontBBox [ -25 -254 1000 880 ]", b"/FontBBox [ -25 -254 1000 /x0 ]")
    assert odd != page_pdf
    with caplog.at_level(logging.WARNING):
        result = extract_pdf(odd, "odd.pdf")
    assert body(result) == expected_lines()
    assert not [record for record in caplog.records if record.name.startswith("pdfminer")]
