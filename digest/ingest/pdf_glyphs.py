"""Run pdfminer.six over a PDF: each page's upright glyphs, and the issue date from the metadata.

pdfminer decodes the glyphs (CID fonts and their CMaps included) and nothing more: its own layout
analysis is not used (pdf.py says why). Everything pdfminer raises on a damaged, truncated or
encrypted file becomes a BrokenPdf that says what to do next.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
import re
from dataclasses import dataclass
from typing import Any

from pdfminer.converter import PDFPageAggregator
from pdfminer.layout import LTChar, LTContainer, LTItem
from pdfminer.pdfdocument import PDFDocument, PDFEncryptionError, PDFPasswordIncorrect
from pdfminer.pdfinterp import PDFPageInterpreter, PDFResourceManager
from pdfminer.pdfpage import PDFPage
from pdfminer.pdfparser import PDFParser
from pdfminer.pdftypes import resolve1
from pdfminer.psexceptions import PSException

from digest.errors import BrokenPdf, EmptyInput

# pdfminer logs a warning for every oddity of ordinary PDFs (missing widths, unknown CMaps, repaired
# cross-reference tables); none of them is actionable for a reader. Real failures still raise.
logging.getLogger("pdfminer").setLevel(logging.ERROR)

# pdfminer's text for a glyph its font cannot map to Unicode.
_UNMAPPED = re.compile(r"\(cid:\d+\)")
# Some PDFs from malformed producers make pdfminer fail with plain built-in errors rather than its
# own; only pdfminer's calls are inside the try that catches these.
_MALFORMED = (ValueError, TypeError, KeyError, IndexError, AttributeError, AssertionError, RecursionError)


@dataclass(frozen=True, slots=True)
class Glyph:
    text: str
    x0: float
    x1: float
    y0: float
    y1: float
    size: float


def broken(source: str, reason: str) -> BrokenPdf:
    return BrokenPdf(
        f"{source}: the PDF is damaged or truncated ({reason}); download it again or export it anew"
    )


def read_glyphs(data: bytes, source: str) -> tuple[list[list[Glyph]], dt.date | None]:
    """Run pdfminer over every page; return each page's glyphs and the issue date from the metadata."""
    pages: list[list[Glyph]] = []
    try:
        document = PDFDocument(PDFParser(io.BytesIO(data)))
        issue_date = _creation_date(document.info)
        resources = PDFResourceManager()
        # No LAParams: pdfminer hands over the page's glyphs as drawn, without its own grouping.
        device = PDFPageAggregator(resources, laparams=None)
        interpreter = PDFPageInterpreter(resources, device)
        for page in PDFPage.create_pages(document):
            interpreter.process_page(page)
            glyphs: list[Glyph] = []
            _collect(device.get_result(), glyphs)
            pages.append(glyphs)
    except PDFPasswordIncorrect as exc:
        raise BrokenPdf(
            f"{source}: the PDF is password-protected; remove the password first, e.g. "
            "qpdf --decrypt --password=PASSWORD in.pdf out.pdf, then try again"
        ) from exc
    except PDFEncryptionError as exc:
        raise BrokenPdf(
            f"{source}: the PDF is encrypted in a way digest cannot open ({exc}); decrypt it first, "
            "e.g. qpdf --decrypt in.pdf out.pdf, then try again"
        ) from exc
    except PSException as exc:  # PDFSyntaxError, PDFNoValidXRef, PSEOF and the rest of pdfminer's own
        raise broken(source, str(exc) or type(exc).__name__) from exc
    except _MALFORMED as exc:
        raise broken(source, f"{type(exc).__name__}: {exc}") from exc
    if not pages:
        raise EmptyInput(f"{source}: the PDF has no pages; check that it is the right file")
    return pages, issue_date


def _collect(item: LTItem, out: list[Glyph]) -> None:
    """Append the upright glyphs of ``item``, looking inside figures (form XObjects)."""
    if isinstance(item, LTChar):
        # Rotated or mirrored glyphs are margin labels and the like; their rows mean nothing here.
        if item.upright and item.size > 0:
            text = _UNMAPPED.sub("\ufffd", item.get_text())
            out.append(Glyph(text, item.x0, item.x1, item.y0, item.y1, item.size))
    elif isinstance(item, LTContainer):
        for child in item:
            _collect(child, out)


def _creation_date(infos: list[Any]) -> dt.date | None:
    """The date in the metadata's CreationDate ("D:20240731..."), in the producer's local time.

    The date printed in the PDF's own time zone is the one meant; converting to UTC would move a
    late-evening export of a Chinese paper to the day before.
    """
    for info in infos:
        value = resolve1(info.get("CreationDate")) if isinstance(info, dict) else None
        if isinstance(value, bytes):
            value = value.decode("utf-16" if value.startswith(b"\xfe\xff") else "latin-1", errors="replace")
        match = re.match(r"\s*(?:D:)?(\d{4})(\d{2})(\d{2})", value) if isinstance(value, str) else None
        if match:
            try:
                return dt.date(*(int(part) for part in match.groups()))
            except ValueError:
                return None
    return None
