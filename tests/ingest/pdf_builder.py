"""Build real PDFs for the extraction tests with reportlab and its built-in CJK font STSong-Light.

The main builder lays out the sample page (digest/sample/000_0ebbebed01f08da6.txt) the way a county paper
does: body lines flowing through several columns on a baseline grid, the two page headlines in large
type above the articles they belong to, each over a photo with a small-type caption. Every line of
the sample is printed as one line, so what extraction returns can be compared line by line with the
text. Smaller helpers give a scanned-like page (an image, no text), a truncated file and free layouts
built from positioned strings.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from itertools import pairwise
from pathlib import Path
from typing import Any

from PIL import Image
from reportlab.lib.pdfencrypt import StandardEncryption
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen.canvas import Canvas

from digest.shipped import SAMPLE_PAGE

FONT = "STSong-Light"
SAMPLE_PATH = SAMPLE_PAGE

# The sample's trailing block, as the page prints it: two headlines and two photo captions (the first
# caption appears twice on one line in the text dump; the page prints it once, under its photo).
HEADLINES = {2: "交城县庞泉沟镇用暖心服务打造优质文旅生态圈", 4: "交城县2024年上半年经济工作会议召开"}
CAPTIONS = {2: "庞泉沟镇联合相关部门开展专项检查", 4: "会议为 2023年度目标责任考核先进单位进行颁奖"}

# How each paragraph of the sample begins. Hard-wrapped text does not say where paragraphs start when
# the previous one ends on a full line, so the builder is told; it indents these lines by two
# characters as the paper does.
PARAGRAPH_STARTS = (
    "本报讯 盛夏时节", "夏韩卿在讲话时说", "发放仪式上", "活动期间", "据了解，自",
    "本报讯 7月 25日", "刘旋指出", "刘旋强调，一要", "刘旋要求", "刘大鹏主持会议",
    "本报讯 进入旅游", "有诉必回", "花式宠粉", "心怀信念", "在庞泉沟镇，优质",
    "本报讯 为进一步", "培训会上", "会后，全体", "整场培训",
    "本报讯 7月 31日", "今年以来", "会上，刘旋", "刘旋强调，全县", "刘大鹏围绕", "会议通报了",
    "参加会议的还有",
)  # fmt: skip


@dataclass(frozen=True)
class SamplePage:
    """The sample page split into what it prints: body lines per article, headlines, captions."""

    articles: tuple[tuple[str, ...], ...]
    paragraph_starts: frozenset[str]  # the body lines that start a paragraph

    @property
    def body(self) -> tuple[str, ...]:
        return tuple(line for article in self.articles for line in article)


@cache
def sample_page() -> SamplePage:
    lines = [line.strip() for line in SAMPLE_PATH.read_text(encoding="utf-8").splitlines() if line.strip()]
    body, trailer = lines[:-4], lines[-4:]
    assert trailer[:2] == [HEADLINES[2], HEADLINES[4]], trailer
    assert trailer[2] == CAPTIONS[2] * 2 and trailer[3] == CAPTIONS[4], trailer
    articles: list[list[str]] = []
    for line in body:
        if line.startswith("本报讯") or not articles:
            articles.append([])
        articles[-1].append(line)
    starts = frozenset(line for line in body if line.startswith(PARAGRAPH_STARTS))
    assert len(starts) == len(PARAGRAPH_STARTS), "each paragraph start must match exactly one line"
    return SamplePage(tuple(tuple(a) for a in articles), starts)


@dataclass(frozen=True)
class Text:
    """One string drawn with its baseline starting at (x, y), PDF coordinates (origin bottom left)."""

    x: float
    y: float
    text: str
    size: float
    # Extra space after each character, as justified type has it.
    char_space: float = 0.0


@dataclass(frozen=True)
class Page:
    width: float
    height: float
    texts: Sequence[Text] = ()
    # Grey boxes standing in for photos: (x, y, width, height).
    photos: Sequence[tuple[float, float, float, float]] = ()
    # Real raster images drawn over the whole page, as a scanner produces them.
    scanned: bool = False


@dataclass
class _Flow:
    """Fills columns top to bottom, left to right, page after page."""

    left: float
    top: float
    bottom: float
    col_width: float
    gutter: float
    columns: int
    page_width: float
    page_height: float
    pages: list[Page] = field(default_factory=list)
    column: int = 0
    y: float = 0.0  # the top of the free space in the current column

    def __post_init__(self) -> None:
        self._new_page()

    def _new_page(self) -> None:
        self.pages.append(Page(self.page_width, self.page_height, [], []))
        self.column, self.y = 0, self.top

    def reserve(self, height: float) -> tuple[float, float]:
        """Return (x, top) of a free block ``height`` high, moving to the next column when needed."""
        if self.y - height < self.bottom and self.y < self.top:
            self.column += 1
            self.y = self.top
            if self.column == self.columns:
                self._new_page()
        x = self.left + self.column * (self.col_width + self.gutter)
        top, self.y = self.y, self.y - height
        return x, top

    def text(self, x: float, baseline: float, text: str, size: float, char_space: float = 0.0) -> None:
        texts = self.pages[-1].texts
        assert isinstance(texts, list)
        texts.append(Text(x, baseline, text, size, char_space))

    def photo(self, box: tuple[float, float, float, float]) -> None:
        photos = self.pages[-1].photos
        assert isinstance(photos, list)
        photos.append(box)


def width(text: str, size: float) -> float:
    _register_font()
    return float(pdfmetrics.stringWidth(text, FONT, size))


def wrap(text: str, size: float, max_width: float) -> list[str]:
    """Break ``text`` into lines no wider than ``max_width``, character by character as CJK allows."""
    lines = [""]
    for char in text:
        if lines[-1] and width(lines[-1] + char, size) > max_width:
            lines.append("")
        lines[-1] += char
    return lines


def build_page_pdf(
    out: io.BytesIO | Path | None = None, *, creation_date: str | None = None, **layout: Any
) -> bytes:
    """Lay out the sample page as a newspaper page (see ``layout_page``) and return the PDF's bytes."""
    return render_pdf(layout_page(**layout), out, creation_date=creation_date)


def layout_page(
    *,
    columns: int = 4,
    body_size: float = 9.0,
    headline_size: float = 18.0,
    caption_size: float = 7.0,
    page_height: float = 1250.0,
    gutter_em: float = 1.0,
    indent: bool = True,
    justify: bool = True,
) -> list[Page]:
    """Lay out the sample page as a newspaper page.

    Body lines sit on one baseline grid across all columns (rows line up, as in print) and columns
    are ``gutter_em`` characters apart. Paragraph starts are indented by two characters when
    ``indent``. With ``justify``, lines that nearly fill the column and do not end a paragraph are
    spaced out to its full width, so neighbouring columns' lines stand one gutter apart and the
    characters of a line stand slightly apart. With a small ``page_height`` the text continues on
    further pages.
    """
    page = sample_page()
    leading = body_size * 1.5
    gutter = body_size * gutter_em
    col_width = max(
        width(line, body_size) + 2 * body_size * (line in page.paragraph_starts) for line in page.body
    )
    # A paragraph ends before the next one starts; bylines stand on their own line.
    ends = {before for before, after in pairwise(page.body) if after in page.paragraph_starts}
    margin = 36.0
    page_width = 2 * margin + columns * col_width + (columns - 1) * gutter
    flow = _Flow(margin, page_height - margin, margin, col_width, gutter, columns, page_width, page_height)

    for index, article in enumerate(page.articles):
        if index in HEADLINES:
            heads = wrap(HEADLINES[index], headline_size, col_width)
            caps = wrap(CAPTIONS[index], caption_size, col_width)
            photo_height = 6 * leading
            block = len(heads) * headline_size * 1.3 + photo_height + len(caps) * caption_size * 1.4
            block = leading * -(-block // leading)  # snap to the baseline grid, so rows keep lining up
            # Keep the headline block with the first two lines of its article, as layout software does.
            x, top = flow.reserve(block + 2 * leading)
            flow.y = top - block
            y = top
            for head in heads:
                y -= headline_size * 1.3
                flow.text(x, y + headline_size * 0.25, head, headline_size)
            y -= photo_height
            flow.photo((x, y + 4, col_width, photo_height - 8))
            for cap in caps:
                y -= caption_size * 1.4
                flow.text(x, y + caption_size * 0.25, cap, caption_size)
        for line in article:
            x, top = flow.reserve(leading)
            shift = 2 * body_size if indent and line in page.paragraph_starts else 0.0
            natural = width(line, body_size)
            spread = col_width - shift - natural
            full = justify and line not in ends and line != page.body[-1] and spread < 0.2 * col_width
            char_space = spread / (len(line) - 1) if full else 0.0
            flow.text(x + shift, top - leading + body_size * 0.3, line, body_size, char_space)
    return flow.pages


def render_pdf(
    pages: Sequence[Page],
    out: io.BytesIO | Path | None = None,
    *,
    creation_date: str | None = None,
    user_password: str | None = None,
) -> bytes:
    """Draw ``pages`` and return the PDF's bytes; ``creation_date`` is written verbatim ("D:2024...")."""
    _register_font()
    buffer = io.BytesIO()
    encrypt = StandardEncryption(user_password, "owner", strength=128) if user_password is not None else None
    canvas = Canvas(buffer, invariant=True, encrypt=encrypt)
    if creation_date is not None:
        canvas.setDateFormatter(lambda *_: creation_date)
    for page in pages:
        canvas.setPageSize((page.width, page.height))
        if page.scanned:
            canvas.drawImage(_scan_image(), 0, 0, page.width, page.height)
        canvas.setFillGray(0.8)
        for x, y, w, h in page.photos:
            canvas.rect(x, y, w, h, stroke=0, fill=1)
        canvas.setFillGray(0)
        for text in page.texts:
            canvas.setFont(FONT, text.size)
            canvas.drawString(text.x, text.y, text.text, charSpace=text.char_space)
        canvas.showPage()
    canvas.save()
    data = buffer.getvalue()
    if isinstance(out, Path):
        out.write_bytes(data)
    elif out is not None:
        out.write(data)
    return data


def build_scanned_pdf(pages: int = 1) -> bytes:
    """A PDF as a scanner makes it: each page is one picture, there is no text layer."""
    return render_pdf([Page(595.0, 842.0, photos=[(50, 600, 200, 150)], scanned=True)] * pages)


def truncated(data: bytes) -> bytes:
    """The first half of a PDF, like an interrupted download."""
    return data[: len(data) // 2]


@cache
def _register_font() -> None:
    pdfmetrics.registerFont(UnicodeCIDFont(FONT))


@cache
def _scan_image() -> ImageReader:
    # A grey page with dark bars where a scanner would have seen lines of print.
    image = Image.new("L", (119, 168), 235)
    for row in range(10, 160, 6):
        image.paste(40, (10, row, 109, row + 2))
    return ImageReader(image)
