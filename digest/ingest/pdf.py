"""Read a newspaper page's text layer from a PDF: body lines in reading order, headlines and captions.

pdfminer.six decodes the glyphs (CID fonts and their CMaps included); the layout is done here. Its own
layout analysis (LAParams) is not used: it puts a space wherever the glyphs of a justified CJK line
stand slightly apart, its text boxes do not come out column by column, and it joins glyphs closer
than two character widths into one line, which merges neighbouring columns (gutters are half a
character to one character wide) whenever the content stream draws them row by row. Without it a
page takes about a third of the time.

The steps, per page:
1. glyphs are sorted into body, headline and caption type by font size against the dominant size;
2. glyphs of one type are joined into line pieces: same row, no gap wider than 0.3 characters;
3. pieces of one printed line that stand apart (a byline set flush right) are joined again when the
   nearest lines above and below run across the gap (a column gutter has no line across it);
4. reading order is a recursive XY cut: split at vertical gutters and read columns left to right;
   where no gutter runs all the way down (a headline or a lead spanning columns), split into bands
   top to bottom first;
5. a body line that starts well right of its column's left edge starts a paragraph; wrapped
   headline and caption lines are joined, and every line keeps its place in reading order with its
   kind (headline, caption, body), so segmentation sees each headline above its article.

This module checks the file, finds the body size and runs the steps over each page; pdf_glyphs reads
the glyphs with pdfminer, pdf_lines joins them into lines (steps 1-3) and pdf_order puts the lines in
reading order (steps 4-5).
"""

from __future__ import annotations

from collections import Counter

from digest.errors import EmptyInput, ScannedPdf
from digest.ingest.pdf_glyphs import Glyph, broken, read_glyphs
from digest.ingest.pdf_lines import PdfLine, printed_lines
from digest.ingest.pdf_order import reading_order, xy_cut
from digest.models import DocumentKind, PageText

_COLUMN_GAP = 0.25  # in body characters: the narrowest gutter the XY cut splits at


def extract_pdf(data: bytes, source: str) -> PageText:
    """Return the text of a PDF newspaper page (or pages) with headlines and captions set apart.

    Raises EmptyInput for an empty file, BrokenPdf for a damaged, truncated or password-protected
    one and ScannedPdf when there is no usable text layer; every message says what to do next.
    """
    if not data or data.isspace():
        raise EmptyInput(f"{source}: the file is empty; check the download or the path")
    if b"%PDF-" not in data[:1024]:
        raise broken(source, "there is no %PDF- header")
    # A cut-off download still parses: pdfminer rebuilds the cross-reference table from what is left
    # and returns part of the page, or none of it, which would then read as a scanned page.
    if b"%%EOF" not in data[-2048:]:
        raise broken(source, "it does not end with %%EOF")

    pages, issue_date = read_glyphs(data, source)
    glyph_count = sum(1 for page in pages for glyph in page if not glyph.text.isspace())
    if glyph_count == 0:
        raise ScannedPdf(
            f"{source}: this PDF has no text layer (a scanned page?); run OCR on it first, "
            "e.g. ocrmypdf in.pdf out.pdf, then try again"
        )
    unmapped = sum(1 for page in pages for glyph in page if glyph.text == "\ufffd")
    if unmapped > glyph_count / 2:
        raise ScannedPdf(
            f"{source}: this PDF's fonts do not say which characters they draw, so its text cannot be "
            "read; run OCR on it first, e.g. ocrmypdf --force-ocr in.pdf out.pdf, then try again"
        )

    sizes = Counter(round(glyph.size, 1) for page in pages for glyph in page)
    body_size = sizes.most_common(1)[0][0]
    lines: list[str] = []
    kinds: list[str] = []
    for page in pages:
        for text, kind in reading_order(_page_lines(page, body_size)):
            lines.append(text)
            kinds.append(kind)
    return PageText(
        source=source,
        kind=DocumentKind.PDF,
        lines=tuple(lines),
        single_article=False,
        issue_date=issue_date,
        line_kinds=tuple(kinds),
    )


def _page_lines(glyphs: list[Glyph], body_size: float) -> list[list[PdfLine]]:
    """The page's lines grouped by column (XY cut leaves) in reading order."""
    return xy_cut(printed_lines(glyphs, body_size), body_size * _COLUMN_GAP)
