"""The issue date hidden in a URL or file name (`.../html/2024-07/26/content_1.htm`, `lldb20240726.pdf`).

E-paper systems put the issue date in the path of every page, and people name saved pages after the
issue, so the locator is often the only place the date is stated at all.
"""

from __future__ import annotations

import datetime as dt
import re

# Most specific first: a separated date cannot be mistaken for an ID, a bare run of eight digits can.
# Separators may differ within one date: Founder e-papers use `/2024-07/26/`.
_PATTERNS = (
    re.compile(r"(?<!\d)(\d{4})年(\d{1,2})月(\d{1,2})日"),
    re.compile(r"(?<!\d)(\d{4})[-_/.](\d{1,2})[-_/.](\d{1,2})(?!\d)"),
    re.compile(r"(?<!\d)(\d{4})(\d{2})(\d{2})(?!\d)"),
)

# Dates outside this range are IDs or version numbers that happen to look like dates.
_FIRST_YEAR = 1900
_LAST_YEAR = 2100


def date_from_locator(locator: str) -> dt.date | None:
    """Return the first plausible calendar date in ``locator``, or None when there is none."""
    for pattern in _PATTERNS:
        for match in pattern.finditer(locator):
            year, month, day = (int(part) for part in match.groups())
            if not _FIRST_YEAR <= year <= _LAST_YEAR:
                continue
            try:
                return dt.date(year, month, day)
            except ValueError:  # 2024-02-30, or digits that only look like a date
                continue
    return None
