"""Decode text bytes the way Chinese newspapers actually ship them: UTF-8, UTF-16 or GB18030.

The order matters. A byte-order mark is trusted first; UTF-16 without a BOM shows itself by NUL bytes
in every other position; UTF-8 is strict enough that a successful decode is almost never wrong; GB18030
(a superset of GBK and GB2312) comes last because it accepts many byte sequences that are not Chinese.
"""

from __future__ import annotations

import codecs
import logging

from digest.errors import BinaryInput, UndecodableText

log = logging.getLogger(__name__)

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),  # before UTF-16 LE: it starts with the same two bytes
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
    (b"\x84\x31\x95\x33", "gb18030"),  # GB18030's own encoding of U+FEFF
)

# Declared charsets that are really subsets of GB18030; decoding them as declared loses characters
# that publishers use anyway (GBK extensions in a page labelled gb2312).
_GB_FAMILY = {"gb2312", "gbk", "gb18030", "x-gbk", "cp936", "euc-cn", "hz-gb-2312"}

# Control characters other than tab, newline, carriage return and form feed: a few may be noise,
# more than this share means the bytes are not text.
_MAX_CONTROL_SHARE = 0.01


def decode_text(data: bytes, source: str = "input", declared: str | None = None) -> str:
    """Return the text of ``data``; raise BinaryInput or UndecodableText with advice otherwise.

    ``declared`` is a charset stated by the container (HTTP header, HTML meta); it is tried first but
    not trusted blindly, since mislabelled pages are common.
    """
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return _checked(_strict(data[len(bom) :], encoding, source), source)

    utf16 = _utf16_without_bom(data)
    if utf16 is not None:
        return _checked(_strict(data, utf16, source), source)
    if b"\x00" in data:
        raise BinaryInput(
            f"{source}: this looks like a binary file (it contains NUL bytes), not text; "
            "give digest a text, PDF or HTML file"
        )

    candidates = ["utf-8", "gb18030"]
    if declared:
        name = declared.strip().lower()
        name = "gb18030" if name in _GB_FAMILY else name
        try:
            # Python also knows codecs that are no text encoding ("undefined", "punycode", "hex"):
            # a page or server declaring one is as good as declaring nothing.
            usable = name != "undefined" and codecs.lookup(name)._is_text_encoding
        except LookupError:
            usable = False
        if usable:
            candidates.insert(0, name)
        else:
            log.warning("%s: ignoring the declared charset %r: not a text encoding", source, declared)

    for encoding in dict.fromkeys(candidates):
        text = _lenient_tail(data, encoding)
        if text is not None:
            return _checked(text, source)
    raise UndecodableText(
        f"{source}: the text is neither UTF-8, UTF-16 nor GB18030; convert it to UTF-8 first "
        "(for example: iconv -f BIG5 -t UTF-8 FILE > FILE.utf8.txt)"
    )


def _strict(data: bytes, encoding: str, source: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise UndecodableText(
            f"{source}: the file says it is {encoding.upper()} but byte {exc.start} is not; "
            "re-save it as UTF-8 and try again"
        ) from None


def _lenient_tail(data: bytes, encoding: str) -> str | None:
    """Decode strictly, but forgive one incomplete character at the very end (a cut-off download)."""
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        if exc.start >= len(data) - 4 and exc.reason.startswith(("unexpected end", "incomplete")):
            log.warning(
                "input ends in the middle of a character; the last %d bytes were dropped",
                len(data) - exc.start,
            )
            return data[: exc.start].decode(encoding, errors="strict")
        return None
    except (UnicodeError, LookupError):  # a codec that fails on any input ("undefined"): not this one
        return None


def _utf16_without_bom(data: bytes) -> str | None:
    """Guess UTF-16 without a BOM: NUL bytes cluster in one byte position, and the decoded text is plain.

    Every ASCII character (newlines included) puts a NUL in the high byte; a few CJK characters
    (一 is U+4E00) put one in the low byte, so the busier side decides the byte order.
    """
    sample = data[:8192]
    if len(sample) < 4 or b"\x00" not in sample:
        return None
    even = sample[0::2].count(0)
    odd = sample[1::2].count(0)
    encoding = "utf-16-le" if odd >= even else "utf-16-be"
    try:
        text = sample[: len(sample) // 2 * 2].decode(encoding)
    except UnicodeDecodeError:
        return None
    plain = sum(1 for ch in text if _is_plain(ch))
    return encoding if plain >= 0.95 * len(text) else None


def _is_plain(ch: str) -> bool:
    """Characters Chinese newspaper text is made of; random bytes read as UTF-16 rarely are."""
    code = ord(ch)
    return (
        (0x20 <= code < 0x7F)
        or ch in "\t\n\r\f"
        or 0x4E00 <= code <= 0x9FFF  # CJK unified ideographs
        or 0x3000 <= code <= 0x303F  # CJK punctuation
        or 0xFF00 <= code <= 0xFFEF  # full-width forms
        or 0x2000 <= code <= 0x206F  # general punctuation (curly quotes, dashes)
        or 0x3400 <= code <= 0x4DBF  # extension A
        or code in (0xB7, 0xD7)  # middle dot in names, multiplication sign
    )


def _checked(text: str, source: str) -> str:
    if not text:
        return text
    controls = sum(1 for ch in text if ch < " " and ch not in "\t\n\r\f")
    if controls > max(2, _MAX_CONTROL_SHARE * len(text)):
        raise BinaryInput(
            f"{source}: this looks like a binary file ({controls} control characters), not text; "
            "give digest a text, PDF or HTML file"
        )
    return text
