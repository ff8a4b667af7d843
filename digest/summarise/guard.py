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

This module compares: ArticleFacts reads what an article supports and checks outputs against it. The
reading is done by guard_normalise (the normalisation above), guard_numbers (numbers, dates,
percentages and codes), guard_quotes (quoted names and the form they are compared in) and
guard_numerals (Chinese numerals and the keys values are compared by); guard_facts holds the Fact they
all produce.
"""

from __future__ import annotations

from dataclasses import dataclass

from digest.summarise.guard_facts import Fact, FactKind, Found
from digest.summarise.guard_normalise import normalise
from digest.summarise.guard_numbers import scan
from digest.summarise.guard_numerals import DateParts, chinese_int, date_parts
from digest.summarise.guard_quotes import comparable, scan_quotes

__all__ = [
    "ArticleFacts",
    "Fact",
    "FactKind",
    "GuardVerdict",
    "check",
    "chinese_int",
    "extract_facts",
    "normalise",
]


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


# --- the output side -----------------------------------------------------------------------------------


def _output_facts(normalised: str) -> list[Found]:
    found = [f for f in scan(normalised) if f.checked]
    found.extend(scan_quotes(normalised))
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
    dates: tuple[DateParts, ...]
    text: str  # the article in comparable form, for quotes

    @classmethod
    def from_article(cls, text: str, *more: str) -> ArticleFacts:
        """Read an article's facts from its text and ``more`` of what it prints: headline, kicker,
        captions. A printed headline may state the year that the body leaves out."""
        normalised = normalise("\n".join((text, *more)))
        numbers: set[str] = set()
        percents: set[str] = set()
        years: set[int] = set()
        dates: list[DateParts] = []
        context: tuple[int | None, int] | None = None  # (year, month) of the last date with a month
        for found in scan(normalised):
            fact = found.fact
            if fact.kind == "number":
                numbers.add(fact.key)
                numbers.update(found.also)
                if fact.key.isdigit() and _YEAR_MIN <= int(fact.key) <= _YEAR_MAX:
                    years.add(int(fact.key))  # 2023-2025 without 年, 2024版: still the year
            elif fact.kind == "percent":
                percents.add(fact.key)
            else:
                year, month, day = date_parts(fact.key)
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
            frozenset(numbers), frozenset(percents), frozenset(years), tuple(dates), comparable(normalised)
        )

    def supports_fact(self, fact: Fact) -> bool:
        if fact.kind == "number":
            return fact.key in self.numbers
        if fact.kind == "percent":
            return fact.key in self.percents
        if fact.kind == "quoted":
            return fact.key in self.text
        return self._supports_date(*date_parts(fact.key))

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
