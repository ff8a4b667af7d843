"""The one interface every summarising engine implements."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from digest.models import Article, Summary


class Summariser(Protocol):
    """Batch in, batch out: engines batch internally, which is where their speed comes from.

    ``summarise`` returns one Summary per article, in the order given.
    """

    @property
    def name(self) -> str: ...

    def summarise(self, articles: Sequence[Article]) -> list[Summary]: ...
