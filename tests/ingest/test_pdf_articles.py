"""A PDF of the sample page gives the same articles as its text dump, and more reliably."""

from __future__ import annotations

import pytest

from digest.ingest.extract import extract
from digest.ingest.segment import segment
from digest.models import Article, RawInput
from digest.shipped import SAMPLE_PAGE
from tests.ingest.pdf_builder import build_page_pdf

SAMPLE = SAMPLE_PAGE


def _from_text() -> list[Article]:
    return segment(extract(RawInput("sample.txt", SAMPLE.read_bytes(), ".txt")))


@pytest.mark.parametrize(
    "layout",
    [
        {},  # four columns, justified, indented paragraphs
        {"columns": 3, "indent": False, "justify": False},  # no indents: paragraph breaks from widths
        {"page_height": 600.0},  # the page flows onto a second page
    ],
)
def test_pdf_gives_the_same_articles_as_the_text(layout: dict[str, object]) -> None:
    pdf = RawInput("sample.pdf", build_page_pdf(**layout), ".pdf")
    from_pdf = segment(extract(pdf))
    from_text = _from_text()
    assert len(from_pdf) == len(from_text) == 5
    for a, b in zip(from_pdf, from_text, strict=True):
        assert a.text.replace("\n", "") == b.text.replace("\n", "")
        assert (a.writers, a.photographers, a.dateline) == (b.writers, b.photographers, b.dateline)
        assert (a.page_headline, a.captions) == (b.page_headline, b.captions)


def test_pdf_indents_give_the_printed_paragraphs() -> None:
    (_, _, tourism, *_) = segment(extract(RawInput("sample.pdf", build_page_pdf(), ".pdf")))
    assert [p[:4] for p in tourism.paragraphs] == ["进入旅游", "有诉必回", "花式宠粉", "心怀信念", "在庞泉沟"]
