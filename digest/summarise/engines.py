"""Choosing and building the summarising engine the settings ask for."""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from digest.config import SummariseSettings
from digest.errors import ConfigError
from digest.summarise.base import Summariser
from digest.summarise.extractive import ExtractiveSummariser

if TYPE_CHECKING:
    from digest.summarise.loading import LoadedModel, RuntimeOptions
    from digest.summarise.profiles import ModelProfile

log = logging.getLogger(__name__)

ENGINES = ("extractive", "seq2seq", "auto")


def build_summariser(settings: SummariseSettings, warn: Callable[[str], None] = log.warning) -> Summariser:
    """The configured engine; ``auto`` falls back to extractive (with a warning) when no model loads."""
    extractive = ExtractiveSummariser(settings.headline_max_chars, settings.summary_max_chars)
    if settings.engine == "extractive":
        return extractive
    from digest.summarise.loading import ModelUnavailable  # noqa: PLC0415

    try:
        return _seq2seq(settings)
    except (ModelUnavailable, ConfigError) as exc:
        if settings.engine == "auto":
            warn(f"{exc.message}; using the extractive engine instead")
            return extractive
        raise


def _seq2seq(settings: SummariseSettings) -> Summariser:
    from digest.summarise.loading import RuntimeOptions  # noqa: PLC0415
    from digest.summarise.profiles import PROFILES, WRITES, resolve_profile  # noqa: PLC0415
    from digest.summarise.seq2seq import Seq2SeqSummariser  # noqa: PLC0415

    model = PROFILES[settings.model].model_id if settings.model in PROFILES else settings.model
    options = RuntimeOptions(
        device=settings.device,
        dtype=settings.dtype,
        quantize=settings.quantize,
        cache_dir=Path(settings.cache_dir).expanduser() if settings.cache_dir else None,
        offline=settings.offline,
        backend=settings.backend,
        threads=settings.threads,
    )
    local = Path(model).expanduser()
    profile = resolve_profile(settings.model, settings.profile or None, local if local.is_dir() else None)
    loaded = _load(profile, model, options)
    return Seq2SeqSummariser(
        loaded,
        headline_max_chars=settings.headline_max_chars,
        summary_max_chars=settings.summary_max_chars,
        batch_size=settings.batch_size,
        max_input_tokens=settings.max_input_tokens or None,
        writes=WRITES.get(settings.model_writes),
        prompts_dir=Path(settings.prompts_dir).expanduser() if settings.prompts_dir else None,
    )


@lru_cache(maxsize=2)
def _load(profile: ModelProfile, model: str, options: RuntimeOptions) -> LoadedModel:
    """Load each model once per process: the daemon builds its engine every cycle."""
    from digest.summarise.ct2_backend import choose_backend, load_ct2  # noqa: PLC0415
    from digest.summarise.loading import ModelUnavailable, load, resolve_directory  # noqa: PLC0415

    if choose_backend(options) == "ctranslate2":
        directory = resolve_directory(model, options)
        try:
            return load_ct2(profile, directory, options)
        except ModelUnavailable as exc:
            if options.backend != "auto":
                raise
            # auto promised a model that runs, not a runtime: torch runs what CTranslate2 cannot.
            log.warning("%s; running %s on torch instead", exc.message, profile.name)
            return load(profile, str(directory), options)
    return load(profile, model, options)
