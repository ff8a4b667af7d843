"""The faithfulness guard: a generated headline or summary may state no fact the article does not.

Generating models invent numbers, dates and names. The guard extracts the checkable facts of an output
— numbers, dates, percentages and quoted names — and asks whether the article supports each one. An
output with an unsupported fact is retried with stricter settings and finally replaced by an extractive
result, so a false alarm costs a retry or a plainer summary while a miss lets a hallucination through.
The rules therefore favour recall on Arabic digits (every digit run is a fact) and precision on
Chinese numerals (一 is an article as often as it is a count).

Rules, in short (the tests show each one):

- **Numbers** compare by value, units aside: ``13户`` supports ``13家``, ``1,200`` supports ``1200``,
  ``1.2万`` supports ``12000``, ``两个`` supports ``2个``. A number must occur *as a number*: ``202``
  or ``24`` are not supported by ``2024年``, and neither is ``25`` by the day in ``7月25日``.
- **Chinese numerals** count only where they are plainly quantities: a run that starts with a digit
  (一…九, 两, 十) and is followed by a measure word or unit (``三点要求``, ``二十届``,
  ``五个方面``, ``八乡镇``), or that contains 百/千/万/亿 (``三十万``). Without one, the run is read
  as part of a word: 一线, 统一, 一些, 万一, 第一书记, 三送三进, 两不愁, 十四五. A lone ``一`` with a
  measure word (``一场培训``) is the indefinite article far more often than a count, so outputs are
  not checked for it, though articles still supply it (``1名`` is supported by ``一名``). ``第`` alone
  does not make a number (第一时间, 第一方阵); ``第二批`` counts through its measure word. ``半`` and
  ``几`` are not numbers.
- **Dates** compare by parts. An output date is supported by an article date that has every part the
  output names: ``7月25日`` in the article supports ``7月25日``, ``25日`` and ``7月``; a year must
  appear as a year (or a bare four-digit number) in the article, and ``2024年7月25日`` needs ``7月25日``
  and the year ``2024`` somewhere. A day printed alone in the article (``7月25日至27日``, ``…。26日，``)
  also takes the month of the date before it. ``2024-07-25``, ``2024/7/25`` and ``7·25`` are dates;
  relative words (今天, 昨日, 上半年) are not facts.
- **Percentages** are compared as percentages only: ``12.5%`` is supported by ``12.5%``, ``百分之十二点五``
  or ``1.25成``, not by ``12.5`` or ``12.5个百分点``.
- **Quoted names** — text in “…”, ‘…’, 「…」, 『…』, 《…》, 〈…〉 or "…" — must occur verbatim in the
  article, with spaces and quote marks ignored and ASCII punctuation read as its full-width form.
- **Codes** mixing Latin letters and digits that start with a letter (G20, PM2.5, H7N9, COVID-19) must
  occur as the same code; a digit-first token (5G, 3D, 4A) is a number with a unit.

Both sides are normalised the same way: the cleaner's character table (full-width digits and letters to
ASCII, odd spaces), a full-width decimal point between digits, and whitespace removed except between two
ASCII letters or digits (so ``2024 年 7 月`` reads ``2024年7月`` while ``2024 25`` stays two numbers).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from itertools import pairwise
from typing import Literal

# The cleaner's table is the one place that knows which code points PDF text hides digits and spaces
# behind; the guard must read model output exactly as cleaning read the article.
from digest.ingest.clean import CHAR_TABLE

FactKind = Literal["number", "date", "percent", "quoted"]


@dataclass(frozen=True, slots=True)
class Fact:
    """One checkable statement: what kind it is, how it was written, and what it is compared by.

    ``key`` is the normalised form: a canonical decimal for numbers and percentages (``12000``,
    ``12.5``), an upper-case code (``G20``), a date as ``2024年7月25日`` with the parts it names, and
    for quotes the quoted text without spaces or quote marks.
    """

    kind: FactKind
    text: str
    key: str


@dataclass(frozen=True, slots=True)
class GuardVerdict:
    """Whether an output passed, and the facts that the article does not support."""

    ok: bool
    # In output order, each fact once; as written in the output (``2025年``, ``“张三”``).
    unsupported: tuple[str, ...]

    def label(self) -> str:
        """``ok`` or ``unsupported: 2025年, “张三”``: short enough for a JSON field or a log line."""
        if self.ok:
            return "ok"
        shown = [_clip(text) for text in self.unsupported[:_LABEL_FACTS]]
        more = len(self.unsupported) - len(shown)
        return "unsupported: " + ", ".join(shown) + (f" (+{more})" if more else "")


_LABEL_FACTS = 5
_LABEL_CHARS = 20


def _clip(text: str) -> str:
    return text if len(text) <= _LABEL_CHARS else text[: _LABEL_CHARS - 1] + "…"


# --- normalisation -------------------------------------------------------------------------------------

_TABLE = dict(CHAR_TABLE)
# Beyond what cleaning needs: punctuation that takes part in numbers, dates and quotes.
_TABLE.update({ord("＂"): '"', ord("－"): "-", ord("／"): "/", ord("﹪"): "%"})
_DECIMAL_POINT = re.compile(r"(?<=[0-9])．(?=[0-9])")
_ASCII_ALNUM = frozenset("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")


# str.translate looks every character up in the table; a character class finds the few that need it
# ten times faster, and from_article must stay cheap.
_TRANSLATED = re.compile("[" + "".join(re.escape(chr(code)) for code in sorted(_TABLE)) + "]")


def normalise(text: str) -> str:
    """Read text as the guard compares it: ASCII digits, no spaces around CJK text."""
    text = _TRANSLATED.sub(lambda m: _TABLE[ord(m.group())], text)
    if "．" in text:  # 3．5: a full-width point inside a number is a decimal point
        text = _DECIMAL_POINT.sub(".", text)
    # A space survives only between two ASCII letters or digits, where it separates two tokens
    # ("2024 25", "iPhone 15"); between CJK text and digits it is an artefact of layout or of a model.
    parts = text.split()
    if len(parts) <= 1:
        return parts[0] if parts else ""
    joined = [parts[0]]
    for before, part in pairwise(parts):
        if before[-1] in _ASCII_ALNUM and part[0] in _ASCII_ALNUM:
            joined.append(" ")
        joined.append(part)
    return "".join(joined)


# Quote marks go (a name quoted “…” in the article may be 《…》 in the output, and quotes nest);
# ASCII punctuation reads as the full-width form Chinese text uses.
_COMPARED_AS = (
    *((mark, "") for mark in '“”‘’「」『』《》〈〉"'),
    *zip(",;:!?()", "，；：！？（）", strict=True),
)


def _comparable(text: str) -> str:
    """The form quotes are compared in: no whitespace, no quote marks, full-width punctuation."""
    text = "".join(text.split())
    # A few str.replace calls are several times faster than a regex or str.translate on CJK text.
    for old, new in _COMPARED_AS:
        if old in text:
            text = text.replace(old, new)
    return text


# --- numerals ------------------------------------------------------------------------------------------

_CN_DIGITS = {ch: i for i, ch in enumerate("零一二三四五六七八九")} | {"〇": 0, "两": 2}
_CN_SMALL_UNITS = {"十": 10, "百": 100, "千": 1000}
_CN_BIG_UNITS = {"万": 10_000, "亿": 100_000_000}
_MULTIPLIERS = {"万亿": 10**12, "千万": 10**7, "百万": 10**6, "亿": 10**8, "万": 10**4, "千": 10**3}


def chinese_int(numeral: str) -> int | None:
    """The value of a Chinese numeral (``二十``, ``三百五``, ``一万二千``), or None if it is not one.

    None for digit strings without units (``八一``, ``十四五``, ``二〇二四``): they are names or years,
    not quantities.
    """
    total = section = 0
    digit: int | None = None
    last_unit = 0
    small_cap = 10_000  # 千 > 百 > 十 within one section
    after_zero = False
    for i, ch in enumerate(numeral):
        if ch in _CN_DIGITS:
            if digit:  # two digits in a row ("二三") is a list or a name
                return None
            digit = _CN_DIGITS[ch]
            after_zero = after_zero or digit == 0
        elif ch in _CN_SMALL_UNITS:
            unit = _CN_SMALL_UNITS[ch]
            if unit >= small_cap or digit == 0:
                return None
            if digit is None:
                if i:  # only a leading unit stands for one of it: 十五, 百分之百
                    return None
                digit = 1
            section += digit * unit
            digit, last_unit, small_cap, after_zero = None, unit, unit, False
        elif ch in _CN_BIG_UNITS:
            section += digit or 0
            if not section and not total:
                return None
            big = _CN_BIG_UNITS[ch]
            # 亿 multiplies everything before it (一万亿); 万 only the section since the last 亿.
            total = (total + section) * big if big > 10_000 else total + section * big
            section, digit, last_unit, small_cap, after_zero = 0, None, big, 10_000, False
        else:
            return None
    if digit is not None:
        # "三百五" is 350 and "一万二" 12000: a trailing digit counts in the next smaller unit,
        # unless 零 shows that the units in between are empty (一百零五).
        section += digit if after_zero or last_unit < 100 else digit * last_unit // 10
    return total + section


def _chinese_decimal(numeral: str) -> Decimal | None:
    """``十二点五`` → 12.5; used after 百分之, where 点 cannot be a measure word."""
    whole, _, fraction = numeral.partition("点")
    value = chinese_int(whole)
    if value is None:
        return None
    digits = "".join(str(_CN_DIGITS[ch]) for ch in fraction if ch in _CN_DIGITS and ch != "两")
    if len(digits) != len(fraction):
        return None
    return Decimal(f"{value}.{digits}") if digits else Decimal(value)


def _chinese_digits(numeral: str) -> int:
    """``二〇二四`` → 2024: years are written digit by digit."""
    return int("".join(str(_CN_DIGITS[ch]) for ch in numeral))


def _decimal(digits: str) -> Decimal:
    return Decimal(digits.replace(",", ""))


def _canon(value: Decimal) -> str:
    """One spelling per value: 12.50 → 12.5, 1.2E+4 → 12000, 007 → 7."""
    return format(value.normalize(), "f")


def _date_key(year: int | None, month: int | None, day: int | None) -> str:
    return (f"{year}年" if year else "") + (f"{month}月" if month else "") + (f"{day}日" if day else "")


_DATE_KEY = re.compile(r"(?:([0-9]+)年)?(?:([0-9]+)月)?(?:([0-9]+)日)?")

_DateParts = tuple[int | None, int | None, int | None]


@lru_cache(maxsize=4096)
def _date_parts(key: str) -> _DateParts:
    m = _DATE_KEY.fullmatch(key)
    if m is None:  # only keys made by _date_key reach here
        return (None, None, None)
    y, mo, d = m.groups()
    return (int(y) if y else None, int(mo) if mo else None, int(d) if d else None)


def _valid_month(value: int) -> bool:
    return 1 <= value <= 12


def _valid_day(value: int) -> bool:
    return 1 <= value <= 31


# --- the scanner ---------------------------------------------------------------------------------------

_NUM = r"(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.[0-9]+)?"
_CN_NUMERAL_CHARS = "零〇一二三四五六七八九十百千万亿两"
_NOT_IN_CN_RUN = f"(?<![{_CN_NUMERAL_CHARS}])"
_CN_SMALL = "[一二三四五六七八九十]{1,3}"
_MULT = r"(?:万亿|千万|百万|亿|万|千(?![米克瓦]))"  # 千米, 千克 and 千瓦 are units, not thousands
_RANGE = r"(?:——|[-—–~～至到])"
# Measure words and units that make a Chinese numeral a quantity. Left out on purpose, because they
# mostly follow a numeral inside a word: 线 (一线), 方 (多方), 面 (四面八方), 会 (两会), 岸 (两岸),
# 委 (两委), 时 (一时), 分 (十分), 大 (四大班子; but see 十九大 below), 中 (but see 中全会).
_MEASURE = (
    "小时|分钟|公里|千米|平方公里|平方米|立方米|公斤|千克|公顷|方面|中全会|周年|"
    "[个项件户人名位次点条年岁天届元所家种批场份类起台辆架艘座栋幢间套支只头匹株棵亩吨斤克升度周期轮级层"
    "篇部本册张页章节款道组队段处片块根句字门倍票封枚颗粒包箱瓶杯乡镇村县市省区国地代季秒]"
)
# 成 after a numeral is a tenth (三成 = 30%) unless it starts a word: 一成不变, 成员, 成为, 成功…
_NOT_CHENG = "(?![员为功立果就本效绩长交熟品语不])"

_FACT_PATTERN = re.compile(
    # Most characters of an article start no fact; without this lookahead re tries all fourteen
    # alternatives at each of them, and reading an article takes twenty times as long.
    f"(?=[0-9A-Za-z{_CN_NUMERAL_CHARS}])(?:"
    + "|".join(
        [
            # 2024-07-25, 2024/7/25, 2024.7.25
            r"(?P<iso>(?<![0-9A-Za-z.])(?P<iso_y>[0-9]{4})(?P<iso_sep>[-/.])(?P<iso_m>[0-9]{1,2})"
            r"(?P=iso_sep)(?P<iso_d>[0-9]{1,2})(?![0-9]))",
            # 7·25, as events are named
            r"(?P<dot>(?<![0-9])(?P<dot_m>[0-9]{1,2})[·•](?P<dot_d>[0-9]{1,2})(?![0-9]))",
            # G20, PM2.5, H7N9, COVID-19
            r"(?P<code>(?<![A-Za-z0-9-])[A-Za-z][A-Za-z-]*+[0-9][A-Za-z0-9]*(?:[.-][A-Za-z0-9]+)*)",
            # 二〇二四年七月二十五日
            rf"(?P<cy>{_NOT_IN_CN_RUN}(?P<cy_y>[〇零一二三四五六七八九]{{4}})年度?"
            rf"(?:(?P<cy_m>{_CN_SMALL})月份?(?:(?P<cy_d>{_CN_SMALL})[日号])?)?)",
            # 七月二十五日; a Chinese 二十五日 alone may be a count of days, so a day needs its month.
            rf"(?P<cm>{_NOT_IN_CN_RUN}(?P<cm_m>{_CN_SMALL})月份?(?:(?P<cm_d>{_CN_SMALL})[日号])?)",
            # 2023—2025年, 7-8月, 25至27日, 10%-20%, 3-5万
            rf"(?P<rng>(?<![0-9])(?P<rng_a>{_NUM})%?{_RANGE}(?P<rng_b>{_NUM})"
            r"(?P<rng_u>年度?|月份?|日|%|万亿|亿|万))",
            # 2024年7月25日, 2024年, 7月25日, 7月, 25日; 号 is a day only after a month (3号线, 1号文件)
            r"(?P<ad>(?<![0-9])(?:(?P<ad_y>[0-9]{4})年度?(?:(?P<ad_ym>[0-9]{1,2})月份?(?:(?P<ad_yd>[0-9]{1,2})[日号])?)?"
            r"|(?P<ad_m>[0-9]{1,2})月份?(?:(?P<ad_md>[0-9]{1,2})[日号])?|(?P<ad_d>[0-9]{1,2})日))",
            # 12.5%, 百分之十二点五, 百分之12
            rf"(?P<pct>(?<![0-9])(?P<pct_n>{_NUM})%)",
            rf"(?P<pcn>百分之(?:(?P<pcn_n>{_NUM})|(?P<pcn_c>[{_CN_NUMERAL_CHARS}]+(?:点[零〇一二三四五六七八九]+)?)))",
            # 3成, 三成
            rf"(?P<ch>(?<![0-9])(?P<ch_n>{_NUM})成{_NOT_CHENG})",
            rf"(?P<chc>{_NOT_IN_CN_RUN}(?P<chc_n>[二三四五六七八九十两])成{_NOT_CHENG})",
            # 13户, 1.2万元, 40余件, 1,200
            rf"(?P<num>(?<![0-9])(?P<num_n>{_NUM})(?P<num_x>[余多]?)(?P<num_m>{_MULT})?"
            rf"(?P<num_u>{_MEASURE}|[A-Za-z]+|[‰℃°])?)",
            # 三点要求, 二十届, 三十万; see the module docstring for when a run counts. Runs are
            # possessive: "三十" is one numeral, never "三" before "十…".
            # 十余万 is ten-odd ten-thousands.
            rf"(?P<cn>{_NOT_IN_CN_RUN}(?P<cn_n>[一二三四五六七八九十两][{_CN_NUMERAL_CHARS}]*+)"
            rf"(?:[余多](?P<cn_m>{_MULT})(?:{_MEASURE})?|[余多]?(?:(?P<cn_u>{_MEASURE})|(?P<cn_da>大))))",
            rf"(?P<cnb>{_NOT_IN_CN_RUN}(?P<cnb_n>[一二三四五六七八九十两][{_CN_NUMERAL_CHARS}]*?"
            rf"[百千万亿][{_CN_NUMERAL_CHARS}]*+))",
        ]
    )
    + ")"
)

_QUOTE_PATTERN = re.compile(
    # An unclosed quote runs to the end: a cut-off output still has to quote the article.
    r"“(?P<a>[^“”]*)(?:”|$)|‘(?P<b>[^‘’]*)(?:’|$)|「(?P<c>[^「」]*)(?:」|$)|『(?P<d>[^『』]*)(?:』|$)"
    r"|《(?P<e>[^《》]*)(?:》|$)|〈(?P<f>[^〈〉]*)(?:〉|$)|\"(?P<g>[^\"]*)(?:\"|$)"
)


@dataclass(frozen=True, slots=True)
class _Found:
    start: int
    fact: Fact
    # False for what only an article supplies (一 + measure word): an output is not checked for it.
    checked: bool = True
    # Article side: other values the same words support (1.2 besides 12000 for 1.2万).
    also: tuple[str, ...] = ()


def _number(start: int, text: str, value: Decimal, *, raw: Decimal | None = None) -> _Found:
    also = (_canon(raw),) if raw is not None and raw != value else ()
    return _Found(start, Fact("number", text, _canon(value)), also=also)


def _date(start: int, text: str, year: int | None, month: int | None, day: int | None) -> _Found:
    return _Found(start, Fact("date", text, _date_key(year, month, day)))


def _percent(start: int, text: str, value: Decimal) -> _Found:
    return _Found(start, Fact("percent", text, _canon(value)))


def _numbers_of(m: re.Match[str], *groups: str) -> list[_Found]:
    """The digits of a date-like match that is not a valid date, kept as plain numbers."""
    return [_number(m.start(g), m.group(g), _decimal(m.group(g))) for g in groups if m.group(g)]


def _scan_iso(m: re.Match[str]) -> list[_Found]:
    y, mo, d = int(m["iso_y"]), int(m["iso_m"]), int(m["iso_d"])
    if _valid_month(mo) and _valid_day(d):
        return [_date(m.start(), m.group(), y, mo, d)]
    return _numbers_of(m, "iso_y", "iso_m", "iso_d")


def _scan_dot(m: re.Match[str]) -> list[_Found]:
    mo, d = int(m["dot_m"]), int(m["dot_d"])
    if _valid_month(mo) and _valid_day(d):
        return [_date(m.start(), m.group(), None, mo, d)]
    return _numbers_of(m, "dot_m", "dot_d")


def _scan_code(m: re.Match[str]) -> list[_Found]:
    return [_Found(m.start(), Fact("number", m.group(), m.group().upper()))]


def _scan_cn_date(m: re.Match[str], y_group: str | None, m_group: str, d_group: str) -> list[_Found]:
    year = _chinese_digits(m[y_group]) if y_group else None
    month = chinese_int(m[m_group]) if m[m_group] else None
    day = chinese_int(m[d_group]) if m[d_group] else None
    if month is not None and not _valid_month(month):
        if year is None:  # 十三月 is no month; whatever it is, it is no fact we can read
            return []
        month = day = None
    if day is not None and not _valid_day(day):
        day = None
    return [_date(m.start(), m.group(), year, month, day)]


def _scan_range(m: re.Match[str]) -> list[_Found]:
    a, b, unit = m["rng_a"], m["rng_b"], m["rng_u"]
    sa, sb = m.start("rng_a"), m.start("rng_b")
    va, vb = _decimal(a), _decimal(b)
    whole = va == va.to_integral_value() and vb == vb.to_integral_value()
    if unit.startswith("年") and len(a) == 4 and len(b) == 4 and whole:
        return [_date(sa, a + "年", int(a), None, None), _date(sb, b + unit, int(b), None, None)]
    if unit.startswith("月") and whole and _valid_month(int(va)) and _valid_month(int(vb)):
        return [_date(sa, a + "月", None, int(va), None), _date(sb, b + unit, None, int(vb), None)]
    if unit == "日" and whole and _valid_day(int(va)) and _valid_day(int(vb)):
        return [_date(sa, a + "日", None, None, int(va)), _date(sb, b + unit, None, None, int(vb))]
    if unit == "%":
        return [_percent(sa, a + "%", va), _percent(sb, b + "%", vb)]
    if unit in _MULTIPLIERS:
        scale = _MULTIPLIERS[unit]
        return [_number(sa, a + unit, va * scale, raw=va), _number(sb, b + unit, vb * scale, raw=vb)]
    # 3-5年 is a span of years, 13-15月 no date: plain numbers.
    return [_number(sa, a, va), _number(sb, b + unit, vb)]


def _scan_arabic_date(m: re.Match[str]) -> list[_Found]:
    year = int(m["ad_y"]) if m["ad_y"] else None
    month_s = m["ad_ym"] or m["ad_m"]
    day_s = m["ad_yd"] or m["ad_md"] or m["ad_d"]
    month = int(month_s) if month_s else None
    day = int(day_s) if day_s else None
    if (month is not None and not _valid_month(month)) or (day is not None and not _valid_day(day)):
        found = [_date(m.start(), f"{year}年", year, None, None)] if year else []
        return found + _numbers_of(m, "ad_ym", "ad_m", "ad_yd", "ad_md", "ad_d")
    return [_date(m.start(), m.group(), year, month, day)]


def _scan_percent(m: re.Match[str]) -> list[_Found]:
    return [_percent(m.start(), m.group(), _decimal(m["pct_n"]))]


def _scan_percent_words(m: re.Match[str]) -> list[_Found]:
    value = _decimal(m["pcn_n"]) if m["pcn_n"] else _chinese_decimal(m["pcn_c"])
    return [_percent(m.start(), m.group(), value)] if value is not None else []


def _scan_tenths(m: re.Match[str]) -> list[_Found]:
    return [_percent(m.start(), m.group(), _decimal(m["ch_n"]) * 10)]


def _scan_tenths_words(m: re.Match[str]) -> list[_Found]:
    return [_percent(m.start(), m.group(), Decimal(chinese_int(m["chc_n"]) or 0) * 10)]


def _scan_arabic(m: re.Match[str]) -> list[_Found]:
    raw = _decimal(m["num_n"])
    scale = _MULTIPLIERS.get(m["num_m"] or "", 1)
    return [_number(m.start(), m.group(), raw * scale, raw=raw)]


def _scan_chinese(m: re.Match[str]) -> list[_Found]:
    run = m["cn_n"]
    if m["cn_da"] is not None and len(run) < 2:  # 十九大, 二十大 (party congresses) but not 四大班子
        return []
    value = chinese_int(run)
    if value is None:
        return []
    found = _number(m.start(), m.group(), Decimal(value) * _MULTIPLIERS.get(m["cn_m"] or "", 1))
    if run == "一" and not m["cn_m"]:
        return [_Found(found.start, found.fact, checked=False)]
    return [found]


def _scan_chinese_large(m: re.Match[str]) -> list[_Found]:
    value = chinese_int(m["cnb_n"])
    return [_number(m.start(), m.group(), Decimal(value))] if value is not None else []


_SCANNERS: dict[str, Callable[[re.Match[str]], list[_Found]]] = {
    "iso": _scan_iso,
    "dot": _scan_dot,
    "code": _scan_code,
    "cy": lambda m: _scan_cn_date(m, "cy_y", "cy_m", "cy_d"),
    "cm": lambda m: _scan_cn_date(m, None, "cm_m", "cm_d"),
    "rng": _scan_range,
    "ad": _scan_arabic_date,
    "pct": _scan_percent,
    "pcn": _scan_percent_words,
    "ch": _scan_tenths,
    "chc": _scan_tenths_words,
    "num": _scan_arabic,
    "cn": _scan_chinese,
    "cnb": _scan_chinese_large,
}


def _scan(normalised: str) -> Iterator[_Found]:
    """Numbers, dates and percentages in text order; quotes are found separately."""
    for m in _FACT_PATTERN.finditer(normalised):
        # Each alternative is one outer named group, which closes last, so lastgroup names it.
        yield from _SCANNERS[m.lastgroup or ""](m)


def _scan_quotes(normalised: str) -> Iterator[_Found]:
    for m in _QUOTE_PATTERN.finditer(normalised):
        content = next(g for g in m.groups() if g is not None)
        if len(m.group()) == len(content) + 1:  # unclosed: a cut-off output may end in an ellipsis
            content = content.rstrip("….")
        key = _comparable(content)
        if key:
            yield _Found(m.start(), Fact("quoted", m.group(), key))


def _output_facts(normalised: str) -> list[_Found]:
    found = [f for f in _scan(normalised) if f.checked]
    found.extend(_scan_quotes(normalised))
    found.sort(key=lambda f: f.start)
    return found


def extract_facts(text: str) -> list[Fact]:
    """The facts an output is checked for, in text order (quotes and the numbers inside them both)."""
    return [f.fact for f in _output_facts(normalise(text))]


# --- the article side ----------------------------------------------------------------------------------

# A bare number in this range may be a year (2023-2025, 2024版); 1500人 is not 1500年.
_YEAR_MIN, _YEAR_MAX = 1900, 2099


@dataclass(frozen=True, slots=True)
class ArticleFacts:
    """What an article can support, computed once and checked against any number of candidates."""

    numbers: frozenset[str]
    percents: frozenset[str]
    years: frozenset[int]
    dates: tuple[_DateParts, ...]
    text: str  # the article in comparable form, for quotes

    @classmethod
    def from_article(cls, text: str, *more: str) -> ArticleFacts:
        """Read an article's facts from its text and ``more`` of what it prints: headline, kicker,
        captions. A printed headline may state the year that the body leaves out."""
        normalised = normalise("\n".join((text, *more)))
        numbers: set[str] = set()
        percents: set[str] = set()
        years: set[int] = set()
        dates: list[_DateParts] = []
        context: tuple[int | None, int] | None = None  # (year, month) of the last date with a month
        for found in _scan(normalised):
            fact = found.fact
            if fact.kind == "number":
                numbers.add(fact.key)
                numbers.update(found.also)
                if fact.key.isdigit() and _YEAR_MIN <= int(fact.key) <= _YEAR_MAX:
                    years.add(int(fact.key))  # 2023-2025 without 年, 2024版: still the year
            elif fact.kind == "percent":
                percents.add(fact.key)
            else:
                year, month, day = _date_parts(fact.key)
                dates.append((year, month, day))
                if year is not None:
                    years.add(year)
                    numbers.add(str(year))
                if month is not None:
                    context = (year, month)
                elif day is not None and context is not None:
                    # 7月25日至27日, 7月25日……26日: the day belongs to the month before it.
                    dates.append((context[0], context[1], day))
        return cls(
            frozenset(numbers), frozenset(percents), frozenset(years), tuple(dates), _comparable(normalised)
        )

    def supports_fact(self, fact: Fact) -> bool:
        if fact.kind == "number":
            return fact.key in self.numbers
        if fact.kind == "percent":
            return fact.key in self.percents
        if fact.kind == "quoted":
            return fact.key in self.text
        return self._supports_date(*_date_parts(fact.key))

    def _supports_date(self, year: int | None, month: int | None, day: int | None) -> bool:
        if month is None and day is None:
            return year in self.years
        for a_year, a_month, a_day in self.dates:
            if month is not None and a_month != month:
                continue
            if day is not None and a_day != day:
                continue
            # A date printed without its year takes any year the article states.
            if year is not None and a_year != year and not (a_year is None and year in self.years):
                continue
            return True
        return False

    def supports(self, output: str) -> GuardVerdict:
        """Check one generated headline or summary against this article."""
        unsupported: list[str] = []
        seen: set[tuple[str, str]] = set()
        for found in _output_facts(normalise(output)):
            fact = found.fact
            if (fact.kind, fact.key) in seen:
                continue
            seen.add((fact.kind, fact.key))
            if not self.supports_fact(fact):
                unsupported.append(fact.text)
        return GuardVerdict(not unsupported, tuple(unsupported))


def check(output: str, article: str) -> GuardVerdict:
    """Check one output against one article; to check several candidates, use ArticleFacts."""
    return ArticleFacts.from_article(article).supports(output)
