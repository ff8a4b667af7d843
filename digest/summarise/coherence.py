"""The extractive summary as a short paragraph (issue 12): the lead, then sentences that add facts, each
understandable where it stands, in page order, within the limit.

TextRank finds the sentences most others echo; in a county paper those are often a speech's general
directives, sentences that restate the meeting, or lines that only make sense after the one before.
So what fills the room after the lead is chosen, not only ranked:

- The units are sentences, except that a quotation over several sentences goes whole, with the
  sentence that says who spoke it (“…”河口村果农张玉兰说。) and what a colon introduces with it.
- A unit with a fact the lead does not give (a number, an outcome such as 未造成人员伤亡, a decision)
  ranks higher; one whose first clause an earlier unit already states ranks lower.
- A unit is passed over when it leans on one left out: a connective or a pronoun (同时，此外，他说，这),
  a directive whose speaker is elsewhere (要…，一要…), a sentence without its subject (注重游客体验，…:
  the verb, adverb or preposition jieba tags first, after any time, place or purpose), a quotation
  without its speaker, a section's slogan (有诉必回，服务“不打烊”。).
- A speaker's words (各乡镇要… in a paragraph that 刘旋指出，opens) come only with the unit naming the
  speaker, and a speaker named without a title with the unit that gives it (县委书记刘旋出席会议).
- A unit that states again what is chosen (刘大鹏主持会议，… after 县长刘大鹏主持会议) is passed over.

Nothing is invented or reordered: the summary is the article's own units in page order. The rules are
tested on invented articles of many house styles in tests/summarise/test_summary_coherence.py.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

from digest.summarise.headline import _PERSON
from digest.summarise.sentences import cut_at_clause, tag_words

# A first sentence shorter than this sets a scene (盛夏时节，骄阳似火。) rather than tells the news.
_SCENE_SETTING = 15


def paragraph(
    text: str, sentences: Sequence[str], words: Sequence[Sequence[str]], scores: Sequence[float], limit: int
) -> str:
    """The summary, at most ``limit`` characters, of the article ``text`` whose (opening) ``sentences``
    have these content ``words`` and TextRank ``scores``: the lead, then the most salient units that
    stand alone and say something new, in page order.

    A unit that needs another (a speaker's words, their speaker) comes in with it or not at all; a
    lead longer than the limit is cut at a clause and marked.
    """
    units = _units(sentences, _paragraphs(text, sentences), words, scores)
    lead = [0]
    # A scene (盛夏时节，骄阳似火。) or a quotation (“…”) that opens the article is followed by the
    # news or by who spoke: the two are the lead.
    if (len(units[0].text) < _SCENE_SETTING or _quote_without_speaker(units[0].text)) and len(units) > 1:
        lead.append(1)
    used = sum(len(units[i].text) for i in lead)
    if used > limit:
        return cut_at_clause("".join(units[i].text for i in lead), limit)
    chosen = set(lead)
    lead_facts = {f for i in lead for f in _facts(units[i].text)}

    def salience(i: int) -> tuple[float, int]:
        unit = units[i]
        new_fact = any(f not in lead_facts for f in _facts(unit.text))
        return (-unit.score * (1 + _FACT_BONUS * new_fact) * (_ECHO_SHARE if unit.echo else 1), i)

    for i in sorted(range(len(units)), key=salience):
        if i in chosen or used + len(units[i].text) > limit:
            continue
        adding = _with_needs(units, i, chosen)
        if used + sum(len(units[k].text) for k in adding) > limit:
            continue
        if all(_stands_alone(units[k].text) for k in adding) and not any(
            _restates(units[k], [units[c] for c in sorted(chosen)]) for k in adding
        ):
            chosen.update(adding)
            used += sum(len(units[k].text) for k in adding)
    return "".join(units[i].text for i in sorted(chosen))


# A sentence that leans on one before it: a connective (同时，此外), a pronoun (他说, 这), a list's
# item (一是…) or a directive whose speaker is in another sentence (要…, 一要…): out of place in a
# summary. 此次, 本次 and 这次 name the article's own event, which the lead states.
_DANGLING = re.compile(
    r"^(?:同时|此外|另外|而且|并且|但是|然而|因此|所以|对此|为此|其中|其|这(?!次)|此(?!次)|那|该|他|她|它"
    r"|[一二三四五六七八九十]?要|[一二三四五六七八九十]是|随后|然后|并|还|也|又|都)"
)
# A short sentence without a number or a person's title is a section's slogan (有诉必回，服务“不打烊”。),
# not a fact.
_SLOGAN_CHARS = 16
# A clause that sets the time, place, purpose or source of what follows (8月2日，会上，截至目前，为…，
# 在东坡乡，据了解，): the sentence's doer, if it names one, is in the clause after it.
_SETTING = re.compile(
    r"(?:(?:\d{4}年)?\d{1,2}月(?:\d{1,2}日)?.{0,8}|\d{4}年.{0,8}|近日|日前|近期|目前|当前|眼下|如今|截至.{1,12}"
    r"|.{0,8}以来|.{0,6}年来|连日来|近来|下一步|当天|当日|此前|据.{1,6}|记者.{0,6}(?:了解到|获悉)|.{1,10}(?:上|中|后|前|时|期间|之际)"
    r"|(?:为了?|按照|根据|围绕|通过|经过|在|随着|针对|对照|对|依托|立足|结合|从|自|至|今年|上半年|去年).{1,30})"
)
_FIRST_CLAUSE = re.compile(r"([^，,；;：:“”]*)[，,]")
# Settings that open a tally of the work so far, and those that time an event with its doer in them.
_TALLY = re.compile(r"^(?:截至|截止|至|目前|今年以来|.{0,6}以来)")
_EVENT_TIME = re.compile(r"(?:后|时|中|期间)$")
# The first word of a clause that says what is done without saying who does it (注重…，设置…，已…):
# verbs and adverbs as jieba tags them, a preposition or a conjunction, and verbs it tags otherwise.
_NO_SUBJECT_TAGS = frozenset({"v", "vd", "vi", "d", "ad", "p", "c", "z"})
_VERB_OPENERS = re.compile(
    r"^(?:设置|健全|落实|深化|印发|利用|优化|主动|全力|持续|累计|共同|分别|先后|相继|同步)"
)
# Who says what follows: 刘旋指出，… 会议要求，… 县消防救援大队提醒，…
_SPEECH = re.compile(
    r"^(?P<who>[^，,。；;：:“”]{1,24}?)(?:指出|强调|要求|表示|认为|提出|希望|介绍|坦言|说道|说|称|告诉记者|透露|提醒|呼吁)[，,：:]"
)
# What follows a speaker's name before the verb (刘旋在讲话中指出, 刘旋还强调), and a name's length.
_SPEAKER_TAIL = re.compile(r"(?:在.*|还|也|同时|进一步|最后|随后|特别)$")
_NAME_CHARS = (2, 4)
# A sentence that only says who spoke the quotation before it: 河口村果农张玉兰一边分拣一边说。
_ATTRIBUTION = re.compile(r"^[^，,。；;“”]{1,24}(?:说|道|表示|介绍|告诉记者|坦言|感慨|称)[。！!]?$")
# A quotation of speech (not a name like “三送三进”): it has a sentence's punctuation, or is long.
_SPEECH_QUOTE = re.compile(r"“[^”]*[，,。！？!?][^”]*”?|“[^”]{16,}”?")
_QUOTED = re.compile(r"“[^”]*”?")
_NUMBER = re.compile(r"\d+(?:\.\d+)?")
# A unit with a fact the lead does not give ranks this much higher: a number, or an outcome or a
# decision (未造成人员伤亡, 抓获, 表彰, 通过).
_FACT_BONUS = 1.0
_OUTCOME = re.compile(
    r"伤亡|死亡|遇难|受伤|获救|救出|破获|抓获|判处|表彰|授予|命名|获评|荣获|通过|批准|决定|签约|开工|投产|竣工|通车"
)
# A unit whose first clause is already said (县长刘大鹏主持会议 … 刘大鹏主持会议，并就…) restates it:
# a common run of at least this share of the clause, and at least _MIN_RESTATED characters.
_RESTATED_SHARE = 0.7
_MIN_RESTATED = 5
# …or almost every content word of it is already in the summary.
_NEW_WORDS_SHARE = 0.2
# A unit whose claim an earlier unit states ranks this much lower: the article said it first there.
_ECHO_SHARE = 0.5
_CLAUSE_END = re.compile(r"[，,；;。！？!?]")


@dataclass(frozen=True, slots=True)
class _Unit:
    """Sentences a summary takes together or not at all: one sentence, or a quotation that runs over
    several with the sentence that says who spoke it. ``needs`` are the units it says nothing without:
    the one that names the speaker of its words (刘旋指出，… before 各乡镇要…), and the one that says who
    a speaker named without a title is (县委书记刘旋出席会议并讲话 before 刘旋指出，…)."""

    text: str
    score: float
    words: frozenset[str]
    needs: tuple[int, ...]
    # What it states first (its opening clause), and whether an earlier unit states that already.
    claim: str
    echo: bool


def _paragraphs(text: str, sentences: Sequence[str]) -> list[int]:
    """The paragraph of each sentence, counting the line breaks of ``text`` before it."""
    paragraphs = []
    at = paragraph = 0
    for sentence in sentences:
        start = text.find(sentence, at)
        paragraph += text.count("\n", at, start)
        paragraphs.append(paragraph)
        at = start + len(sentence)
    return paragraphs


def _units(
    sentences: Sequence[str],
    paragraphs: Sequence[int],
    words: Sequence[Sequence[str]],
    scores: Sequence[float],
) -> list[_Unit]:
    """Sentences joined into units: a sentence that opens inside a quotation goes with the one that
    opened it, an attribution (…他说。) with the quotation before it, and what a colon introduces with
    the colon's sentence. A unit in a paragraph after a speaker's 指出，/强调，/要求， is that speaker's."""
    groups: list[list[int]] = []
    depth = 0
    for i, sentence in enumerate(sentences):
        same_paragraph = i > 0 and paragraphs[i] == paragraphs[i - 1]
        if not same_paragraph:
            depth = 0  # a quotation never runs on into another paragraph unclosed
        previous = sentences[i - 1] if i else ""
        joins = groups and (
            (same_paragraph and depth > 0)
            or previous.endswith(("：", ":"))
            or (same_paragraph and previous.endswith("”") and _ATTRIBUTION.match(sentence) is not None)
        )
        if joins:
            groups[-1].append(i)
        else:
            groups.append([i])
        depth = max(0, depth + sentence.count("“") - sentence.count("”"))
    units: list[_Unit] = []
    speaker: int | None = None
    earlier = ""
    for n, group in enumerate(groups):
        text = "".join(sentences[i] for i in group)
        if n and paragraphs[group[0]] != paragraphs[groups[n - 1][-1]]:
            speaker = None
        opening = _opening(text)
        speech = _SPEECH.match(opening)
        if speech is not None:
            speaker = n
            needs = _introduction(speech.group("who"), units)
        else:
            needs = () if speaker is None else (speaker,)
        claim = _CLAUSE_END.split(opening, maxsplit=1)[0]
        echo = _same_fact(claim, earlier)
        unit_words = frozenset(w for i in group for w in words[i])
        units.append(_Unit(text, max(scores[i] for i in group), unit_words, needs, claim, echo))
        earlier += "\n" + text  # a run of a claim never holds a line break, so never spans two units
    return units


def _introduction(who: str, units: Sequence[_Unit]) -> tuple[int, ...]:
    """The latest of ``units`` that gives the title of a speaker named without one (刘旋 in 刘旋指出，
    is 县委书记 in 县委书记刘旋出席会议并讲话), as a tuple of none or one."""
    name = _SPEAKER_TAIL.sub("", who)
    if _PERSON.search(who) or not _NAME_CHARS[0] <= len(name) <= _NAME_CHARS[1]:
        return ()
    for n in range(len(units) - 1, -1, -1):
        at = units[n].text.find(name)
        if at > 0 and _PERSON.search(units[n].text[max(0, at - 6) : at]):
            return (n,)
    return ()


def _with_needs(units: Sequence[_Unit], i: int, chosen: set[int]) -> list[int]:
    """Unit ``i`` with every unit it needs that is not chosen yet, in page order."""
    adding: set[int] = set()
    stack = [i]
    while stack:
        k = stack.pop()
        if k not in chosen and k not in adding:
            adding.add(k)
            stack.extend(units[k].needs)
    return sorted(adding)


def _opening(text: str) -> str:
    """``text`` from its first clause that is not a setting (a time, place, purpose or source)."""
    return _settings_and_opening(text)[1]


def _settings_and_opening(text: str) -> tuple[list[str], str]:
    """The setting clauses ``text`` opens with, and the rest of it."""
    settings = []
    rest = text
    while (match := _FIRST_CLAUSE.match(rest)) is not None and _SETTING.fullmatch(match.group(1)):
        settings.append(match.group(1))
        rest = rest[match.end() :]
    return settings, rest


def _quote_without_speaker(text: str) -> bool:
    """Whether ``text`` opens with a quotation of speech and does not say who spoke it (“…”他说。 says
    it no more than “…” alone; “…”河口村果农张玉兰说。 does)."""
    if not text.startswith("“") or _SPEECH_QUOTE.match(text) is None:
        return False
    outside = _QUOTED.sub("", text)
    return _ATTRIBUTION.match(outside) is None or _DANGLING.match(outside) is not None


def _stands_alone(text: str) -> bool:
    """Whether a unit after the lead makes sense in a summary without the sentences around it."""
    if len(text) < _SLOGAN_CHARS and not any(ch.isdigit() for ch in text) and not _PERSON.search(text):
        return False  # a slogan, not a fact; 县委书记王某出席会议并讲话。 is one
    settings, opening = _settings_and_opening(text)
    if _DANGLING.match(text) or _DANGLING.match(opening) or _VERB_OPENERS.match(opening):
        return False
    if text.startswith("“"):
        return not _quote_without_speaker(text)
    return _has_a_doer(settings, opening)


def _has_a_doer(settings: Sequence[str], opening: str) -> bool:
    """Whether a sentence says who acts: its opening does not start with a verb, an adverb or a
    preposition (注重…, 已…, 对…), or a setting names the doer (项目建成后，将…; 消防指战员到场后，立即…), or
    it is a tally (截至目前，共检查单位86家), which counts the work of the doer the lead names."""
    words = tag_words(opening[:24])
    if not words or words[0][1] not in _NO_SUBJECT_TAGS:
        return True
    for setting in settings:
        if _TALLY.match(setting) and any(ch.isdigit() for ch in opening):
            return True
        if _EVENT_TIME.search(setting):
            first = tag_words(setting[:12])
            if first and first[0][1].startswith("n"):
                return True
    return False


def _facts(text: str) -> list[str]:
    """The numbers, outcomes and decisions ``text`` states."""
    return _NUMBER.findall(text) + _OUTCOME.findall(text)


def _same_fact(claim: str, text: str) -> bool:
    """Whether ``text`` states ``claim``: most of it, as one run of characters (县长刘大鹏主持会议 states
    刘大鹏主持会议)."""
    need = max(_MIN_RESTATED, math.ceil(_RESTATED_SHARE * len(claim)))
    return any(claim[k : k + need] in text for k in range(len(claim) - need + 1))


def _restates(unit: _Unit, chosen: Sequence[_Unit]) -> bool:
    """Whether ``unit`` says again what the chosen units say: its claim is one of theirs, one of their
    claims is in it, or almost all its words are theirs."""
    said = "".join(other.text for other in chosen)
    if _same_fact(unit.claim, said) or any(_same_fact(other.claim, unit.text) for other in chosen[1:]):
        return True
    new = unit.words.difference(*(other.words for other in chosen))
    return bool(unit.words) and len(new) <= _NEW_WORDS_SHARE * len(unit.words)
