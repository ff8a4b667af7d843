"""Properties of segmentation on any page: it never raises, and no printed text is lost.

Pages are the development pages and the sample, mutated by hypothesis (lines deleted, duplicated,
swapped, garbage inserted), and pages of random lines made of the characters that drive the cues.
"Not lost" means every piece of every input line is found in what segmentation returns: article
texts, heads, bylines, captions, leads, source notes, or the page's header, editors, columns and
unplaced lines. Role words and punctuation (记者, 文/, brackets) are the only things not kept.
"""

from __future__ import annotations

import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from digest.errors import NoArticles
from digest.ingest.clean import clean_line
from digest.ingest.cues import LEAD_AT_START, LEAD_INSIDE
from digest.ingest.segment import SegmentedPage, segment_page
from digest.models import DocumentKind, PageText
from tests.ingest.dev_pages import ALL_PAGES, page_text

_ROLE_WORDS = re.compile(
    r"^(?:本报见习记者|本报特约记者|本报实习记者|本报记者|本报通讯员|见习记者|特约记者|实习记者|记者|通讯员|实习生"
    r"|摄影报道|图文报道|摄影|报道|摄|文|图)+|(?:摄影报道|图文报道|摄影|报道|摄|文|图)+$"
)
_ROLES = (
    "本报见习记者",
    "本报特约记者",
    "本报记者",
    "记者",
    "本报通讯员",
    "见习记者",
    "特约记者",
    "通讯员",
    "实习生",
    "摄影报道",
)
# A role word may wrap across lines (本报讯（记者 韦静 通讯 / 员 苏晓峰）): its pieces are role words too.
_ROLE_PIECES = sorted(
    {role[:k] for role in _ROLES for k in range(1, len(role))}
    | {role[k:] for role in _ROLES for k in range(1, len(role))},
    key=len,
    reverse=True,
)
_WRAPPED_ROLE = re.compile("^(?:" + "|".join(_ROLE_PIECES) + ")$")
_NOT_WORD = re.compile(r"[\W_]+")

LINES = {path.name: page_text(path).lines for path in ALL_PAGES}
CUE_ALPHABET = (
    "本报讯记者通讯员摄图文（）()【】——■◎▲。，！？“”第版星期一责任编辑：校对张王李县镇召开会议 7月25日\u3000"
)


def pieces(line: str) -> list[str]:
    """The words of a line that must be found in the output."""
    out = []
    text = clean_line(line)
    # A lead is a field of its own, apart from the words after it, wherever it opens an article.
    glued = LEAD_INSIDE.sub("\n", text).split("\n")
    split = "\n".join(LEAD_AT_START.sub(lambda m: m.group("lead") + "\n", piece) for piece in glued)
    for part in _NOT_WORD.split(split):
        word = _ROLE_WORDS.sub("", part)
        if word and not _WRAPPED_ROLE.match(word):
            out.append(word)
    return out


def corpus(found: SegmentedPage) -> str:
    parts: list[str] = []
    for article in found.articles:
        parts += [article.text, article.page_headline or "", article.kicker or "", article.subhead or ""]
        parts += [*article.captions, *article.writers, *article.photographers]
        parts += [article.lead or "", article.origin or "", article.dateline or ""]
    page = found.page
    parts += [*page.header, *page.editors, *page.columns, *page.other, *page.unplaced]
    return _NOT_WORD.sub("", "".join(parts))


def assert_nothing_lost(lines: list[str]) -> None:
    try:
        found = segment_page(PageText("mutated", DocumentKind.TEXT, tuple(lines)))
    except NoArticles:
        return  # said as an error naming the page: nothing is silently lost
    text = corpus(found)
    missing = [(line, word) for line in lines for word in pieces(line) if word not in text]
    assert missing == []


_EDITS = st.lists(
    st.tuples(
        st.sampled_from(["delete", "duplicate", "swap", "garbage", "blank"]),
        st.integers(min_value=0, max_value=10_000),
        st.text(alphabet=CUE_ALPHABET, min_size=1, max_size=30),
    ),
    max_size=10,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(name=st.sampled_from(sorted(LINES)), edits=_EDITS)
def test_nothing_is_lost_from_mutated_pages(name: str, edits: list[tuple[str, int, str]]) -> None:
    lines = list(LINES[name])
    for op, position, garbage in edits:
        if not lines:
            break
        k = position % len(lines)
        if op == "delete":
            del lines[k]
        elif op == "duplicate":
            lines.insert(k, lines[k])
        elif op == "swap" and k + 1 < len(lines):
            lines[k], lines[k + 1] = lines[k + 1], lines[k]
        elif op == "garbage":
            lines.insert(k, garbage)
        elif op == "blank":
            lines.insert(k, "")
    assert_nothing_lost(lines)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(alphabet=CUE_ALPHABET, max_size=40), max_size=40))
def test_random_pages_never_raise_and_lose_nothing(lines: list[str]) -> None:
    assert_nothing_lost(lines)


def test_every_development_page_loses_nothing() -> None:
    for lines in LINES.values():
        assert_nothing_lost(list(lines))
