"""The guard's headline check: a model's headline must say who did what.

A seq2seq headline can be faithful to every number and still be no headline: a purpose clause
(为基层工作者送去清凉), a bare topic (秋粮收购工作会议), or a subject the article never names. The
check asks three things, each a small named rule:

- **It opens on its own.** Not on a preposition, a conjunction or a connective (为…, 在…, 并…, 同时…,
  要…): such a headline is the tail of a sentence whose doer is elsewhere.
- **It has a predicate.** A verb as jieba.posseg tags it (召开, 救出, 开幕), or one of the event verbs the
  extractive headline looks for (调研 is often tagged as a verb noun).
- **It names the article's subject.** A place, an organisation or a person that the article itself
  names: a word tagged as a name (交城县, 王建国), a word that ends like an institution (总工会,
  消防救援大队), a whole-county reference (全县), a role (民警, 村民), or a person the article names
  after a title (书记刘旋). A place or organisation the article does not name (白川县 where the
  article says 青禾县) is an invention and refused; an editor's short form (经开区 for 经济开发区) is not.

jieba's tags are statistical, so the rules err toward passing: a false alarm costs a retry and an
extractive headline, never a lost article.
"""

from __future__ import annotations

import re
from functools import lru_cache

from digest.summarise.headline import _NAME_TAGS, _PERSON, _SUBJECT_ENDS, EVENT_VERBS, _words

# People a headline may be about without a name (男子酒驾被查).
_PEOPLE = frozenset(
    {
        *("男子", "女子", "老人", "儿童", "学生", "村民", "居民", "群众", "游客", "职工", "干部", "党员"),
        *("农民", "农户", "企业", "商户", "志愿者", "民警", "医生", "教师", "司机", "工人", "师生"),
        *("交警", "消防", "党员", "青年", "妇女", "老党员", "货车", "车辆"),
    }
)
# First words that leave a headline without its doer.
_OPENERS = frozenset(
    {"为", "为了", "在", "对", "按照", "根据", "随着", "并", "同时", "此外", "另外", "要", "而"}
)
_OPENER_TAGS = frozenset({"p", "c", "u", "uj", "ul", "uz", "ud", "ug", "uv"})
# Places and organisations as jieba tags them, for the invention check. Not people (nr): jieba tags
# many ordinary words as names (荣立, 笑开颜), and not generic nouns ending like a place (农村).
_PLACES = frozenset({"ns", "nt"})
# A place the headline opens with (白川县…): jieba splits names it does not know into single
# characters, so this reads the characters before the first place ending instead.
_OPENING_PLACE = re.compile(r"^[\u4e00-\u9fff]{2,4}?[省市县区镇乡]")
# Verb nouns that name a topic rather than an action.
_TOPIC_NOUNS = frozenset({"工作", "活动", "发展", "建设", "管理", "服务", "教育", "生产", "经营"})
# The paper's own place, said without its name: 全县, 我县, or an institution of it (县政协, 镇政府).
_LOCAL = re.compile(r"[全我本该][县市区镇乡村省州旗]|^[县市区镇乡村](?!级)")
_VERB_TAGS = frozenset({"v", "vd", "vi", "vg", "vq"})
# Verbs that jieba often tags otherwise (调研 as a verb noun, 出席会议 as an idiom).
_PREDICATES = EVENT_VERBS | {
    "出席",
    "主持",
    "参加",
    "讲话",
    "强调",
    "指出",
    "要求",
    "推进",
    "开幕",
    "闭幕",
    "举办",
}
# A person named after a title: 县委书记刘旋, 县长刘大鹏. Two or three characters; both are kept.
_TITLED = re.compile(_PERSON.pattern + r"(?P<name>[\u4e00-\u9fff]{2,3})")


def headline_problem(headline: str, article: str) -> str | None:
    """Why ``headline`` is not a headline of ``article``, or None when it says who did what."""
    words = _words(headline)
    if not words:
        return "empty"
    first, tag = words[0]
    if first in _OPENERS or tag in _OPENER_TAGS:
        return f"opens with {first}"
    if not any(_is_predicate(word, tag) for word, tag in words):
        return "no predicate"
    invented = [word for word, tag in words if tag in _PLACES and len(word) >= 2 and word not in article]
    opening = _OPENING_PLACE.match(headline)
    if opening is not None and not _abbreviates(opening.group(), article):
        invented.insert(0, opening.group())
    if invented:
        return f"names {invented[0]}, which the article does not"
    if opening is None and not _names_a_subject(headline, words, article):
        return "no subject from the article"
    return None


def _abbreviates(name: str, article: str) -> bool:
    """Whether the article names ``name`` whole or as the longer name it shortens (经开区 for
    经济开发区): its characters in order, a few apart at most."""
    return name in article or re.search(".{0,3}".join(map(re.escape, name)), article) is not None


def _is_predicate(word: str, tag: str) -> bool:
    # Idioms (出席会议 is one word to jieba) count by the verb inside them; a verb noun counts unless
    # it is one of those that name a topic rather than an action (工作会议).
    return (
        tag in _VERB_TAGS
        or (tag == "vn" and word not in _TOPIC_NOUNS)
        or any(verb in word for verb in _PREDICATES)
    )


def _names_a_subject(headline: str, words: tuple[tuple[str, str], ...], article: str) -> bool:
    # 全县 or 男子 is a doer only before the deed: in 举办农民丰收节 the farmers are no subject.
    before = ""
    for word, tag in words:
        if _is_predicate(word, tag):
            break
        before += word
    if _LOCAL.search(before) or any(person in before for person in _PEOPLE):
        return True
    return any(name in headline for name in _article_names(article))


@lru_cache(maxsize=256)
def _article_names(article: str) -> frozenset[str]:
    """The places, organisations and people ``article`` names, as a headline may write them."""
    names: set[str] = set()
    words = _words(article)
    for i, (word, tag) in enumerate(words):
        following = words[i + 1][0] if i + 1 < len(words) else ""
        if following in _SUBJECT_ENDS and len(following) == 1:
            names.add(word + following)  # 桃源 + 镇: jieba splits many invented places this way
        if len(word) >= 2 and (
            tag in _NAME_TAGS
            or tag in {"nrt", "nrfg", "j"}
            or (tag.startswith("n") and word.endswith(_SUBJECT_ENDS))
        ):
            names.add(word)
    for match in _TITLED.finditer(article):
        name = match.group("name")
        names.update({name[:2], name})
    return frozenset(names)
