"""Fitting articles to what a model was trained to read.

The Randeng models were fine-tuned on 128-token inputs: feeding them a whole article (or cutting it
at the token limit) wastes the article's best sentences. Instead the input is the lead plus the most
salient sentences that fit, in their original order. An article far beyond the budget is read in
chunks whose summaries are then summarised together.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

# Beyond this many budgets of text, selecting sentences would drop most of the article: chunk it.
CHUNK_FACTOR = 4


@dataclass(frozen=True, slots=True)
class InputPlan:
    """What to feed the model for one article: either one text, or chunks to summarise first."""

    text: str
    chunks: tuple[str, ...] = ()


def select_sentences(counts: Sequence[int], scores: Sequence[float], budget: int) -> list[int]:
    """Indices of the lead and the best-scoring sentences that fit ``budget`` tokens, in page order.

    The lead is always kept, even when it alone is over budget (the tokenizer then cuts it).
    """
    if not counts:
        return []
    chosen = {0}
    used = counts[0]
    for i in sorted(range(1, len(counts)), key=lambda k: (-scores[k], k)):
        if used + counts[i] <= budget:
            chosen.add(i)
            used += counts[i]
    return sorted(chosen)


def chunk_sentences(counts: Sequence[int], budget: int) -> list[list[int]]:
    """Consecutive groups of sentences, each within ``budget`` tokens (a longer sentence stands alone)."""
    chunks: list[list[int]] = []
    current: list[int] = []
    used = 0
    for i, count in enumerate(counts):
        if current and used + count > budget:
            chunks.append(current)
            current, used = [], 0
        current.append(i)
        used += count
    if current:
        chunks.append(current)
    return chunks


def plan_input(
    sentences: Sequence[str], counts: Sequence[int], scores: Sequence[float], budget: int
) -> InputPlan:
    """Decide how an article meets the model: whole, selected down to the budget, or chunked."""
    total = sum(counts)
    if total <= budget:
        return InputPlan("".join(sentences))
    if total > CHUNK_FACTOR * budget:
        groups = chunk_sentences(counts, budget)
        return InputPlan("", tuple("".join(sentences[i] for i in group) for group in groups))
    return InputPlan("".join(sentences[i] for i in select_sentences(counts, scores, budget)))
