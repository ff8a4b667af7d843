"""Decode text bytes the way Chinese newspapers actually ship them: UTF-8, UTF-16 or GB18030.

The order matters. A byte-order mark is trusted first; UTF-16 without a BOM shows itself by NUL bytes
in every other position; UTF-8 is strict enough that a successful decode is almost never wrong; GB18030
(a superset of GBK and GB2312) comes last because it accepts many byte sequences that are not Chinese,
Big5 among them: a GB18030 reading whose characters are mostly uncommon ones, where a Big5 reading's
are common, is refused with advice to convert the file.
"""

from __future__ import annotations

import codecs
import logging
from itertools import islice

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
        except (LookupError, ValueError):  # ValueError: a name with a NUL in it
            usable = False
        if usable:
            candidates.insert(0, name)
        else:
            log.warning("%s: ignoring the declared charset %r: not a text encoding", source, declared)

    for encoding in dict.fromkeys(candidates):
        text = _lenient_tail(data, encoding)
        if text is not None:
            if encoding == "gb18030":
                _not_big5(data, text, source)
            return _checked(text, source)
    raise UndecodableText(
        f"{source}: the text is neither UTF-8, UTF-16 nor GB18030; convert it to UTF-8 first "
        "(for example: iconv -f BIG5 -t UTF-8 FILE > FILE.utf8.txt)"
    )


# Telling Big5 from GB18030. Nearly every Big5 byte pair is also a valid GB18030 pair, so decoding
# succeeds either way; what differs is which characters come out. Each table puts the characters a
# newspaper is written in at known byte values: GB2312's hanzi (lead bytes B0-F7) and punctuation
# (A1-A3) in GB, level-1 "常用字" hanzi (A4-C6) and punctuation (A1-A3) in Big5. Genuine text lands
# there almost entirely when read in its own encoding (the GB test pages: 99.6% or more; Taiwanese
# copy read as Big5: 99%) and mostly elsewhere in the other one (that copy read as GB18030: 20%, as
# kana, Cyrillic, box drawing, private-use and rare extension characters). GB18030 is refused when
# the Big5 reading has a share of common characters larger by _BIG5_MARGIN: a gap no genuine GB
# page comes near, with room left for pages heavy in rare names or symbols on either side.
_BIG5_MARGIN = 0.3
# Fewer non-ASCII characters than this are too little to judge by (a name, a heading): read as GB18030.
_BIG5_MIN_CHARS = 20
# Enough characters to judge by; the first ones of a long page tell as much as all of them.
_BIG5_SAMPLE = 4000


def _not_big5(data: bytes, gb_text: str, source: str) -> None:
    """Raise UndecodableText when ``data``, decoded as ``gb_text`` by GB18030, is really Big5."""
    gb_sample = _non_ascii(gb_text)
    if len(gb_sample) < _BIG5_MIN_CHARS:
        return
    gb_share = _common_share(gb_sample, "gb2312", _GB_COMMON)
    if gb_share > 1 - _BIG5_MARGIN:  # no Big5 reading can beat it by the margin: spare the decoding
        return
    big5_text = next((t for c in ("cp950", "big5hkscs") if (t := _lenient_tail(data, c)) is not None), None)
    if big5_text is None:
        return
    big5_share = _common_share(_non_ascii(big5_text), "big5", _BIG5_COMMON)
    if big5_share >= gb_share + _BIG5_MARGIN:
        raise UndecodableText(
            f"{source}: this looks like Big5 (traditional Chinese), not GB18030: read as GB18030 "
            f"{gb_share:.0%} of its characters are common ones, read as Big5 {big5_share:.0%}; "
            "convert it to UTF-8 first (for example: iconv -f BIG5 -t UTF-8 FILE > FILE.utf8.txt)"
        )


# The lead bytes of the common characters in each table (see _BIG5_MARGIN).
_GB_COMMON = (range(0xA1, 0xA4), range(0xB0, 0xF8))  # punctuation, GB2312 hanzi
_BIG5_COMMON = (range(0xA1, 0xA4), range(0xA4, 0xC7))  # punctuation, level-1 hanzi


def _non_ascii(text: str) -> str:
    """The first _BIG5_SAMPLE non-ASCII characters: markup and Latin text are the same in both tables."""
    return "".join(islice((ch for ch in text if ch > "\x7f"), _BIG5_SAMPLE))


def _common_share(chars: str, table: str, leads: tuple[range, ...]) -> float:
    """The share of ``chars`` that ``table`` encodes with a lead byte in ``leads``."""
    common = 0
    for ch in chars:
        try:
            lead = ch.encode(table)[0]
        except UnicodeEncodeError:
            continue
        common += any(lead in r for r in leads)
    return common / len(chars) if chars else 1.0


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
