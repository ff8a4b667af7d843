"""A broadsheet page as county papers print it, built as a real PDF: A3, five columns, a page header,
rows of articles each under a large headline spanning the columns it owns (a kicker above some), the
text flowing down those columns one after the other, photo boxes with small-type captions, and an
editors' footer. Names are invented.

``ARTICLES`` is what a careful reader finds; the builder prints exactly that, so a test can compare.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from tests.ingest.pdf_builder import Page, Text, render_pdf, width, wrap

PAGE_W, PAGE_H = 842.0, 1191.0  # A3 in points
MARGIN, GUTTER, COLUMNS = 40.0, 12.0, 5
BODY, HEAD, KICKER, SMALL = 9.0, 20.0, 13.0, 7.5
LEADING = BODY * 1.5
COL_W = (PAGE_W - 2 * MARGIN - (COLUMNS - 1) * GUTTER) / COLUMNS
HEADER = "第3版 要闻 2024年6月12日 星期三"
FOOTER = "责任编辑：韩立新 校对：苏雅琴"


@dataclass(frozen=True)
class Story:
    headline: str
    paragraphs: tuple[str, ...]  # the body as printed: the first holds the lead, the last the byline
    columns: tuple[int, int]  # first and last column it spans
    kicker: str | None = None
    caption: str | None = None  # a photo box under the headline, this caption under the photo
    opening: str | None = None  # a byline line above the text (■记者 …)


ROWS: tuple[tuple[Story, ...], ...] = (
    (
        Story(
            "白河县夏粮收购进度过半",
            (
                "本报讯（记者 罗志刚）连日来，白河县抢抓晴好天气，组织各收储企业敞开收购夏粮，"
                "截至6月10日，全县已收购小麦3.6万吨，收购进度过半。",
                "为方便农民售粮，县粮食部门在各乡镇设立收购点18个，实行预约收购、上门服务，"
                "并安排专人指导农户晾晒清选，确保颗粒归仓、优质优价。",
                "县发展改革局有关负责人表示，今年夏粮品质总体较好，收购价格保持稳定，"
                "将继续做好资金保障和质量检测工作，切实维护种粮农民利益。",
            ),
            (0, 2),
            kicker="抢抓晴好天气 确保颗粒归仓",
        ),
        Story(
            "青石镇开展防溺水安全宣传",
            (
                "6月8日，青石镇组织镇村干部、学校教师深入河道、水库周边，开展防溺水安全宣传活动，"
                "发放宣传资料2000余份，设置警示标牌36块。",
                "该镇还组建了12支巡查队，每日对重点水域开展巡查，劝离野泳人员，"
                "筑牢暑期防溺水安全防线。（通讯员 钟晓燕）",
            ),
            (3, 4),
        ),
    ),
    (
        Story(
            "县人民医院专家下乡义诊",
            (
                "6月9日，县人民医院组织心内科、眼科、骨科等科室的12名专家，走进柳林乡开展义诊活动，"
                "为群众免费测量血压、血糖，提供健康咨询。",
                "活动共服务群众400余人次，发放药品价值2万余元。（文/孟庆华 图/段云飞）",
            ),
            (0, 1),
            caption="专家为村民测量血压",
        ),
        Story(
            "小小蘑菇撑起增收大产业",
            (
                "走进白河县柳林乡的食用菌产业园，一排排大棚整齐排列，菌农们正忙着采摘、分拣、装箱。"
                "近年来，柳林乡把食用菌作为富民产业来抓，建成标准化大棚260座。",
                "“过去种玉米一亩地挣不了几百块，现在一个大棚一年能收入三万多元。”村民郑大勇笑着说。"
                "如今，全乡食用菌年产量达到1.2万吨，带动1500多户群众增收。",
                "下一步，柳林乡将延伸产业链条，发展菌类深加工，让小蘑菇真正成为群众致富的大产业。",
            ),
            (2, 4),
            opening="■本报记者 卢佳怡",
        ),
    ),
)


def articles() -> list[Story]:
    return [story for row in ROWS for story in row]


def build_broadsheet_pdf() -> bytes:
    """The page as a PDF (see the module's docstring)."""
    texts: list[Text] = []
    photos: list[tuple[float, float, float, float]] = []
    texts.append(Text(MARGIN, PAGE_H - MARGIN, HEADER, BODY))
    top = PAGE_H - MARGIN - 2.5 * BODY
    for row in ROWS:
        bottoms = [_story(story, top, texts, photos) for story in row]
        top = min(bottoms) - 2 * BODY
    texts.append(Text(MARGIN, MARGIN, FOOTER, SMALL))
    return render_pdf([Page(PAGE_W, PAGE_H, texts, photos)])


def _centred(text: str, size: float, left: float, right: float) -> float:
    """Heads are centred over the columns of their article, so they cross its gutters."""
    return left + (right - left - width(text, size)) / 2


def _x(column: int) -> float:
    return MARGIN + column * (COL_W + GUTTER)


def _story(
    story: Story, top: float, texts: list[Text], photos: list[tuple[float, float, float, float]]
) -> float:
    """Print one story from ``top`` down; return the lowest y it used."""
    first, last = story.columns
    left, right = _x(first), _x(last) + COL_W
    y = top
    if story.kicker:
        y -= KICKER
        texts.append(Text(_centred(story.kicker, KICKER, left, right), y, story.kicker, KICKER))
        y -= KICKER * 0.6
    y -= HEAD
    texts.append(Text(_centred(story.headline, HEAD, left, right), y, story.headline, HEAD))
    y -= HEAD * 0.6
    if story.caption:
        height = 90.0
        photos.append((left, y - height, right - left, height))
        y -= height + SMALL * 1.4
        texts.append(Text(left, y, story.caption, SMALL))
        y -= SMALL
    if story.opening:
        y -= LEADING
        texts.append(Text(left, y, story.opening, BODY))
    lines: list[tuple[str, bool]] = []
    for paragraph in story.paragraphs:
        # The first line of a paragraph is indented by two characters, the rest fill the column.
        first_line = wrap(paragraph, BODY, COL_W - 2 * BODY)[0]
        lines.append((first_line, True))
        lines.extend((line, False) for line in wrap(paragraph[len(first_line) :], BODY, COL_W) if line)
    per_column = math.ceil(len(lines) / (last - first + 1))
    for n, (line, indented) in enumerate(lines):
        column = first + n // per_column
        row = n % per_column
        baseline = y - (row + 1) * LEADING
        texts.append(Text(_x(column) + (2 * BODY if indented else 0.0), baseline, line, BODY))
    return y - per_column * LEADING
