"""The CTranslate2 backend: the same model, converted once, run by CTranslate2 instead of torch.

Loading needs no torch at all (only the conversion does, once), which is what lets a small server run
a model: the int8 model of Randeng-Pegasus-238M peaks far below torch's. Generation mirrors the torch
path so that float32 output is the same token for token under greedy search:

* transformers writes the end token at ``max_new_tokens`` (``forced_eos_token_id``); CTranslate2 stops
  at ``max_decoding_length`` without one. Decoding one step less and adding the end token gives the
  same row.
* the guard's banned tokens become ``suppress_sequences``; min/max lengths, no-repeat n-grams, the
  repetition and length penalties and the beam width carry over.

Beam search is not identical: in beam search transformers applies the repetition penalty to
log-probabilities, CTranslate2 to logits, and they finish beams differently; the model's scores are
the same (see the tests' teacher-forced comparison).

On a CPU, batches run in parallel on single-thread replicas (one per core): two one-thread replicas do
more than one two-thread replica, since a small batch's matrix products do not keep two threads busy.
"""

from __future__ import annotations

import json
import logging
import math
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from digest.summarise.ct2_convert import META_FILE, converted_model
from digest.summarise.loading import LoadedModel, ModelUnavailable, RuntimeOptions, load_tokenizer
from digest.summarise.profiles import GenerationSettings, ModelProfile, Output

log = logging.getLogger(__name__)


def available() -> bool:
    """Whether CTranslate2 can be imported here."""
    try:
        import ctranslate2  # noqa: F401, PLC0415
    except ImportError:
        return False
    return True


def choose_backend(options: RuntimeOptions) -> str:
    """torch or ctranslate2 for these options; auto takes CTranslate2 where it is installed and can run."""
    if options.backend == "torch":
        return "torch"
    if options.backend == "ctranslate2":
        if not available():
            raise ModelUnavailable(
                "the CTranslate2 backend is not installed; install it with: pip install 'digest[ct2]' "
                '(or set [summarise] backend = "torch")'
            )
        return "ctranslate2"
    # auto: torch where CTranslate2 cannot follow the settings (Apple GPUs, half precision on a CPU).
    if (
        not available()
        or options.device == "mps"
        or (options.device == "cpu" and options.dtype in ("float16", "bfloat16"))
    ):
        return "torch"
    return "ctranslate2"


@dataclass(frozen=True, slots=True)
class Placement:
    """Where and how the converted model runs."""

    device: str  # cpu or cuda
    device_index: int
    compute_type: str  # also the quantisation the model is stored in
    replicas: int
    threads: int  # per replica


def ctranslate2_gpus() -> int:
    """How many CUDA GPUs CTranslate2 sees (0 with a CPU-only build)."""
    import ctranslate2  # noqa: PLC0415

    return int(ctranslate2.get_cuda_device_count())


def placement(options: RuntimeOptions, profile: ModelProfile) -> Placement:
    """Device, compute type and replicas × threads for the options, checked against what is here."""
    gpus = ctranslate2_gpus()
    requested = options.device
    if requested == "mps":
        raise ModelUnavailable('CTranslate2 does not run on mps; use [summarise] backend = "torch"')
    if requested.startswith("cuda") and gpus == 0:
        raise ModelUnavailable(
            "device cuda was asked for, but CTranslate2 sees no CUDA GPU; use --device cpu"
        )
    on_gpu = requested.startswith("cuda") or (requested == "auto" and gpus > 0)
    index = int(requested.split(":")[1]) if ":" in requested else 0
    if on_gpu:
        half = "float16" if profile.fp16_safe else "bfloat16"
        if options.quantize == "int8":
            compute = f"int8_{half}"
        else:
            compute = half if options.dtype == "auto" else options.dtype
        return Placement("cuda", index, compute, replicas=1, threads=1)
    if options.dtype in ("float16", "bfloat16"):
        raise ModelUnavailable(
            f"{options.dtype} runs on a GPU only; on the CPU use float32 or --quantize int8"
        )
    compute = "int8" if options.quantize == "int8" else "float32"
    cores = options.threads or len(os.sched_getaffinity(0))
    return Placement("cpu", 0, compute, replicas=max(1, cores), threads=1)


def load_ct2(profile: ModelProfile, directory: Path, options: RuntimeOptions) -> LoadedModel:
    """The tokenizer and the converted model (converted now if it is not cached), ready to generate."""
    import ctranslate2  # noqa: PLC0415

    place = placement(options, profile)
    tokenizer = load_tokenizer(profile, directory)
    converted = converted_model(directory, profile, tokenizer, place.compute_type, options.cache_dir)
    try:
        translator = ctranslate2.Translator(
            str(converted),
            device=place.device,
            device_index=place.device_index,
            compute_type=place.compute_type,
            inter_threads=place.replicas,
            intra_threads=place.threads,
        )
        meta = json.loads((converted / META_FILE).read_text(encoding="utf-8"))
        tokens = json.loads((converted / "shared_vocabulary.json").read_text(encoding="utf-8"))
    except (RuntimeError, ValueError, OSError) as exc:
        raise ModelUnavailable(
            f"{converted}: the converted model cannot be loaded ({str(exc).splitlines()[0]}); delete that "
            "folder to convert again"
        ) from None
    runner = CT2Model(translator, tokens, meta, place, converted)
    log.info(
        "loaded %s from %s with CTranslate2 on %s as %s (%d × %d threads)",
        profile.name,
        converted,
        place.device,
        place.compute_type,
        place.replicas,
        place.threads,
    )
    return LoadedModel(
        profile,
        runner,
        tokenizer,
        place.device,
        place.compute_type,
        directory,
        quantized=place.compute_type.startswith("int8"),
        backend="ctranslate2",
    )


class CT2Model:
    """A CTranslate2 translator with digest's vocabulary and the torch path's row conventions."""

    def __init__(
        self, translator: Any, tokens: list[str], meta: dict[str, Any], place: Placement, path: Path
    ) -> None:
        self.translator = translator
        self.path = path  # the converted model's folder
        self.tokens = tokens
        self.ids = {token: index for index, token in enumerate(tokens)}
        self.pad_id: int = meta["pad_id"]
        self.eos_id: int = meta["eos_id"]
        self.start_id: int = meta["decoder_start_id"]
        self.forced_eos: bool = meta["forced_eos"]
        self.placement = place

    def source(self, row: Sequence[int]) -> list[str]:
        return [self.tokens[i] for i in row]

    def generate_ids(
        self,
        encoded: list[list[int]],
        kinds: tuple[Output, ...],
        settings: GenerationSettings,
        banned: Sequence[tuple[int, ...]] | None,
        batch_size: int,
    ) -> list[dict[str, list[int]]]:
        """Rows as the torch path returns them: decoder start (unless it is padding), tokens, end token."""
        order = sorted(range(len(encoded)), key=lambda i: -len(encoded[i]))
        # Batches in a multiple of the replicas, evenly filled, so that no replica idles at the end
        # (40 articles on 2 replicas: 6 batches of 7 or fewer, not 5 of 8), and a page smaller than
        # a batch still runs on every replica.
        replicas = self.placement.replicas
        count = math.ceil(math.ceil(len(order) / batch_size) / replicas) * replicas
        size = max(1, math.ceil(len(order) / count))
        batches = [order[i : i + size] for i in range(0, len(order), size)]
        # Every batch of every output is submitted before any is collected: the replicas never wait
        # for the slowest batch of one output before starting the next.
        pending = [
            (kind, batch, self._submit([encoded[i] for i in batch], kind, settings, batch, banned))
            for kind in kinds
            for batch in batches
        ]
        results: list[dict[str, list[int]]] = [{} for _ in encoded]
        for kind, batch, futures in pending:
            for i, future in zip(batch, futures, strict=True):
                results[i][kind] = self._row(future.result().hypotheses[0], settings, kind)
        return results

    def _submit(
        self,
        rows: list[list[int]],
        kind: Output,
        settings: GenerationSettings,
        batch: list[int],
        banned: Sequence[tuple[int, ...]] | None,
    ) -> Any:
        # Like bad_words_ids on the torch path, suppression holds for the whole batch: ban only what
        # no article in it needs.
        forbidden = sorted(set.intersection(*(set(banned[i]) for i in batch))) if banned else []
        longest, shortest = self._lengths(kind, settings)
        return self.translator.translate_batch(
            [self.source(row) for row in rows],
            beam_size=settings.num_beams,
            max_decoding_length=longest,
            min_decoding_length=min(shortest, longest),
            no_repeat_ngram_size=settings.no_repeat_ngram_size,
            repetition_penalty=settings.repetition_penalty,
            length_penalty=settings.length_penalty,
            suppress_sequences=[[self.tokens[t]] for t in forbidden] or None,
            max_input_length=0,  # inputs are already fitted to the model's budget
            return_end_token=True,
            asynchronous=True,
        )

    def _lengths(self, kind: Output, settings: GenerationSettings) -> tuple[int, int]:
        longest, shortest = settings.new_tokens(kind)
        return (longest - 1 if self.forced_eos else longest), shortest

    def _row(self, hypothesis: list[str], settings: GenerationSettings, kind: Output) -> list[int]:
        row = [self.ids[token] for token in hypothesis]
        longest, _ = self._lengths(kind, settings)
        if self.forced_eos and len(row) == longest and (not row or row[-1] != self.eos_id):
            row.append(self.eos_id)
        if self.start_id != self.pad_id:
            row.insert(0, self.start_id)
        return [t for t in row if t != self.pad_id]
