from __future__ import annotations

from digest.summarise.chunking import CHUNK_FACTOR, chunk_sentences, plan_input, select_sentences


def test_selection_keeps_the_lead_and_the_best_that_fit_in_page_order() -> None:
    counts = [10, 8, 8, 8, 8]
    scores = [0.1, 0.2, 0.9, 0.1, 0.8]
    assert select_sentences(counts, scores, budget=26) == [0, 2, 4]
    assert select_sentences(counts, scores, budget=5) == [0]  # the lead stays even when too long
    assert select_sentences([], [], budget=5) == []


def test_chunks_are_consecutive_and_within_budget() -> None:
    assert chunk_sentences([5, 5, 5, 12, 3], budget=10) == [[0, 1], [2], [3], [4]]


def test_plan_passes_short_articles_whole_selects_medium_and_chunks_long() -> None:
    sentences = [f"第{i}句。" for i in range(8)]
    whole = plan_input(sentences, [1] * 8, [0.0] * 8, budget=10)
    assert (whole.text, whole.chunks) == ("".join(sentences), ())
    medium = plan_input(sentences, [3] * 8, [float(i) for i in range(8)], budget=10)
    assert medium.text == "第0句。第6句。第7句。" and medium.chunks == ()
    long = plan_input(sentences, [CHUNK_FACTOR * 2] * 8, [0.0] * 8, budget=10)
    assert long.text == "" and long.chunks == tuple(sentences)
