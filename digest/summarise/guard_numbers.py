"""The faithfulness guard's scanner: numbers, dates, percentages and codes in normalised text.

One regular expression finds every candidate; a scanner per alternative turns a match into facts,
keeping invalid dates (13月, 32日) as plain numbers. The rules each alternative follows are those in
digest.summarise.guard's docstring.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from decimal import Decimal

from digest.summarise.guard_facts import Fact, Found
from digest.summarise.guard_numerals import (
    canonical,
    chinese_decimal,
    chinese_digits,
    chinese_int,
    date_key,
    decimal_of,
    valid_day,
    valid_month,
)

_MULTIPLIERS = {"万亿": 10**12, "千万": 10**7, "百万": 10**6, "亿": 10**8, "万": 10**4, "千": 10**3}

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


def _number(start: int, text: str, value: Decimal, *, raw: Decimal | None = None) -> Found:
    also = (canonical(raw),) if raw is not None and raw != value else ()
    return Found(start, Fact("number", text, canonical(value)), also=also)


def _date(start: int, text: str, year: int | None, month: int | None, day: int | None) -> Found:
    return Found(start, Fact("date", text, date_key(year, month, day)))


def _percent(start: int, text: str, value: Decimal) -> Found:
    return Found(start, Fact("percent", text, canonical(value)))


def _numbers_of(m: re.Match[str], *groups: str) -> list[Found]:
    """The digits of a date-like match that is not a valid date, kept as plain numbers."""
    return [_number(m.start(g), m.group(g), decimal_of(m.group(g))) for g in groups if m.group(g)]


def _scan_iso(m: re.Match[str]) -> list[Found]:
    y, mo, d = int(m["iso_y"]), int(m["iso_m"]), int(m["iso_d"])
    if valid_month(mo) and valid_day(d):
        return [_date(m.start(), m.group(), y, mo, d)]
    return _numbers_of(m, "iso_y", "iso_m", "iso_d")


def _scan_dot(m: re.Match[str]) -> list[Found]:
    mo, d = int(m["dot_m"]), int(m["dot_d"])
    if valid_month(mo) and valid_day(d):
        return [_date(m.start(), m.group(), None, mo, d)]
    return _numbers_of(m, "dot_m", "dot_d")


def _scan_code(m: re.Match[str]) -> list[Found]:
    return [Found(m.start(), Fact("number", m.group(), m.group().upper()))]


def _scan_cn_date(m: re.Match[str], y_group: str | None, m_group: str, d_group: str) -> list[Found]:
    year = chinese_digits(m[y_group]) if y_group else None
    month = chinese_int(m[m_group]) if m[m_group] else None
    day = chinese_int(m[d_group]) if m[d_group] else None
    if month is not None and not valid_month(month):
        if year is None:  # 十三月 is no month; whatever it is, it is no fact we can read
            return []
        month = day = None
    if day is not None and not valid_day(day):
        day = None
    return [_date(m.start(), m.group(), year, month, day)]


def _scan_range(m: re.Match[str]) -> list[Found]:
    a, b, unit = m["rng_a"], m["rng_b"], m["rng_u"]
    sa, sb = m.start("rng_a"), m.start("rng_b")
    va, vb = decimal_of(a), decimal_of(b)
    whole = va == va.to_integral_value() and vb == vb.to_integral_value()
    if unit.startswith("年") and len(a) == 4 and len(b) == 4 and whole:
        return [_date(sa, a + "年", int(a), None, None), _date(sb, b + unit, int(b), None, None)]
    if unit.startswith("月") and whole and valid_month(int(va)) and valid_month(int(vb)):
        return [_date(sa, a + "月", None, int(va), None), _date(sb, b + unit, None, int(vb), None)]
    if unit == "日" and whole and valid_day(int(va)) and valid_day(int(vb)):
        return [_date(sa, a + "日", None, None, int(va)), _date(sb, b + unit, None, None, int(vb))]
    if unit == "%":
        return [_percent(sa, a + "%", va), _percent(sb, b + "%", vb)]
    if unit in _MULTIPLIERS:
        scale = _MULTIPLIERS[unit]
        return [_number(sa, a + unit, va * scale, raw=va), _number(sb, b + unit, vb * scale, raw=vb)]
    # 3-5年 is a span of years, 13-15月 no date: plain numbers.
    return [_number(sa, a, va), _number(sb, b + unit, vb)]


def _scan_arabic_date(m: re.Match[str]) -> list[Found]:
    year = int(m["ad_y"]) if m["ad_y"] else None
    month_s = m["ad_ym"] or m["ad_m"]
    day_s = m["ad_yd"] or m["ad_md"] or m["ad_d"]
    month = int(month_s) if month_s else None
    day = int(day_s) if day_s else None
    if (month is not None and not valid_month(month)) or (day is not None and not valid_day(day)):
        found = [_date(m.start(), f"{year}年", year, None, None)] if year else []
        return found + _numbers_of(m, "ad_ym", "ad_m", "ad_yd", "ad_md", "ad_d")
    return [_date(m.start(), m.group(), year, month, day)]


def _scan_percent(m: re.Match[str]) -> list[Found]:
    return [_percent(m.start(), m.group(), decimal_of(m["pct_n"]))]


def _scan_percent_words(m: re.Match[str]) -> list[Found]:
    value = decimal_of(m["pcn_n"]) if m["pcn_n"] else chinese_decimal(m["pcn_c"])
    return [_percent(m.start(), m.group(), value)] if value is not None else []


def _scan_tenths(m: re.Match[str]) -> list[Found]:
    return [_percent(m.start(), m.group(), decimal_of(m["ch_n"]) * 10)]


def _scan_tenths_words(m: re.Match[str]) -> list[Found]:
    return [_percent(m.start(), m.group(), Decimal(chinese_int(m["chc_n"]) or 0) * 10)]


def _scan_arabic(m: re.Match[str]) -> list[Found]:
    raw = decimal_of(m["num_n"])
    scale = _MULTIPLIERS.get(m["num_m"] or "", 1)
    return [_number(m.start(), m.group(), raw * scale, raw=raw)]


def _scan_chinese(m: re.Match[str]) -> list[Found]:
    run = m["cn_n"]
    if m["cn_da"] is not None and len(run) < 2:  # 十九大, 二十大 (party congresses) but not 四大班子
        return []
    value = chinese_int(run)
    if value is None:
        return []
    found = _number(m.start(), m.group(), Decimal(value) * _MULTIPLIERS.get(m["cn_m"] or "", 1))
    if run == "一" and not m["cn_m"]:
        return [Found(found.start, found.fact, checked=False)]
    return [found]


def _scan_chinese_large(m: re.Match[str]) -> list[Found]:
    value = chinese_int(m["cnb_n"])
    return [_number(m.start(), m.group(), Decimal(value))] if value is not None else []


_SCANNERS: dict[str, Callable[[re.Match[str]], list[Found]]] = {
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


def scan(normalised: str) -> Iterator[Found]:
    """Numbers, dates and percentages in text order; quotes are found separately."""
    for m in _FACT_PATTERN.finditer(normalised):
        # Each alternative is one outer named group, which closes last, so lastgroup names it.
        yield from _SCANNERS[m.lastgroup or ""](m)
