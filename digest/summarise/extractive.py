"""The extractive engine: headlines and summaries made of the article's own sentences.

It needs no model and no network, so it is the default and the fallback of the generating engines.
Salience is TextRank over sentences (Mihalcea & Tarau, 2004): sentences are nodes, edges weigh the
content words two sentences share, and PageRank finds the sentences most others echo. News puts its
essentials first, so the lead always opens the summary and salient sentences fill the remaining room.

The summary must read as a short paragraph (issue 12), so what fills the room is chosen, not only
ranked: see digest/summarise/coherence.py.
"""

from __future__ import annotations

import logging
import math
import re
from collections import Counter
from collections.abc import Sequence
from functools import lru_cache
from operator import mul, sub

import jieba

from digest.models import Article, Summary
from digest.summarise.coherence import paragraph
from digest.summarise.headline import event_headline
from digest.summarise.sentences import ELLIPSIS, cut_at_clause, cut_words, split_clauses, split_sentences

jieba.setLogLevel(logging.WARNING)  # jieba announces its dictionary loading on every start

# Function words that link most sentences without saying what they are about.
_STOPWORDS = frozenset(
    [
        "我们",
        "他们",
        "你们",
        "自己",
        "这个",
        "那个",
        "这些",
        "那些",
        "一个",
        "一些",
        "以及",
        "并且",
        "而且",
        "但是",
        "因为",
        "所以",
        "如果",
        "通过",
        "进行",
        "开展",
        "工作",
        "要求",
        "表示",
        "同时",
        "其中",
        "目前",
        "已经",
        "正在",
        "还是",
        "就是",
        "不是",
        "没有",
        "可以",
        "能够",
        "为了",
        "对于",
        "关于",
        "之后",
        "以来",
        "今年",
        "一是",
        "二是",
        "三是",
        "四是",
        "五是",
        "一要",
        "二要",
        "三要",
        "四要",
        "五要",
        "切实",
        "不断",
        "进一步",
        "全面",
        "积极",
        "深入",
        "持续",
        "加强",
        "强化",
        "推动",
        "推进",
        "确保",
        "做好",
        "抓好",
        "有关",
        "相关",
        "方面",
        "各项",
        "各类",
    ]
)
_CONTENT = re.compile(r"[\u4e00-\u9fff]{2,}|[A-Za-z]{2,}|\d+(?:\.\d+)?%?")
_DATE_PREFIX = re.compile(r"^(?:\d{4}年)?\d{1,2}月\d{1,2}日(?:上午|下午|晚上|晚间|早上|凌晨|中午|晚)?")
_MIN_HEADLINE_CLAUSE = 6
_DAMPING = 0.85
_MAX_ITERATIONS = 100
# The sentences ranked per article (see ExtractiveSummariser._one): 200 covers every article of the
# development pages whole (the longest has 31), and bounds a pathological one to 20,000 pairs.
MAX_RANKED_SENTENCES = 200
# The characters of a sentence that are cut into words: a real sentence is at most a few hundred; a
# text without full stops is one "sentence" of any length, and cutting it all cost seconds per MB.
MAX_SENTENCE_CHARS = 1_000
_TOLERANCE = 1e-6


class ExtractiveSummariser:
    """Lead plus TextRank-salient sentences, never cut mid-sentence without an ellipsis."""

    def __init__(self, headline_max_chars: int = 30, summary_max_chars: int = 120) -> None:
        if headline_max_chars < 4 or summary_max_chars < 10:
            raise ValueError("headline_max_chars must be >= 4 and summary_max_chars >= 10")
        self.headline_max_chars = headline_max_chars
        self.summary_max_chars = summary_max_chars

    @property
    def name(self) -> str:
        return "extractive"

    def summarise(self, articles: Sequence[Article]) -> list[Summary]:
        return [self._one(article) for article in articles]

    def _one(self, article: Article) -> Summary:
        # Only the opening sentences are ranked: a summary of a few lines comes from the lead and
        # what echoes it, and ranking is quadratic in the sentences that share a word (a 100 KB
        # article of such sentences took 18 s and 3 GB). Work and memory stay bounded whatever
        # the article's length; splitting the rest into sentences is linear and cheap.
        sentences = split_sentences(article.text)[:MAX_RANKED_SENTENCES]
        if not sentences:
            return Summary(headline="", summary="", engine=self.name)
        # A "sentence" of megabytes (a text with no full stop) is judged by its opening characters.
        words = [content_words(s[:MAX_SENTENCE_CHARS]) for s in sentences]
        return Summary(
            headline=self._headline(article, sentences, words),
            summary=self._summary(article, sentences, words),
            engine=self.name,
        )

    def _summary(self, article: Article, sentences: Sequence[str], words: Sequence[list[str]]) -> str:
        return paragraph(article.text, sentences, words, textrank(words), self.summary_max_chars)

    def _headline(self, article: Article, sentences: Sequence[str], words: Sequence[list[str]]) -> str:
        limit = self.headline_max_chars
        printed = article.page_headline
        if printed and len(printed) <= limit:
            return printed  # the editors' own headline beats any we could cut out
        event = event_headline(sentences, limit)
        if event is not None:
            return event
        weight = Counter(w for sentence_words in words for w in set(sentence_words))
        best: tuple[float, str] | None = None
        best_fitting: tuple[float, str] | None = None
        for sentence in sentences[:2]:
            for printed in split_clauses(sentence[:MAX_SENTENCE_CHARS]):
                clause = _DATE_PREFIX.sub("", printed).strip()
                if len(clause) < _MIN_HEADLINE_CLAUSE:
                    continue
                score = sum(weight[w] for w in set(content_words(clause)))
                if best is None or score > best[0]:
                    best = (score, clause)
                if len(clause) <= limit and (best_fitting is None or score > best_fitting[0]):
                    best_fitting = (score, clause)
        if best is None:
            return cut_at_clause(split_clauses(sentences[0])[0] if split_clauses(sentences[0]) else "", limit)
        # A clause that fits is preferred unless it says much less than the best one.
        if best_fitting is not None and best_fitting[0] >= 0.5 * best[0]:
            return best_fitting[1]
        return cut_at_word(best[1], limit)


def textrank(words: Sequence[Sequence[str]]) -> list[float]:
    """PageRank over the sentence graph whose edge weights are shared content words.

    Most sentence pairs share no content word, so the graph is kept sparse (each node lists only the
    edges into it, already divided by the source's total weight) and iteration stops once the scores
    settle rather than after a fixed count.
    """
    n = len(words)
    if n == 1:
        return [1.0]
    sets = [set(w) for w in words]
    norms = [math.log(len(s) + 1) for s in sets]
    edges: list[list[tuple[int, float]]] = [[] for _ in range(n)]
    out_sums = [0.0] * n
    for i in range(n):
        for j in range(i + 1, n):
            if norms[i] and norms[j]:
                shared = len(sets[i] & sets[j])
                if shared:
                    weight = shared / (norms[i] + norms[j])
                    edges[i].append((j, weight))
                    edges[j].append((i, weight))
                    out_sums[i] += weight
                    out_sums[j] += weight
    # Per node, the sources of its edges and their weights as two lists: the sums below add the same
    # products in the same order as sum(w * scores[j] for j, w in edges), at C speed.
    sources = [[j for j, _ in edges[i]] for i in range(n)]
    shares = [[w / out_sums[j] for j, w in edges[i]] for i in range(n)]
    base = (1 - _DAMPING) / n
    scores = [1.0 / n] * n
    for _ in range(_MAX_ITERATIONS):
        get = scores.__getitem__
        updated = [
            base + _DAMPING * sum(map(mul, share, map(get, source)))
            for share, source in zip(shares, sources, strict=True)
        ]
        settled = max(map(abs, map(sub, updated, scores))) < _TOLERANCE
        scores = updated
        if settled:
            break
    return scores


def content_words(text: str) -> list[str]:
    return [w for w in _cut(text) if w not in _STOPWORDS and _CONTENT.fullmatch(w)]


# Bounded: a worker or the daemon runs for weeks over new text every day (about 5 KB per article).
@lru_cache(maxsize=100_000)
def _cut_cached(text: str) -> tuple[str, ...]:
    return tuple(cut_words(text))


def _cut(text: str) -> tuple[str, ...]:
    # Sentences repeat between summary and headline work; clauses are short, so caching is cheap.
    return _cut_cached(text) if len(text) < 512 else tuple(cut_words(text))


def cut_at_word(text: str, limit: int) -> str:
    """Shorten to ``limit`` characters at a word boundary, marked with an ellipsis."""
    if len(text) <= limit:
        return text
    out = ""
    for word in _cut(text):
        if len(out) + len(word) > limit - 1:
            break
        out += word
    return (out or text[: limit - 1]) + ELLIPSIS
