"""The same story once: articles whose texts are the same or nearly so (wire copy in several papers,
a story reprinted on two pages, a corrected re-publication) are one item of a briefing.

Similarity is the Jaccard index of the texts' character 5-gram sets, estimated with a bottom-k
MinHash sketch (the k smallest shingle hashes of each text; one hash function): two sketches'
union bottom-k and the share of it both hold estimate the Jaccard index, with an error of about
1/sqrt(k). Candidate pairs come from sketches that share any value, so a briefing of hundreds of
articles compares only the few pairs that can match.

The threshold, 0.6: a reprint that corrects a figure, trims a sentence or adds a byline keeps far more
than 60% of its 5-grams (a changed character touches only the five 5-grams around it); two articles
on the same event written separately share names and phrases but few runs of five characters (under
0.2 in the tests' pairs, 0.05 or less across the development pages' articles).
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Sequence
from functools import lru_cache

SHINGLE = 5
_CANDIDATES = 8
SKETCH = 64
THRESHOLD = 0.6
_NOISE = re.compile(r"[\s\W_]+")


@lru_cache(maxsize=8192)
def sketch(text: str) -> tuple[int, ...]:
    """The bottom-k MinHash sketch of ``text``'s character 5-grams (punctuation and spaces ignored).

    Cached: one day's articles are composed into every subscriber's briefing."""
    compact = _NOISE.sub("", text)
    shingles = {compact[i : i + SHINGLE] for i in range(max(1, len(compact) - SHINGLE + 1))}
    # A stable hash (not Python's per-process one), so sketches compare across processes and runs.
    hashes = {int.from_bytes(hashlib.blake2b(s.encode(), digest_size=8).digest(), "big") for s in shingles}
    return tuple(sorted(hashes)[:SKETCH])


def similarity(a: tuple[int, ...], b: tuple[int, ...]) -> float:
    """Estimated Jaccard index of the two texts the sketches were made from."""
    if not a or not b:
        return 0.0
    union = sorted(set(a) | set(b))[:SKETCH]
    both = set(a) & set(b)
    return sum(1 for value in union if value in both) / len(union)


def duplicate_groups(texts: Sequence[str]) -> list[int]:
    """For each text, the index of the first text it duplicates (itself when it is the first)."""
    return list(_groups(tuple(texts)))


@lru_cache(maxsize=256)
def _groups(texts: tuple[str, ...]) -> tuple[int, ...]:
    # Cached: subscribers of the same papers are composed from the same articles.
    sketches = [sketch(text) for text in texts]
    exact: dict[str, int] = {}
    owner = list(range(len(texts)))
    by_value: dict[int, list[int]] = {}
    for i, text in enumerate(texts):
        key = _NOISE.sub("", text)
        if key in exact:
            owner[i] = owner[exact[key]]  # the first printing of that text, itself or what it duplicates
            continue
        exact[key] = i
        # The texts sharing most sketch values are the only ones worth comparing; a bound on them
        # keeps a briefing of boilerplate-heavy texts (all sharing some 5-grams) from going quadratic.
        shared = Counter(j for value in sketches[i] for j in by_value.get(value, ()))
        for j, _ in sorted(shared.most_common(_CANDIDATES), key=lambda pair: pair[0]):
            if similarity(sketches[i], sketches[j]) >= THRESHOLD:
                owner[i] = j
                break
        if owner[i] == i:
            for value in sketches[i]:
                by_value.setdefault(value, []).append(i)
    return tuple(owner)
