"""The date an article reports on, as printed in its first sentence, resolved to a calendar date."""

from __future__ import annotations

import datetime as dt
import re

_DATE = re.compile(r"(?:(?P<year>\d{4})年)?(?P<month>\d{1,2})月(?P<day>\d{1,2})日")
_SENTENCE_END = re.compile(r"[。！？!?]")
# Newspapers date events a few days back, never far ahead: a dateline more than this after the
# issue date belongs to the previous year (an issue of 2 January reporting on 31 December).
_AHEAD_TOLERANCE = dt.timedelta(days=7)


def find_dateline(lead: str | None, body: str) -> tuple[str | None, int | None, int, int]:
    """The first date in the lead marker or the first sentence: (as printed, year, month, day)."""
    first_sentence = _SENTENCE_END.split(body, maxsplit=1)[0]
    for text in (lead or "", first_sentence):
        match = _DATE.search(text)
        if match:
            year = int(match.group("year")) if match.group("year") else None
            return match.group(0), year, int(match.group("month")), int(match.group("day"))
    return None, None, 0, 0


def resolve_date(year: int | None, month: int, day: int, issue_date: dt.date | None) -> dt.date | None:
    """A calendar date when the year is printed or the issue's date is known; None otherwise."""
    if year is None:
        if issue_date is None:
            return None
        year = issue_date.year
        try:
            candidate = dt.date(year, month, day)
        except ValueError:
            return None
        if candidate - issue_date > _AHEAD_TOLERANCE:
            year -= 1
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None
