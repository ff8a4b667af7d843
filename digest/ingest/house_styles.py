"""A paper's house style in the config: ``[[papers]]`` tables that add leads, byline marks and page
furniture to the common conventions, so a paper's own ways can be taught without code.

    [[papers]]
    name = "交城报"
    leads = ["^交城融媒讯"]              # regular expressions matched at a line's start
    bylines = ["^◇本报记者"]
    furniture = ["交城报社出版", "新闻热线：\\\\d+"]   # a whole line matching one is the page's own
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from pydantic import BaseModel, ConfigDict, Field, field_validator

from digest.ingest.cues import COMMON, HouseStyle


class PaperSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1)
    leads: list[str] = Field(default_factory=list)
    bylines: list[str] = Field(default_factory=list)
    furniture: list[str] = Field(default_factory=list)

    @field_validator("leads", "bylines", "furniture")
    @classmethod
    def _compiles(cls, patterns: list[str]) -> list[str]:
        for pattern in patterns:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"{pattern!r} is not a regular expression ({exc})") from None
        return patterns

    def style(self) -> HouseStyle:
        return HouseStyle.of(self.leads, self.bylines, self.furniture)


def house_styles(papers: Iterable[PaperSettings]) -> dict[str, HouseStyle]:
    """Each configured paper's style by its name."""
    return {paper.name: paper.style() for paper in papers}


def style_for(styles: Mapping[str, HouseStyle], paper: str | None, learnt: Iterable[str] = ()) -> HouseStyle:
    """The paper's configured style (or the common one) with the furniture learnt from its issues."""
    base = styles.get(paper, COMMON) if paper else COMMON
    return base.merged(list(learnt))
