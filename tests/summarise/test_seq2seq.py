"""The seq2seq engine on tiny randomly initialised models of every supported family.

The models write nonsense: these tests assert on behaviour (order, batching, limits, the guard, the
loading paths), never on the words.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import torch

from digest.config import load as load_settings
from digest.ingest.segment import segment
from digest.models import Article, DocumentKind, PageText
from digest.summarise.engines import build_summariser
from digest.summarise.extractive import ExtractiveSummariser
from digest.summarise.guard import ArticleFacts
from digest.summarise.headline_check import headline_problem
from digest.summarise.loading import LoadedModel, RuntimeOptions, load
from digest.summarise.profiles import GenerationSettings, resolve_profile
from digest.summarise.sentences import split_sentences
from digest.summarise.seq2seq import Seq2SeqSummariser, _Job
from tests.summarise.tiny_models import KINDS, SAMPLE, build_tiny_model

CJK_SPACE = "\u4e00-\u9fff"


@pytest.fixture(scope="module")
def articles() -> list[Article]:
    lines = tuple(SAMPLE.read_text(encoding="utf-8").splitlines())
    return segment(PageText("sample", DocumentKind.TEXT, lines))


@pytest.fixture(scope="module")
def model_dirs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("models")
    return {kind: build_tiny_model(kind, root / kind) for kind in KINDS}


def loaded(directory: Path, **options: Any) -> LoadedModel:
    profile = resolve_profile(str(directory), None, directory)
    return load(profile, str(directory), RuntimeOptions(**options))


# Short outputs keep the tests fast; greedy decoding keeps them deterministic.
FAST = GenerationSettings(num_beams=1, summary_max_new_tokens=12, headline_max_new_tokens=6)


@pytest.mark.parametrize("kind", KINDS)
def test_every_family_summarises_the_sample_page(
    kind: str, model_dirs: dict[str, Path], articles: list[Article]
) -> None:
    engine = Seq2SeqSummariser(loaded(model_dirs[kind]), generation=FAST, batch_size=2)
    summaries = engine.summarise(articles)
    assert len(summaries) == len(articles)
    for summary in summaries:
        assert summary.guard is not None
        assert summary.guard == "ok" or summary.guard.startswith(("retried", "fallback"))
        (written,) = (
            engine.writes
        )  # each family writes one output by default, the extractive engine the other
        other = "summary" if written == "headline" else "headline"
        assert summary.engine in (f"{engine.name} {written} + extractive {other}", "extractive")
        assert 0 < len(summary.headline) <= 30
        assert 0 < len(summary.summary) <= 120
        if summary.guard.startswith("fallback") or written == "headline":
            # What the model does not write, or wrote and the guard refused, is the extractive engine's.
            assert summary.summary.startswith(("盛夏", "7月", "进入", "为进一步"))


@pytest.mark.parametrize("kind", KINDS)
def test_a_headline_is_never_the_opening_of_its_summary(
    kind: str, model_dirs: dict[str, Path], articles: list[Article]
) -> None:
    # Asked for both from one prompt, greedy decoding starts both outputs with the same tokens: the
    # "headline" would be the summary cut short. The guard replaces it with the extractive headline.
    engine = Seq2SeqSummariser(
        loaded(model_dirs[kind]), generation=FAST, batch_size=2, writes=("summary", "headline")
    )
    first = engine._generate_written([_Job(i, a.text) for i, a in enumerate(articles)], FAST)
    assert all(_bare(w["summary"]).startswith(_bare(w["headline"])) for w in first)  # the defect
    summaries = engine.summarise(articles)
    extractive = ExtractiveSummariser().summarise(articles)
    for got, fallback in zip(summaries, extractive, strict=True):
        assert not _bare(got.summary).startswith(_bare(got.headline))
        assert got.guard is not None
        if got.guard.startswith("fallback") and "headline" in got.guard:
            assert got.headline == fallback.headline


def _bare(text: str) -> str:
    return "".join(ch for ch in text if ch.isalnum())


@pytest.mark.parametrize("kind", ["pegasus", "bart"])
def test_an_accepted_model_headline_says_who_did_what(
    kind: str, model_dirs: dict[str, Path], articles: list[Article]
) -> None:
    engine = Seq2SeqSummariser(loaded(model_dirs[kind]), generation=FAST, batch_size=2)
    assert engine.writes == ("headline",)
    for article, summary in zip(articles, engine.summarise(articles), strict=True):
        assert summary.guard is not None
        if summary.guard.startswith("fallback"):
            assert summary.guard.startswith("fallback: headline (")
            assert summary.engine == "extractive"
        else:
            assert headline_problem(summary.headline, article.text) is None


def test_the_guard_refuses_headlines_that_are_no_headlines(
    model_dirs: dict[str, Path], articles: list[Article]
) -> None:
    engine = Seq2SeqSummariser(loaded(model_dirs["pegasus"]), generation=FAST)
    source = articles[0].text
    facts = ArticleFacts.from_article(source)
    assert engine._problems({"headline": "为在高温酷暑下坚守一线的基层工作者送去清凉"}, facts, source) == {
        "headline": "opens with 为"
    }
    assert engine._problems({"headline": "汾阳县总工会开展送清凉活动"}, facts, source) == {
        "headline": "names 汾阳县, which the article does not"
    }
    assert engine._problems({"headline": "交城县总工会开展送清凉活动"}, facts, source) == {}
    both = {
        "summary": "交城县总工会开展送清凉活动，为职工送去关怀。",
        "headline": "交城县总工会开展送清凉活动",
    }
    assert engine._problems(both, facts, source) == {"headline": "the summary's opening words"}


def test_bert_vocabulary_models_lose_their_spaces(
    model_dirs: dict[str, Path], articles: list[Article]
) -> None:
    model = loaded(model_dirs["bart"])
    assert model.profile.strip_cjk_spaces
    engine = Seq2SeqSummariser(model, generation=FAST)
    encoded = [model.tokenizer.encode(a.text[:60], 64) for a in articles]
    raw = model.tokenizer.decode([r["summary"] for r in engine.generate_ids(encoded, ("summary",), FAST)])
    tidy = [engine._tidy(text, "summary") for text in raw]
    assert any(" " in text for text in raw)  # BertTokenizer decodes with a space between characters
    for text in tidy:
        assert not any(
            a != " " and b == " " and c != " "
            for a, b, c in zip(text, text[1:], text[2:], strict=False)
            if "\u4e00" <= a <= "\u9fff" and "\u4e00" <= c <= "\u9fff"
        )


def test_results_keep_input_order_whatever_the_batching(
    model_dirs: dict[str, Path], articles: list[Article]
) -> None:
    model = loaded(model_dirs["pegasus"])
    texts = [a.text[: 20 + 25 * i] for i, a in enumerate(articles)]  # different lengths, unsorted
    encoded = [model.tokenizer.encode(t, 128) for t in texts]
    one_by_one = Seq2SeqSummariser(model, batch_size=1).generate_ids(encoded, ("summary",), FAST)
    batched = Seq2SeqSummariser(model, batch_size=4).generate_ids(encoded, ("summary",), FAST)
    assert batched == one_by_one


@pytest.fixture
def encoder_calls(model_dirs: dict[str, Path]) -> Iterator[tuple[LoadedModel, list[int]]]:
    model = loaded(model_dirs["pegasus"])
    calls: list[int] = []
    handle = model.model.get_encoder().register_forward_hook(
        lambda _module, args, kwargs, output: calls.append(1), with_kwargs=True
    )
    yield model, calls
    handle.remove()


def test_each_article_is_encoded_once_for_summary_and_headline(
    encoder_calls: tuple[LoadedModel, list[int]], articles: list[Article]
) -> None:
    model, calls = encoder_calls
    engine = Seq2SeqSummariser(model, batch_size=2, generation=replace(FAST, num_beams=2))
    encoded = [model.tokenizer.encode(a.text, 128) for a in articles]
    engine.generate_ids(encoded, ("summary", "headline"), engine.generation)
    assert len(calls) == 3  # five articles in batches of two: three encoder passes, not six or ten


def test_long_articles_are_selected_then_chunked(
    encoder_calls: tuple[LoadedModel, list[int]], articles: list[Article]
) -> None:
    model, calls = encoder_calls
    engine = Seq2SeqSummariser(
        model, generation=FAST, max_input_tokens=40, batch_size=64, writes=("summary",)
    )
    budget = engine._text_budget()
    inputs = engine._inputs(articles)
    assert calls, "articles far over the budget are first summarised in chunks"
    assert len(inputs) == len(articles)
    for text in inputs:
        assert text
        # Within the budget, unless a single lead sentence is already longer (the tokenizer cuts it).
        assert model.tokenizer.count(text) <= budget or len(split_sentences(text)) == 1
    # An article within the budget is passed whole.
    short = Article(index=1, paragraphs=("县里召开会议。会议要求落实责任。",))
    assert engine._inputs([short]) == ["县里召开会议。会议要求落实责任。"]


def test_a_headline_writer_reads_the_lead_and_central_sentences_not_chunk_summaries(
    encoder_calls: tuple[LoadedModel, list[int]], articles: list[Article]
) -> None:
    # A model that writes no summaries cannot summarise chunks; it is given what fits of the article.
    model, calls = encoder_calls
    engine = Seq2SeqSummariser(model, generation=FAST, max_input_tokens=40, writes=("headline",))
    budget = engine._text_budget()
    inputs = engine._inputs(articles)
    assert not calls
    for article, text in zip(articles, inputs, strict=True):
        sentences = split_sentences(text)
        assert sentences[0] == split_sentences(article.text)[0]  # the lead always
        assert all(s in article.text for s in sentences)
        assert model.tokenizer.count(text) <= budget or len(sentences) == 1


def _biased(directory: Path, token: str) -> LoadedModel:
    """A tiny Pegasus that writes ``token`` whenever it can: a model that insists on a fact."""
    model = loaded(directory)
    token_id = model.tokenizer.vocabulary()[token]
    with torch.no_grad():
        model.model.final_logits_bias[0, token_id] = 1e4
    return model


def test_a_looping_model_falls_back_to_the_extractive_result(tmp_path: Path, articles: list[Article]) -> None:
    model = _biased(build_tiny_model("pegasus", tmp_path / "quote"), "“")
    engine = Seq2SeqSummariser(model, generation=FAST)
    summaries = engine.summarise(articles[:2])
    extractive = ExtractiveSummariser().summarise(articles[:2])
    for got, fallback in zip(summaries, extractive, strict=True):
        assert got.guard == "fallback: headline (degenerate)"
        assert got.engine == "extractive"
        assert (got.headline, got.summary) == (fallback.headline, fallback.summary)


def test_an_invented_number_is_banned_on_the_retry(tmp_path: Path, articles: list[Article]) -> None:
    # 2023 does not occur in the first article; the model insists on writing it.
    model = _biased(build_tiny_model("pegasus", tmp_path / "number"), "2023")
    engine = Seq2SeqSummariser(model, generation=FAST)
    (summary,) = engine.summarise(articles[:1])
    assert summary.guard is not None and summary.guard != "ok"
    assert "2023" not in summary.summary and "2023" not in summary.headline
    banned = engine._banned_numbers(articles[0])
    vocabulary = model.tokenizer.vocabulary()
    assert vocabulary["2023"] in banned
    assert vocabulary["2024"] not in banned and vocabulary["13"] not in banned


def test_int8_quantisation_runs_on_cpu(model_dirs: dict[str, Path], articles: list[Article]) -> None:
    model = loaded(model_dirs["pegasus"], quantize="int8")
    assert model.quantized
    summaries = Seq2SeqSummariser(model, generation=FAST).summarise(articles[:2])
    assert len(summaries) == 2


def test_the_configured_engine_is_built_from_settings(model_dirs: dict[str, Path]) -> None:
    settings = load_settings(
        environ={"DIGEST_SUMMARISE_ENGINE": "seq2seq", "DIGEST_SUMMARISE_MODEL": str(model_dirs["t5"])}
    ).summarise
    engine = build_summariser(settings)
    assert isinstance(engine, Seq2SeqSummariser)
    assert engine.profile.architecture == "t5"
    assert engine.name == f"seq2seq:local:{model_dirs['t5'].name}"
