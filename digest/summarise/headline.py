"""The extractive headline: the clause that states the event, with its subject, compressed to fit.

An editor's headline says who did what: 清河县召开秋粮收购工作会议. The article says it in its lead,
often after a dateline (8月2日，), a purpose clause (为进一步…，) or a scene (盛夏时节，骄阳似火。), and
often longer than a headline may be. So:

1. The candidates are the clauses of the first three sentences, datelines taken off; purpose and
   context clauses (为…, 按照…, 在…之际) are no event.
2. The event clause is the first with an event verb (召开, 举办, 开展, 启动, 印发, 签约, 荣获, 发生…),
   preferring one whose subject (a place or an organisation: 清河县, 县总工会, 石岭镇南湾村) stands
   before the verb. A clause without one borrows the subject of its sentence or the lead's.
3. A nominalised event (…活动的开展) is said as a verb (开展…活动).
4. While it is longer than the limit, what an editor drops goes, in order: brackets, the year,
   adverbs (进一步, 扎实), the second part of a double name (…整改暨…整治工作会议 → …整改会议),
   quoted slogans, a place phrase before the verb (在南湾村), and finally words from the end of the
   object, stopping at a noun so that a phrase is never cut in the middle.

Nothing is invented: every character comes from the article, and a headline that cannot be made
this way (no event verb in the lead) is left to the caller's older method. The rules are small,
named and tested in tests/summarise/test_headline.py.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

from digest.summarise.sentences import split_clauses, tag_words

EVENT_VERBS = frozenset(
    {
        *("召开", "举行", "举办", "开展", "启动", "印发", "出台", "发布", "部署", "召集"),
        *("签约", "签署", "签订", "开工", "投产", "竣工", "建成", "揭牌", "授牌", "成立", "开幕", "闭幕"),
        *("调研", "督导", "督查", "检查", "视察", "考察", "慰问", "走访", "看望"),
        *("表彰", "荣获", "获评", "入选", "获得", "评为", "命名"),
        *("发生", "救出", "营救", "救援", "处置", "扑灭", "转移", "抓获", "破获", "查处", "侦破"),
        # Not 组织: in 组织…开展… the event is the second verb.
        *("开通", "通车", "完成", "实现", "推出", "开设", "捐赠", "落地", "上线", "通过"),
    }
)
# Words that end a place's or an organisation's name: what can be a headline's subject.
_SUBJECT_ENDS = (
    *("县", "市", "区", "州", "镇", "乡", "村", "街道", "社区", "局", "委", "会", "队", "院", "所"),
    *("中心", "公司", "集团", "办", "部", "站", "厅", "处", "校", "医院", "政府", "党委", "组", "团", "馆"),
)
_NAME_TAGS = frozenset({"ns", "nt", "nz", "nr"})
# A person's title: a clause whose doer is one tells who took part, rarely the event itself.
_PERSON = re.compile(r"(?:书记|县长|镇长|乡长|市长|区长|主任|局长|部长|主席|队长|校长|院长|负责人|民警|记者)")
# Clauses that set a purpose or a context rather than state the event.
_CONTEXT = re.compile(
    r"^(?:为了?|按照|根据|围绕|随着|近年来|今年以来|据悉|据了解|记者从|在.{0,24}(?:之际|期间|之时))"
)
# A clause that goes on from the one before (并召开…, 随后…): its doer is that clause's, not one to guess.
_CONTINUING = re.compile(r"^(?:并|同时|随后|还|也|又|再|然后|之后|此后|其中)")
_TIME = re.compile(
    r"^(?:(?:\d{4}年)?\d{1,2}月\d{1,2}日|近日|日前|近期|连日来|昨天|昨日|今天|今日|当天)"
    r"(?:上午|下午|晚上|晚间|早上|凌晨|中午|晚)?[，,]?"
)
_BRACKETS = re.compile(r"（[^）]*）|\([^)]*\)|【[^】]*】")
_YEAR = re.compile(r"\d{4}年(?:度)?")
_ADVERBS = re.compile(r"进一步|积极|认真|扎实|全面|深入|持续|切实|大力|精心|隆重|成功|顺利|正式|日前|近日")
_DOUBLE_NAME = re.compile(r"暨[^，。]*?(?=(?:工作)?(?:会议|大会|活动|培训|仪式))")
# A quoted slogan (“情系职工 清凉一夏”) can go; a quoted name or title (“中国好人”) is the news.
_QUOTED = re.compile(r"“[^”]{6,30}”")
_NOMINALISED = re.compile(r"^(?P<head>.+?)的(?P<verb>开展|举办|举行|召开|启动|实施)$")
_ASPECT = re.compile("(?P<verb>" + "|".join(sorted(EVENT_VERBS, key=len, reverse=True)) + ")了")
_MEASURE = re.compile(r"一(?:场|次|系列|批|轮|项|个)[^，。的]{0,8}的|一(?:场|次|系列|批|轮)")
_MIN_CHARS = 6
# How much may stand before the verb of a clause that lost its doer (共同, 随即, 先后): an adverb.
_ADVERB_ROOM = 4
_CHAIRED = re.compile(r"召开(?:了)?(?P<meeting>[^，。]{2,24}?(?:会议|大会|座谈会|推进会|调度会|常委会))")


def event_headline(sentences: Sequence[str], limit: int) -> str | None:
    """The event of the lead as a headline of at most ``limit`` characters; None when the first
    sentences state no event the rules can find."""
    subject: str | None = None  # the latest place or organisation named so far
    for sentence in sentences[:3]:
        in_context = False
        for clause in (_TIME.sub("", clause).strip() for clause in split_clauses(sentence, at_lists=False)):
            own = _subject(clause)
            if _CONTEXT.match(clause):
                in_context = True  # 为…，提高…，: the purpose goes on until a clause names its doer
                continue
            if (own is None and in_context) or len(clause) < 4 or _CONTINUING.match(clause):
                continue
            in_context = False
            verb = _event_verb(clause)
            if verb is not None and _PERSON.search(clause[: clause.index(verb)]):
                # 县长王建国出席签约仪式: who attended, not what happened; but a meeting a person
                # chaired is the news itself (书记王建国主持召开县委常委会会议 → 县委常委会会议召开).
                meeting = _CHAIRED.search(clause)
                if meeting is not None and (
                    headline := _compressed(meeting.group("meeting") + "召开", limit)
                ):
                    return headline
                continue
            doer = _subject(clause[: clause.index(verb)]) if verb is not None else None
            subject = own or subject
            if verb is None or (doer is None and subject is None):
                continue
            stated = clause
            if doer is None and subject is not None and not clause.startswith(subject):
                if clause.index(verb) > _ADVERB_ROOM:
                    continue  # 对…的企业给予…: a detail with its own grammar, not a doer's missing
                stated = subject + clause  # 开展了…: never a headline without its doer
            headline = _compressed(_said_as_verb(stated), limit)
            if headline is not None:
                return headline
    return None


def _event_verb(clause: str) -> str | None:
    """The first event verb of ``clause`` used as a verb (通过 as "by means of" is no event)."""
    for word, tag in _words(clause):
        if word in EVENT_VERBS and tag.startswith("v") and tag != "vn":
            return word
    return None


def _subject(text: str) -> str | None:
    """The place or organisation ``text`` opens with (清河县总工会, 青山县消防救援大队), or None: the
    run of nouns it opens with, up to the last that names a place or an institution."""
    name = subject = ""
    for word, tag in _words(text):
        if not (tag.startswith("n") or tag == "vn" or word in _SUBJECT_ENDS):
            break
        name += word
        if _names_a_doer(word, tag):
            subject = name
    return subject if len(subject) >= 2 else None


def _names_a_doer(word: str, tag: str) -> bool:
    # A place or an institution by its tag (a person's name is no headline's doer on its own), any
    # noun that ends like one (总工会, 融媒体中心, 消防救援大队), or the ending alone (南湾 + 村).
    return (
        (tag in _NAME_TAGS and tag != "nr")
        or (tag.startswith("n") and word.endswith(_SUBJECT_ENDS))
        or word in _SUBJECT_ENDS
    )


def _said_as_verb(clause: str) -> str:
    """…活动的开展 → 开展…活动, with the subject kept in front."""
    match = _NOMINALISED.match(clause)
    if match is None:
        return clause
    head = match.group("head")
    subject = _subject(head) or ""
    return subject + match.group("verb") + head[len(subject) :]


def _compressed(clause: str, limit: int) -> str | None:
    # Headline style whatever the length: no aspect particle after the verb (召开了), no measure
    # phrase before the object (一场别开生面的).
    text = _MEASURE.sub("", _ASPECT.sub(r"\g<verb>", clause.strip("，。；：、 ")))
    for drop in (_BRACKETS, _YEAR, _ADVERBS, _DOUBLE_NAME, _QUOTED):
        if len(text) <= limit:
            break
        text = drop.sub("", text)
    if len(text) > limit:
        text = _without_place_phrase(text)
    if len(text) > limit:
        text = _shortened_at_a_noun(text, limit)
    # What is left must still say who did what: long enough, and with its event verb.
    return text if _MIN_CHARS <= len(text) <= limit and _event_verb(text) is not None else None


def _without_place_phrase(text: str) -> str:
    """清河县在南湾村开展培训 → 清河县开展培训: a 在… phrase before the event verb goes."""
    verb = _event_verb(text)
    if verb is None:
        return text
    at = text.find("在")
    end = text.find(verb)
    return text[:at] + text[end:] if 0 < at < end else text


def _shortened_at_a_noun(text: str, limit: int) -> str:
    """The longest run of whole words from the start that fits and ends on a noun (or a verb noun)."""
    kept = ""
    best = ""
    for word, tag in _words(text):
        if len(kept) + len(word) > limit:
            break
        kept += word
        if tag.startswith("n") or tag == "vn":
            best = kept
    return best


@lru_cache(maxsize=4096)
def _words(text: str) -> tuple[tuple[str, str], ...]:
    return tuple(tag_words(text))  # jieba.posseg.lcut(text, HMM=False), faster
