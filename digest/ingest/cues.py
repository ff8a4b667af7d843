"""What one line says about itself: the printed conventions of Chinese county papers, as patterns.

Each function looks at one cleaned line only. Whether a cue is believed depends on the lines around
it, and that is decided in ``labels``. A paper's own conventions (its lead, its byline marks, its page
furniture) come in through ``HouseStyle`` so they can be added in config without code.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from digest.ingest.byline import Byline, looks_like_person, parse_byline

_CJK = "\u4e00-\u9fff"
_WIRE = "本报|新华社|中新社|中新网|人民网|新华网|央视网|央广网|经济日报|工人日报|光明日报"
_DATE = r"(?:\d{4}年)?\d{1,2}月\d{1,2}日"
# 本报讯, 清河日报讯, 本报6月8日讯, 本报北京7月25日电, 新华社北京7月25日电, 本报综合消息. The place between
# the agency and its date is a few characters, never 记者 (本报记者 opens a byline, not a lead).
LEAD_PATTERN = (
    rf"(?P<lead>(?:[{_CJK}]{{0,8}}报讯"
    rf"|(?:{_WIRE})(?!记者|通讯员)[{_CJK}]{{0,8}}?(?:{_DATE})?(?:电|讯|消息)))"
    r" *(?:[（(](?P<reporters>[^（）()]{2,40})[）)])? *[：:，]? *"
)
LEAD_AT_START = re.compile("^" + LEAD_PATTERN)
# A lead whose reporters' bracket is not closed on its line: the bracket wrapped onto the next one.
LEAD_OPEN_BRACKET = re.compile(
    rf"^(?:[{_CJK}]{{0,8}}报讯|(?:{_WIRE})[^（(]{{0,16}}?(?:电|讯))\s*[（(][^）)]*$"
)
# A lead glued to the end of the previous article on one line: "…。（文/张三）本报讯 …".
LEAD_INSIDE = re.compile(r"(?<=[）)。！？”]) *(?=" + LEAD_PATTERN + ")")

# Byline lines that open an article: ■记者 张三, 本报记者 张三 报道, ◎张三, 文/张三, □ 张三.
_OPEN_MARKS = "■□◎●◆◇○★☆△▲"
_BYLINE_OPEN = re.compile(
    rf"^(?P<mark>[{_OPEN_MARKS}]?)\s*(?P<inner>[^，。！？；：,;!?“”（）()]{{2,40}}?)\s*"
    r"(?P<tail>摄影报道|图文报道|报道|发自[\u4e00-\u9fff]{1,8})?$"
)
_ROLE_START = re.compile(
    r"^(?:本报|特约|实习)?(?:记者|通讯员|实习生|特约记者)|^(?:文|图|文/图|图/文|文图)\s*[/／:：]"
)

# Source notes that end an article: （据新华社）, （来源：人民日报）, （责任编辑 张三）.
_ORIGIN_WORDS = r"(?:据|来源[：:]|稿件来源[：:]|转自|责任编辑|责编|编辑[：:]|作者单位[：:]|作者系|作者为)"
ORIGIN_AT_END = re.compile(
    rf"(?P<before>^|[。！？!?”’」』…]) *[（(](?P<inner>{_ORIGIN_WORDS}[^（）()]{{1,40}})[）)] *$"
)
# A photo credit ending a caption without brackets: "村民在收割小麦 王五 摄", "▲…。李四摄".
CREDIT_AT_END = re.compile(
    rf"(?:\s+|(?<=[。！？”]))(?:(?:本报)?记者|通讯员)?\s*(?P<names>(?:[{_CJK}·]{{2,8}}\s*){{1,3}})\s*摄(?:影)?$"
)
_CAPTION_START = re.compile(r"^(?:[▲△↑↓←→◀▶]|图为|上图|下图|左图|右图|图一|图二|图①|图②|图：|图:|图片说明)")
_SUBHEAD = re.compile(r"^(?:——|—|－－|--|―)\s*(?P<text>.+)$")
# A column name alone on its line: 【法治在线】, [新闻速递]; short, no sentence in it.
_BRACKETED = re.compile(r"^[【\[〖［](?P<inner>[^】\]〗］]{1,30})[】\]〗］]$")
# Numbered section heads inside an article: 一、…  （一）…  1.…  第一，…
NUMBERED = re.compile(
    r"^(?:[一二三四五六七八九十]{1,3}[、是]|[（(][一二三四五六七八九十\d]{1,3}[）)]|\d{1,2}[.、．]|第[一二三四五六七八九十]+[，,、])"
)

# Page furniture.
_EDITOR_ROLES = (
    "责任编辑|责编|本版编辑|编辑|校对|美编|美术编辑|版式|版式设计|组版|排版|审核|审读|值班编辑|终审|制作|设计"
)
_EDITORS = re.compile(rf"^(?:(?:{_EDITOR_ROLES})\s*[：:]?\s*[{_CJK}·、\s]{{1,24}}?\s*)+$")
_EDITOR_START = re.compile(rf"^(?:{_EDITOR_ROLES})\s*[：:]")
_PAGE_NO = re.compile(
    r"第[0-9一二三四五六七八九十]{1,3}版|^[A-Z]?\d{1,2}版$|^[A-Z]\d{1,2}$|总第\d+期|今日\d+版"
)
_WEEKDAY = re.compile(r"星期[一二三四五六日天]|周[一二三四五六日]|农历")
_HEADER_LINE = re.compile(
    rf"^(?:(?:第[0-9一二三四五六七八九十]{{1,3}}版[：:]?|[A-Z]?\d{{1,2}}版|[A-Z]\d{{1,2}}|{_DATE}|\d{{4}}年|"
    rf"星期[一二三四五六日天]|周[一二三四五六日]|农历[{_CJK}]{{2,8}}|总第\d+期|今日\d+版|[{_CJK}·•]{{1,10}}|[|｜/]|"
    r"\d{4}[-./]\d{1,2}[-./]\d{1,2})\s*)+$"
)
_JUMP = re.compile(r"^[（(](?:下转|上接|转|接)第?[0-9一二三四五六七八九十A-Z]{1,3}版[）)]?$")


@dataclass(frozen=True, slots=True)
class HouseStyle:
    """A paper's own conventions on top of the common ones; from ``[[papers]]`` in the config.

    ``leads`` and ``bylines`` are regular expressions matched at a line's start; ``furniture`` are
    regular expressions a whole line must match to be the page's own matter (header, column name).
    """

    leads: tuple[re.Pattern[str], ...] = ()
    bylines: tuple[re.Pattern[str], ...] = ()
    furniture: tuple[re.Pattern[str], ...] = ()

    @classmethod
    def of(
        cls, leads: Iterable[str] = (), bylines: Iterable[str] = (), furniture: Iterable[str] = ()
    ) -> HouseStyle:
        return cls(
            tuple(re.compile(p) for p in leads),
            tuple(re.compile(p) for p in bylines),
            tuple(re.compile(p) for p in furniture),
        )

    def merged(self, furniture: Sequence[str]) -> HouseStyle:
        """This style with lines learnt from earlier issues (exact text) as furniture."""
        if not furniture:
            return self
        learnt = re.compile("^(?:" + "|".join(re.escape(line) for line in furniture) + ")$")
        return HouseStyle(self.leads, self.bylines, (*self.furniture, learnt))


COMMON = HouseStyle()


@dataclass(frozen=True, slots=True)
class Lead:
    lead: str
    rest: str  # the text after the lead (and its reporters' bracket)
    byline: Byline | None


def match_lead(text: str, style: HouseStyle = COMMON) -> Lead | None:
    """The lead that opens ``text`` (本报讯, 新华社北京7月25日电, a house lead), or None."""
    match = LEAD_AT_START.match(text)
    if match is None:
        for pattern in style.leads:
            house = pattern.match(text)
            if house is not None and house.end() > 0:
                return Lead(house.group(0).strip(), text[house.end() :].lstrip(" ：:，"), None)
        return None
    rest = text[match.end() :]
    byline = None
    reporters = match.group("reporters")
    if reporters:
        byline = parse_byline(reporters)
        if byline is None:
            # Brackets after the lead that hold no names are body text: keep them.
            rest = text[match.start("reporters") - 1 :]
    return Lead(match.group("lead"), rest.strip(), byline)


def match_byline_open(text: str, style: HouseStyle = COMMON) -> Byline | None:
    """A line that is only a byline opening an article (■记者 张三, 本报记者 张三 报道); else None."""
    house = _house_byline(text, style)
    if house is not None:
        return house
    match = _BYLINE_OPEN.match(text) if len(text) <= 40 else None
    if match is None:
        return None
    inner = match.group("inner").strip()
    # Names alone are a byline only behind a mark (■ ◎) or a role (记者, 文/).
    marked = bool(match.group("mark")) or bool(_ROLE_START.match(inner))
    byline = parse_byline(inner) if marked else None
    # A marked byline still names people: 记者了解到 is a sentence that wrapped, not a byline.
    if byline is None or not all(
        looks_like_person(name) or name.isascii() for name in (*byline.writers, *byline.photographers)
    ):
        return None
    if match.group("tail") == "摄影报道" and not byline.photographers:
        byline = Byline(byline.writers, byline.writers)
    return byline


def _house_byline(text: str, style: HouseStyle) -> Byline | None:
    for pattern in style.bylines:
        house = pattern.match(text)
        if house is not None:
            return parse_byline(text[house.end() :].strip() or text) or Byline((), ())
    return None


def match_origin(text: str) -> tuple[str, str] | None:
    """(text before, note) for a line ending in a source note such as （据新华社）; else None."""
    match = ORIGIN_AT_END.search(text)
    if match is None:
        return None
    return text[: match.start("before")] + match.group("before"), match.group("inner").strip()


def match_credit(text: str) -> tuple[str, tuple[str, ...]] | None:
    """(caption text, photographers) for a line ending in an unbracketed credit: "村民收割 王五 摄"."""
    match = CREDIT_AT_END.search(text)
    if match is None:
        return None
    names = tuple(n for n in match.group("names").split() if n)
    if len(names) == 1 and len(names[0]) > 4:
        return None  # "…在现场拍摄" ends a sentence, it credits nobody
    if not all(looks_like_person(n) for n in names):
        return None
    return text[: match.start()].rstrip(), names


# Kickers (引题) are slogans set above the headline, and most open with one of these verbs; the first
# line of a headline wrapped over two lines rarely does.
_KICKER_START = re.compile(
    "^(?:聚焦|践行|坚持|推进|深化|加快|助力|奋力|打造|守护|建设|优化|决战|喜迎|凝心|弘扬|传承|牢记|扎实|全力|"
    "用心|情系|礼赞|巩固|聚力|勇当|争当|致敬|走进|探访|关注|把握|落实|贯彻|学习|筑牢|激活|抢抓|做好|办好|"
    "擦亮|书写|绘就|奏响|跑出|按下|喜看|盛夏|金秋|初夏|新春|寒冬)"
)


def looks_like_kicker(text: str) -> bool:
    """A slogan (聚焦乡村振兴, 优化营商环境 激发市场活力) rather than the start of a wrapped headline."""
    return bool(_KICKER_START.match(text)) or (" " in text.strip() and len(text) <= 20)


def is_caption_start(text: str) -> bool:
    return bool(_CAPTION_START.match(text))


def strip_caption_mark(text: str) -> str:
    return re.sub(r"^[▲△↑↓←→◀▶]\s*", "", text)


def subhead_text(text: str) -> str | None:
    match = _SUBHEAD.match(text)
    return match.group("text").strip() if match else None


# Column names printed without brackets end like this: 县域简讯, 新闻速递, 清河时评, 图片新闻.
_COLUMN_NAME = re.compile(
    r"^[\u4e00-\u9fff·]{0,6}(?:简讯|速递|快讯|播报|动态|时评|短评|图片新闻|图说|传真|广角|纵横|走笔|一线)$"
)


def is_column_name(text: str) -> bool:
    return bool(_COLUMN_NAME.match(text))


def bracketed(text: str) -> str | None:
    """The inside of a line that is only a bracketed phrase (a column name or a kicker)."""
    match = _BRACKETED.match(text)
    return match.group("inner") if match else None


def is_editor_line(text: str) -> bool:
    """责任编辑：王五  校对：赵六 — a page's (or an article's) editors."""
    return len(text) <= 48 and bool(_EDITOR_START.match(text)) and bool(_EDITORS.match(text))


def is_header_line(text: str) -> bool:
    """A page header: 第3版 要闻 2012年6月12日 星期二, whole or in part, made only of header tokens."""
    if len(text) > 48:
        return False
    if not (_PAGE_NO.search(text) or _WEEKDAY.search(text)):
        return False
    return bool(_HEADER_LINE.match(text))


def is_date_line(text: str) -> bool:
    """A line that is only a date (part of a header broken over lines)."""
    return bool(
        re.fullmatch(
            rf"\s*(?:{_DATE}|\d{{4}}年\d{{1,2}}月\d{{1,2}}日|\d{{4}}[-./]\d{{1,2}}[-./]\d{{1,2}})\s*", text
        )
    )


def is_jump(text: str) -> bool:
    """（下转第2版） and （上接第1版）: the article goes on elsewhere; kept with it."""
    return bool(_JUMP.match(text))


def is_house_furniture(text: str, style: HouseStyle) -> bool:
    return any(pattern.fullmatch(text) for pattern in style.furniture)
