"""What the faithfulness guard checks: a Fact (its kind, its text, the key it is compared by).

The scanners in guard_numbers and guard_quotes yield each fact as a Found, with where it starts;
digest.summarise.guard compares the facts of an output with those of its article.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

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
class Found:
    """A fact where a scanner found it, and how the guard uses it."""

    start: int
    fact: Fact
    # False for what only an article supplies (一 + measure word): an output is not checked for it.
    checked: bool = True
    # Article side: other values the same words support (1.2 besides 12000 for 1.2万).
    also: tuple[str, ...] = ()
