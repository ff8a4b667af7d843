"""Bylines: who wrote an article and who took its photos.

Printed forms this understands: （文/冀美丽 梁赟 图/申淼）, （冀美丽 郭倩楠） (names alone are writers),
（记者 张三 通讯员 李四）, （本报记者 张三 摄）, （文/图 张三）, （张三、李四）, half-width brackets too.
Anything in brackets that is not made only of role markers and plausible names is not a byline:
（含条管单位） or （试行） stay in the text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_NAME = re.compile(r"^[\u4e00-\u9fff]{2,4}$|^[\u4e00-\u9fff]{1,8}(?:[·•．][\u4e00-\u9fff]{1,8})+$")
# A Latin name (文/Tom) counts only after a role marker: alone in brackets it could be anything.
_LATIN_NAME = re.compile(r"^[A-Z][A-Za-z'\-]{1,20}$")
# What may follow the names: 报道 (reported), 摄/摄影/摄影报道 (the names took the photos).
_TRAILING_ROLE = re.compile(r"\s*(?P<role>摄影报道|图文报道|摄影|摄|报道)$")
_SEPARATORS = re.compile(r"[\s、，,；;]+")
_SLASH = "[/／|｜:：]"

_WRITER, _PHOTOGRAPHER, _BOTH = "w", "p", "wp"
# Longest markers first: the regex alternation takes the first that matches.
_ROLE_MARKERS: tuple[tuple[str, str], ...] = (
    ("文/图", _BOTH),
    ("图/文", _BOTH),
    ("文／图", _BOTH),
    ("图／文", _BOTH),
    ("文图", _BOTH),
    ("图文", _BOTH),
    ("本报特约记者", _WRITER),
    ("本报实习记者", _WRITER),
    ("本报见习记者", _WRITER),
    ("本报通讯员", _WRITER),
    ("见习记者", _WRITER),
    ("本报记者", _WRITER),
    ("特约记者", _WRITER),
    ("实习记者", _WRITER),
    ("实习生", _WRITER),
    ("通讯员", _WRITER),
    ("记者", _WRITER),
    ("撰稿", _WRITER),
    ("文字", _WRITER),
    ("文", _WRITER),
    ("摄影", _PHOTOGRAPHER),
    ("图片", _PHOTOGRAPHER),
    ("图", _PHOTOGRAPHER),
    ("摄", _PHOTOGRAPHER),
)
_ROLE_PREFIX = re.compile("^(" + "|".join(re.escape(m) for m, _ in _ROLE_MARKERS) + rf")(?:{_SLASH}|\s|$)?")
_ROLE_OF = dict(_ROLE_MARKERS)
# Markers that may be glued to a name without a slash: 记者张三, 通讯员李四. 文/图 need the slash,
# or 文 in a name such as 文静 would be read as a marker.
_GLUED_OK = {m for m, _ in _ROLE_MARKERS if len(m) >= 2 and m not in ("文图", "图文", "文字", "图片", "摄影")}

# Common Chinese surnames. Names standing alone in brackets, with no 文/ or 记者 to mark them, count
# as a byline only when each starts with one of these: （见第三版） and （试行） are not people.
_SURNAMES = frozenset(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕"
    "丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃"
    "武戴莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒"
    "阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓"
    "古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬师和仇栾隋商刁沙荣"
    "巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝官封谈匡鞠惠荆乐冀郁胥南班储原栗燕楚鄢劳谌奚皮粟冼蔺楼盘满"
    "闻位厉伊仝区郜海阚花权强帅屠豆朴盖练廉禹井祖漆巴丰支卿国狄平计索宣晋相初门云容敬来扈晁芮都普阙"
    "浦戈伏鹿薄邸雍辜羊阿乌母裘亓修邰赫杭况那宿鲜印逯隆茹诸战慕危玉银亢嵇公哈湛宾戎勾茅利於呼居揭干"
    "但尉冶斯元束檀衣信展阴昝智幸奉植衡富尧闭由荀贲酆於郦阎谭鞠乜"
)
_COMPOUND_SURNAMES = frozenset(
    [
        "欧阳",
        "司马",
        "上官",
        "诸葛",
        "东方",
        "皇甫",
        "尉迟",
        "公孙",
        "慕容",
        "长孙",
        "宇文",
        "司徒",
        "夏侯",
        "轩辕",
        "令狐",
        "钟离",
        "澹台",
        "公冶",
        "申屠",
        "太史",
        "端木",
        "呼延",
        "南宫",
        "独孤",
        "西门",
        "百里",
    ]
)


def looks_like_person(name: str) -> bool:
    """Whether a 2–4 character word starts like a Chinese personal name (a common surname)."""
    return "·" in name or name[0] in _SURNAMES or name[:2] in _COMPOUND_SURNAMES


# A byline at the very end of a line, after a sentence end or alone on its line.
BYLINE_AT_END = re.compile(r"(?P<before>^|[。！？!?”’」』…]) *[（(](?P<inner>[^（）()]{2,60})[）)] *$")


@dataclass(frozen=True, slots=True)
class Byline:
    writers: tuple[str, ...]
    photographers: tuple[str, ...]


def _trailing_role(inner: str) -> tuple[str, str | None]:
    """Split off a role word that follows the names: 张三 摄影报道, 张三摄, 张三 报道 (not 文/摄)."""
    trailing = _TRAILING_ROLE.search(inner)
    if trailing is None or trailing.start() == 0 or inner[trailing.start() - 1] == "/":
        return inner, None
    return inner[: trailing.start()].strip(), trailing.group("role")


def _rejoin_spaced_names(parts: list[str]) -> list[str]:
    """A two-character name set with a space to fill the width of three (吴 涛) is one name."""
    out: list[str] = []
    for part in parts:
        if (
            out
            and len(part) == 1
            and len(out[-1]) == 1
            and "\u4e00" <= part <= "\u9fff"
            and "\u4e00" <= out[-1] <= "\u9fff"
            and out[-1] not in _ROLE_OF
        ):
            out[-1] += part
        else:
            out.append(part)
    return out


def parse_byline(inner: str) -> Byline | None:
    """Read the text inside a byline's brackets; None when it is not a byline."""
    writers: list[str] = []
    photographers: list[str] = []
    role = _WRITER
    inner, tail = _trailing_role(inner.strip())
    marked = tail is not None
    photo_tail = tail not in (None, "报道")
    for part in _rejoin_spaced_names(_SEPARATORS.split(inner)):
        token = part
        while token:
            match = _ROLE_PREFIX.match(token)
            if match is None:
                break
            marker = match.group(1)
            rest = token[match.end() :]
            glued = match.end() == len(marker) and rest != ""
            if glued and marker not in _GLUED_OK:
                break
            role = _ROLE_OF[marker]
            marked = True
            token = rest
        if not token:
            continue
        if token.endswith("摄") and _NAME.match(token[:-1]):
            # 申淼摄: the name took the photos, whatever role was current.
            photographers.append(token[:-1])
            marked = True
            continue
        if not _NAME.match(token) and not (marked and _LATIN_NAME.match(token)):
            return None
        if _WRITER in role:
            writers.append(token)
        if _PHOTOGRAPHER in role:
            photographers.append(token)
    # 摄 after the names (张三 摄) turns the names read under the default role into photographers.
    if photo_tail and not photographers:
        photographers, writers = writers, []
    if not writers and not photographers:
        return None
    if not marked and (len(writers) > 4 or not all(looks_like_person(w) for w in writers)):
        return None  # unmarked words in brackets are names only if they look like names
    return Byline(tuple(dict.fromkeys(writers)), tuple(dict.fromkeys(photographers)))


def split_byline(line: str) -> tuple[str, Byline] | None:
    """Split a line ending in a byline into (text before it, byline); None when there is none."""
    match = BYLINE_AT_END.search(line)
    if match is None:
        return None
    byline = parse_byline(match.group("inner"))
    if byline is None:
        return None
    return line[: match.start("before")] + match.group("before"), byline
