"""Turn a RawInput into PageText: decide what the bytes are, then hand them to the right extractor.

The bytes decide before the label does: e-paper servers send PDFs as application/octet-stream and
error pages as whatever the URL ended in, and saved files are often misnamed.
"""

from __future__ import annotations

import codecs
import re

from digest.errors import BinaryInput
from digest.ingest.encoding import decode_text
from digest.ingest.html import extract_html
from digest.ingest.locator_dates import date_from_locator
from digest.ingest.sources import charset_of
from digest.models import DocumentKind, PageText, RawInput

_SNIFF_BYTES = 1024
# PDF readers accept the header anywhere in the first KB (junk before it is common in saved files);
# a text that merely mentions "%PDF-" is told apart by the end-of-file marker a real PDF has.
_PDF_MAGIC = b"%PDF-"
_PDF_TAIL_BYTES = 2048
_HTML_MARKERS = re.compile(rb"<(?:!doctype\s+html|html|head|body|p)[\s>/]", re.IGNORECASE)
_STRONG_HTML_MARKERS = re.compile(rb"<(?:!doctype\s+html|html)[\s>]", re.IGNORECASE)

_IMAGE_ADVICE = "digest reads text, PDF and HTML (for a scanned page, run OCR first)"
# Magic numbers of files people mistake for pages: (prefix, what it is, what to do instead).
_BINARY_SIGNATURES: tuple[tuple[bytes, str, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "a PNG image", _IMAGE_ADVICE),
    (b"\xff\xd8\xff", "a JPEG image", _IMAGE_ADVICE),
    (b"GIF87a", "a GIF image", _IMAGE_ADVICE),
    (b"GIF89a", "a GIF image", _IMAGE_ADVICE),
    (b"II*\x00", "a TIFF image", _IMAGE_ADVICE),
    (b"MM\x00*", "a TIFF image", _IMAGE_ADVICE),
    (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",
        "an old Word or Excel document (DOC/XLS)",
        "save it as text or PDF first",
    ),
    (b"\x1f\x8b", "a GZIP archive", "unpack it first"),
    (b"Rar!\x1a\x07", "a RAR archive", "unpack it first"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive", "unpack it first"),
)
_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")

_PDF_TYPES = frozenset({"application/pdf", "application/x-pdf", ".pdf"})
_HTML_TYPES = frozenset({"text/html", "application/xhtml+xml", ".htm", ".html", ".xhtml", ".shtml"})
# Plain-text line breaks: str.splitlines would also split at \x1c-\x1e and \x85, which are not.
_LINE_BREAK = re.compile("\r\n|[\r\n\u2028\u2029\f]")


def sniff_kind(raw: RawInput) -> DocumentKind:
    """What ``raw`` holds, by its first bytes and then by its media type or file suffix.

    Raises BinaryInput, naming the format, for images, office documents and archives.
    """
    data = raw.data
    head = _sniff_head(data)
    if head.startswith(_PDF_MAGIC) or (
        _PDF_MAGIC in data[:_SNIFF_BYTES] and b"%%EOF" in data[-_PDF_TAIL_BYTES:]
    ):
        return DocumentKind.PDF
    _refuse_binary(raw)
    if (head.startswith(b"<") and _HTML_MARKERS.search(head)) or _STRONG_HTML_MARKERS.search(head):
        return DocumentKind.HTML
    media_type = (raw.media_type or "").split(";")[0].strip().lower()
    if media_type in _PDF_TYPES:
        return DocumentKind.PDF  # not a PDF by its bytes: the PDF reader reports it as broken
    if media_type in _HTML_TYPES:
        return DocumentKind.HTML
    return DocumentKind.TEXT


def extract(raw: RawInput) -> PageText:
    """The text of ``raw`` as PageText, by whichever extractor its kind needs."""
    kind = sniff_kind(raw)
    if kind is DocumentKind.PDF:
        # Imported here: the PDF stack (pdfminer) is heavy and only PDF inputs need it.
        from digest.ingest.pdf import extract_pdf  # noqa: PLC0415

        return extract_pdf(raw.data, raw.source)
    if kind is DocumentKind.HTML:
        return extract_html(raw.data, raw.source, charset_of(raw.media_type))
    text = decode_text(raw.data, raw.source, charset_of(raw.media_type))
    lines = _LINE_BREAK.split(text)
    if lines and lines[-1] == "":  # the final line break ends the last line, it does not start one
        lines.pop()
    return PageText(
        source=raw.source,
        kind=DocumentKind.TEXT,
        lines=tuple(lines),
        issue_date=date_from_locator(raw.source),
    )


def _sniff_head(data: bytes) -> bytes:
    """The first KB without byte-order mark and leading whitespace, as ASCII-compatible bytes."""
    head = data[: _SNIFF_BYTES * 4]
    for bom, encoding in ((codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be")):
        if head.startswith(bom) and not head.startswith(codecs.BOM_UTF32_LE):
            # UTF-16 markup has a NUL after every ASCII byte; decode it so the markers match.
            text = head[len(bom) : len(head) // 2 * 2].decode(encoding, errors="replace")
            head = text.encode("utf-8", errors="replace")
            break
    return head.removeprefix(codecs.BOM_UTF8).lstrip()[:_SNIFF_BYTES]


def _refuse_binary(raw: RawInput) -> None:
    # Magic numbers sit at offset 0 of the file itself, never after a BOM or whitespace.
    for magic, what, advice in _BINARY_SIGNATURES:
        if raw.data.startswith(magic):
            raise BinaryInput(f"{raw.source}: this is {what}, not a newspaper page; {advice}")
    if raw.data.startswith(_ZIP_MAGIC):
        if b"word/" in raw.data[:65536]:
            what = "a Word document (DOCX)"
            advice = "save it as text or PDF first"
        else:
            what = "a ZIP archive"
            advice = "unpack it first; digest reads text, PDF and HTML"
        raise BinaryInput(f"{raw.source}: this is {what}, not a newspaper page; {advice}")
