"""Values for the faithfulness guard: Chinese numerals read as numbers, and the canonical keys
numbers and dates are compared by (one spelling per value, ``2024年7月25日`` for a date).
"""

from __future__ import annotations

import re
from decimal import Decimal
from functools import lru_cache

_CN_DIGITS = {ch: i for i, ch in enumerate("零一二三四五六七八九")} | {"〇": 0, "两": 2}
_CN_SMALL_UNITS = {"十": 10, "百": 100, "千": 1000}
_CN_BIG_UNITS = {"万": 10_000, "亿": 100_000_000}


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


def chinese_decimal(numeral: str) -> Decimal | None:
    """``十二点五`` → 12.5; used after 百分之, where 点 cannot be a measure word."""
    whole, _, fraction = numeral.partition("点")
    value = chinese_int(whole)
    if value is None:
        return None
    digits = "".join(str(_CN_DIGITS[ch]) for ch in fraction if ch in _CN_DIGITS and ch != "两")
    if len(digits) != len(fraction):
        return None
    return Decimal(f"{value}.{digits}") if digits else Decimal(value)


def chinese_digits(numeral: str) -> int:
    """``二〇二四`` → 2024: years are written digit by digit."""
    return int("".join(str(_CN_DIGITS[ch]) for ch in numeral))


def decimal_of(digits: str) -> Decimal:
    """``1,200.5`` → 1200.5: Arabic digits, thousands separators allowed."""
    return Decimal(digits.replace(",", ""))


def canonical(value: Decimal) -> str:
    """One spelling per value: 12.50 → 12.5, 1.2E+4 → 12000, 007 → 7."""
    return format(value.normalize(), "f")


def date_key(year: int | None, month: int | None, day: int | None) -> str:
    """The key a date is compared by, naming only the parts it has: ``2024年7月``, ``25日``."""
    return (f"{year}年" if year else "") + (f"{month}月" if month else "") + (f"{day}日" if day else "")


_DATE_KEY = re.compile(r"(?:([0-9]+)年)?(?:([0-9]+)月)?(?:([0-9]+)日)?")

DateParts = tuple[int | None, int | None, int | None]


@lru_cache(maxsize=4096)
def date_parts(key: str) -> DateParts:
    """(year, month, day) of a date_key, None for each part it does not name."""
    m = _DATE_KEY.fullmatch(key)
    if m is None:  # only keys made by date_key reach here
        return (None, None, None)
    y, mo, d = m.groups()
    return (int(y) if y else None, int(mo) if mo else None, int(d) if d else None)


def valid_month(value: int) -> bool:
    return 1 <= value <= 12


def valid_day(value: int) -> bool:
    return 1 <= value <= 31
