"""The seq2seq engine: a Chinese summarisation model writes each article's summary and headline.

Speed comes from batching (articles sorted by input length so batches carry little padding), running
under inference mode with the model loaded once, and encoding each article once for both outputs when
one prompt serves both. Faithfulness comes from the guard: an output with a number, date or quoted
name the article does not contain is generated again with stricter settings, and replaced by the
extractive result if it still fails.
"""

from __future__ import annotations

import logging
import re
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from digest.ingest.clean import clean_line
from digest.models import Article, Summary
from digest.summarise.chunking import plan_input, select_sentences
from digest.summarise.extractive import ExtractiveSummariser, content_words, cut_at_word, textrank
from digest.summarise.guard import ArticleFacts
from digest.summarise.headline_check import headline_problem
from digest.summarise.loading import LoadedModel
from digest.summarise.profiles import GenerationSettings, Output, Prompt
from digest.summarise.sentences import cut_at_clause, split_sentences
from digest.summarise.tokenization import strip_cjk_spaces

log = logging.getLogger(__name__)

Kind = Output
_SENTENCE_END = re.compile(r"(?:[。！？!?]|…+)[”’」』）)》\"']*")
_DIGITS = re.compile(r"\d+")
_UNUSED = re.compile(r"\[unused\d+\]")


@dataclass(frozen=True, slots=True)
class _Job:
    """One text to generate from, and where its outputs go."""

    owner: int  # index of the article (or chunk) the outputs belong to
    text: str
    banned: tuple[int, ...] = ()  # token ids the model may not write for this text


class Seq2SeqSummariser:
    """Summaries and headlines from a loaded seq2seq model, guarded, with extractive fallback."""

    def __init__(
        self,
        loaded: LoadedModel,
        *,
        headline_max_chars: int = 30,
        summary_max_chars: int = 120,
        batch_size: int = 8,
        max_input_tokens: int | None = None,
        generation: GenerationSettings | None = None,
        progress: bool | None = None,
        writes: tuple[Kind, ...] | None = None,
        prompts_dir: Path | None = None,
    ) -> None:
        self.loaded = loaded
        self.profile = loaded.profile
        # What the model writes: the profile's choice unless the settings name another.
        self.writes: tuple[Kind, ...] = writes or loaded.profile.writes
        self.prompt: Prompt = loaded.profile.load_prompt(self.writes, prompts_dir)
        self.headline_max_chars = headline_max_chars
        self.summary_max_chars = summary_max_chars
        self.batch_size = max(1, batch_size)
        self.max_input_tokens = max_input_tokens or loaded.profile.max_input_tokens
        self.generation = generation or loaded.profile.generation
        self.progress = sys.stderr.isatty() if progress is None else progress
        self.fallback = ExtractiveSummariser(headline_max_chars, summary_max_chars)
        self._digit_tokens: list[tuple[int, str]] | None = None

    @property
    def name(self) -> str:
        return f"seq2seq:{self.profile.name}"

    # -- the interface -------------------------------------------------------------------------

    def summarise(self, articles: Sequence[Article]) -> list[Summary]:
        if not articles:
            return []
        started = time.perf_counter()
        inputs = self._inputs(articles)
        sources = [_source_text(a) for a in articles]
        facts = [ArticleFacts.from_article(source) for source in sources]
        outputs = self._generate_written([_Job(i, text) for i, text in enumerate(inputs)], self.generation)
        problems = [self._problems(outputs[i], facts[i], sources[i]) for i in range(len(articles))]

        verdicts: list[str] = ["ok"] * len(articles)
        retry = [i for i, found in enumerate(problems) if found]
        if retry:
            stricter = _stricter(self.generation)
            jobs = [_Job(i, inputs[i], self._banned_numbers(articles[i])) for i in retry]
            for i, written in zip(retry, self._generate_written(jobs, stricter), strict=True):
                outputs[i] = written
                problems[i] = self._problems(written, facts[i], sources[i])
                verdicts[i] = "retried"

        # What the model does not write, or wrote and the guard refused, comes from the extractive engine.
        needs_extractive = len(self.writes) < 2 or any(problems)
        extractive = self.fallback.summarise(articles) if needs_extractive else []
        results: list[Summary] = []
        for i in range(len(articles)):
            kept = {kind: text for kind, text in outputs[i].items() if kind not in problems[i]}
            fallen = [f"{kind} ({problem})" for kind, problem in problems[i].items()]
            results.append(
                Summary(
                    headline=kept.get("headline", extractive[i].headline if extractive else ""),
                    summary=kept.get("summary", extractive[i].summary if extractive else ""),
                    engine=self._engine_label(tuple(kept)),
                    guard="fallback: " + "; ".join(fallen) if fallen else verdicts[i],
                )
            )
        log.info(
            "%s: %d articles in %.1fs (%d retried, %d with fallback)",
            self.name,
            len(articles),
            time.perf_counter() - started,
            len(retry),
            sum(1 for found in problems if found),
        )
        return results

    def _problems(self, written: dict[Kind, str], facts: ArticleFacts, source: str) -> dict[Kind, str]:
        """Why each written output cannot be used (outputs that can are absent)."""
        found: dict[Kind, str] = {}
        for kind, text in written.items():
            problem = _problem(facts, text)
            if problem is None and kind == "headline":
                # One prompt and one decoder for both outputs start them alike: such a headline is
                # the summary cut short, not a headline.
                if _starts(written.get("summary", ""), text):
                    problem = "the summary's opening words"
                else:
                    problem = headline_problem(text, source)
            if problem is not None:
                found[kind] = problem
        return found

    def _engine_label(self, kept: tuple[Kind, ...]) -> str:
        """Who wrote what: the model, the extractive engine, or each one part."""
        if not kept:
            return self.fallback.name
        if len(kept) == 2:
            return self.name
        other: Kind = "summary" if kept[0] == "headline" else "headline"
        return f"{self.name} {kept[0]} + {self.fallback.name} {other}"

    # -- inputs ----------------------------------------------------------------------------------

    def _inputs(self, articles: Sequence[Article]) -> list[str]:
        """The text each article is summarised from, within the model's input budget."""
        budget = self._text_budget()
        plans = []
        for article in articles:
            sentences = split_sentences(article.text) or [article.text]
            # A model that writes no summaries cannot summarise chunks: its input is the article's
            # lead and its most central sentences, as many as fit.
            plans.append(self._plan(sentences, budget, allow_chunks="summary" in self.writes))
        # Articles far over the budget are read in chunks: all chunks of all articles in one batched pass.
        chunk_jobs = [_Job(i, chunk) for i, plan in enumerate(plans) for chunk in plan.chunks]
        if chunk_jobs:
            partial: dict[int, list[str]] = {}
            for job, summary in zip(
                chunk_jobs, self._generate(chunk_jobs, "summary", self.generation), strict=True
            ):
                partial.setdefault(job.owner, []).append(summary)
            for owner, summaries in partial.items():
                joined = split_sentences("".join(_end_sentence(s) for s in summaries if s))
                plans[owner] = self._plan(joined or [articles[owner].text], budget, allow_chunks=False)
        return [plan.text for plan in plans]

    def _plan(self, sentences: list[str], budget: int, *, allow_chunks: bool = True) -> Any:
        tokenizer = self.loaded.tokenizer
        counts = [tokenizer.count(s) for s in sentences]
        scores = (
            textrank([content_words(s) for s in sentences]) if sum(counts) > budget else [0.0] * len(counts)
        )
        plan = plan_input(sentences, counts, scores, budget)
        if plan.chunks and not allow_chunks:
            chosen = select_sentences(counts, scores, budget)
            return replace(plan, text="".join(sentences[i] for i in chosen), chunks=())
        return plan

    def _text_budget(self) -> int:
        """Tokens left for the article once the prompt's own words and the end token are counted."""
        overhead = max(self.loaded.tokenizer.count(self.prompt.render(kind, "")) for kind in self.writes) + 1
        return max(16, self.max_input_tokens - overhead)

    # -- generation ------------------------------------------------------------------------------

    def _generate_written(self, jobs: list[_Job], settings: GenerationSettings) -> list[dict[Kind, str]]:
        """Each output the model writes, for each job; one encoder pass serves both when the prompts agree."""
        if len(self.writes) == 2 and self.prompt.shared:
            return self._run(jobs, self.writes, settings)
        written: list[dict[Kind, str]] = [{} for _ in jobs]
        for kind in self.writes:
            for row, text in zip(written, self._generate(jobs, kind, settings), strict=True):
                row[kind] = text
        return written

    def _generate(self, jobs: list[_Job], kind: Kind, settings: GenerationSettings) -> list[str]:
        return [p[kind] for p in self._run(jobs, (kind,), settings)]

    def _run(
        self, jobs: list[_Job], kinds: tuple[Kind, ...], settings: GenerationSettings
    ) -> list[dict[Kind, str]]:
        tokenizer = self.loaded.tokenizer
        encoded = [
            tokenizer.encode(self._prompted(kinds[0], job.text), self.max_input_tokens) for job in jobs
        ]
        generated = self.generate_ids(encoded, kinds, settings, banned=[job.banned for job in jobs])
        results: list[dict[Kind, str]] = [{} for _ in jobs]
        for kind in kinds:
            texts = tokenizer.decode([row[kind] for row in generated])
            for i, text in enumerate(texts):
                results[i][kind] = self._tidy(text, kind)
        return results

    def generate_ids(
        self,
        encoded: list[list[int]],
        kinds: tuple[Kind, ...],
        settings: GenerationSettings,
        banned: Sequence[tuple[int, ...]] | None = None,
    ) -> list[dict[str, list[int]]]:
        """Generated token ids for each encoded input, per kind: batched, one encoder pass per batch."""
        if self.loaded.backend == "ctranslate2":
            rows: list[dict[str, list[int]]] = self.loaded.model.generate_ids(
                encoded, kinds, settings, banned, self.batch_size
            )
            return rows
        import torch  # noqa: PLC0415
        from transformers.modeling_outputs import BaseModelOutput  # noqa: PLC0415

        model = self.loaded.model
        pad = self.loaded.tokenizer.pad_token_id
        # Longest first: the first batch shows at once whether memory suffices, and sorting by length
        # keeps padding (wasted work) low.
        order = sorted(range(len(encoded)), key=lambda i: -len(encoded[i]))
        batches = [order[i : i + self.batch_size] for i in range(0, len(order), self.batch_size)]
        results: list[dict[str, list[int]]] = [{} for _ in encoded]
        for batch in self._progress(batches, kinds):
            ids, mask = _pad([encoded[i] for i in batch], pad, self.loaded.device)
            # bad_words_ids applies to the whole batch: ban only what no article in it needs.
            forbidden = sorted(set.intersection(*(set(banned[i]) for i in batch))) if banned else []
            with torch.inference_mode():
                encoder = model.get_encoder()(input_ids=ids, attention_mask=mask)
                for kind in kinds:
                    output = model.generate(
                        encoder_outputs=BaseModelOutput(last_hidden_state=encoder.last_hidden_state),
                        attention_mask=mask,
                        **self._generate_kwargs(kind, settings, forbidden),
                    )
                    for i, row in zip(batch, output.tolist(), strict=True):
                        results[i][kind] = [t for t in row if t != pad]
        return results

    def _generate_kwargs(self, kind: Kind, settings: GenerationSettings, banned: list[int]) -> dict[str, Any]:
        most, fewest = settings.new_tokens(kind)
        kwargs: dict[str, Any] = {
            "max_new_tokens": most,
            "num_beams": settings.num_beams,
            "no_repeat_ngram_size": settings.no_repeat_ngram_size,
            "repetition_penalty": settings.repetition_penalty,
            "length_penalty": settings.length_penalty,
            "do_sample": False,
        }
        if fewest:
            kwargs["min_new_tokens"] = fewest
        if settings.num_beams > 1:
            kwargs["early_stopping"] = True
        if banned:
            kwargs["bad_words_ids"] = [[token] for token in banned]
        return kwargs

    def _prompted(self, kind: Kind, text: str) -> str:
        if self.profile.collapse_whitespace:
            text = re.sub(r"\s+", " ", text).strip()
        return self.prompt.render(kind, text)

    def _progress(self, batches: list[list[int]], kinds: tuple[Kind, ...]) -> Any:
        if not self.progress or len(batches) < 2:
            return batches
        from tqdm import tqdm  # noqa: PLC0415  (a dependency of transformers)

        return tqdm(batches, desc="/".join(kinds), unit="batch", file=sys.stderr, leave=False)

    # -- output ----------------------------------------------------------------------------------

    def _tidy(self, text: str, kind: Kind) -> str:
        # BERT vocabularies' unused slots are not special to their tokenizers and decode literally.
        text = _UNUSED.sub("", text)
        if self.profile.strip_cjk_spaces:
            text = strip_cjk_spaces(text)
        text = clean_line(text)
        if kind == "headline":
            text = text.rstrip("。．.，,；;：: ")
            return cut_at_word(text, self.headline_max_chars)
        return _clamp_at_sentence(text, self.summary_max_chars)

    def _banned_numbers(self, article: Article) -> tuple[int, ...]:
        """Vocabulary entries made of digits that occur in none of the article's numbers.

        Banning them on the retry keeps the model from writing a number it has invented; the
        article's own numbers stay reachable through the pieces they are made of.
        """
        if self._digit_tokens is None:
            self._digit_tokens = [
                (i, digits)
                for token, i in self.loaded.tokenizer.vocabulary().items()
                if (digits := token.replace("##", "").replace("\u2581", "")).isdigit()
            ]
        numbers = _DIGITS.findall(_source_text(article))
        return tuple(i for i, digits in self._digit_tokens if not any(digits in n for n in numbers))


def _problem(facts: ArticleFacts, text: str) -> str | None:
    """Why an output cannot be used, or None: empty, degenerate, or stating what the article does not."""
    if not text:
        return "empty"
    if _degenerate(text):
        return "degenerate"
    verdict = facts.supports(text)
    return None if verdict.ok else verdict.label()


def _degenerate(text: str) -> bool:
    """Output a model stuck in a loop writes: mostly punctuation, or one character over and over."""
    words = sum(1 for ch in text if ch.isalnum())
    if words < 0.5 * len(text):
        return True
    most = max(text.count(ch) for ch in set(text))
    return len(text) >= 8 and most > 0.4 * len(text)


def _stricter(settings: GenerationSettings) -> GenerationSettings:
    """Wider beam search and a stronger penalty on repeats: slower, but more conservative output."""
    return replace(
        settings,
        num_beams=min(8, max(4, settings.num_beams * 2)),
        repetition_penalty=settings.repetition_penalty + 0.3,
        no_repeat_ngram_size=max(2, settings.no_repeat_ngram_size),
    )


def _starts(summary: str, headline: str) -> bool:
    """Whether ``headline`` is the opening of ``summary``, punctuation and spaces aside."""
    strip = re.compile(r"[\W_]+")
    bare = strip.sub("", headline)
    return bool(bare) and strip.sub("", summary).startswith(bare)


def _source_text(article: Article) -> str:
    """What the article's outputs may draw on: its text and what the page prints with it."""
    return "\n".join([article.text, article.page_headline or "", *article.captions])


def _pad(rows: list[list[int]], pad_id: int, device: Any) -> tuple[Any, Any]:
    import torch  # noqa: PLC0415

    width = max(len(r) for r in rows)
    ids = torch.full((len(rows), width), pad_id, dtype=torch.long)
    mask = torch.zeros((len(rows), width), dtype=torch.long)
    for i, row in enumerate(rows):
        ids[i, : len(row)] = torch.tensor(row, dtype=torch.long)
        mask[i, : len(row)] = 1
    return ids.to(device), mask.to(device)


def _end_sentence(text: str) -> str:
    return text if _SENTENCE_END.search(text[-3:]) else text + "。"


def _clamp_at_sentence(text: str, limit: int) -> str:
    """At most ``limit`` characters, ending at a sentence end when one fits; else cut and marked."""
    if len(text) <= limit:
        return text
    ends = [m.end() for m in _SENTENCE_END.finditer(text) if m.end() <= limit]
    if ends:
        return text[: ends[-1]]
    return cut_at_clause(text, limit)
