"""Model profiles: everything digest must know to run one seq2seq summarisation model well.

A profile names the architecture, how to load its tokenizer, its prompt template, how much input it
was trained on and how to generate. The registry is a plain dict; a model that is not in it (a hub id
or a local directory) gets a profile inferred from its config.json.
"""

from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal

from digest.errors import ConfigError
from digest.shipped import shipped

Architecture = Literal["pegasus", "t5", "mt5", "bart"]
TokenizerKind = Literal["pegasus-jieba", "sentencepiece", "bert"]
Output = Literal["summary", "headline"]
# What a model writes, as [summarise] model_writes names it; "profile" defers to the profile.
WRITES: dict[str, tuple[Output, ...]] = {
    "headline": ("headline",),
    "summary": ("summary",),
    "both": ("summary", "headline"),
}


@dataclass(frozen=True, slots=True)
class GenerationSettings:
    num_beams: int = 4
    summary_max_new_tokens: int = 64
    headline_max_new_tokens: int = 24
    # Loops are the commonest failure of small summarisers; these defaults keep them out.
    no_repeat_ngram_size: int = 3
    repetition_penalty: float = 1.2
    length_penalty: float = 1.0
    # Lower bounds on output length (0: none); benchmarks force equal lengths with them.
    summary_min_new_tokens: int = 0
    headline_min_new_tokens: int = 0

    def new_tokens(self, kind: Output) -> tuple[int, int]:
        """The most and the fewest new tokens for ``kind`` (0: no lower bound)."""
        if kind == "summary":
            return self.summary_max_new_tokens, self.summary_min_new_tokens
        return self.headline_max_new_tokens, self.headline_min_new_tokens


@dataclass(frozen=True, slots=True)
class Prompt:
    """The text a model is given for each output it writes; ``{text}`` stands for the article."""

    summary: str | None
    headline: str | None

    def render(self, kind: Output, text: str) -> str:
        template = self.summary if kind == "summary" else self.headline
        if template is None:
            raise ConfigError(f"the prompt has no {kind} template")
        return template.replace("{text}", text)

    @property
    def shared(self) -> bool:
        """One encoding serves both outputs when both prompts are the same."""
        return self.summary == self.headline


@dataclass(frozen=True, slots=True)
class ModelProfile:
    name: str
    model_id: str
    architecture: Architecture
    tokenizer: TokenizerKind
    prompt: str
    max_input_tokens: int
    generation: GenerationSettings = field(default_factory=GenerationSettings)
    # T5 and mT5 overflow in float16 (their activations exceed its range); bfloat16 is fine.
    fp16_safe: bool = True
    # BERT-vocabulary BART/CPT models decode with a space between every two characters.
    strip_cjk_spaces: bool = False
    size: str = ""
    licence: str = ""
    # Some inputs need whitespace collapsed the way the model saw them in training.
    collapse_whitespace: bool = False
    # Which outputs the model writes; the extractive engine writes the others. A model is asked
    # only for what it was trained to write: a model trained on short titles writes headlines, one
    # trained on summaries writes summaries. Asking one prompt for both gives a headline that is
    # the summary's first words.
    writes: tuple[Output, ...] = ("headline",)

    def load_prompt(self, writes: tuple[Output, ...] | None = None, directory: Path | None = None) -> Prompt:
        """The profile's prompt from ``directory`` (default: digest's own prompts/), checked to have a
        template for each output the model writes."""
        name = f"{self.prompt}.toml"
        path = (directory or shipped("prompts")) / name
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except OSError as exc:
            raise ConfigError(
                f"cannot read the prompt {path} ({exc.strerror or exc}); [summarise] prompts_dir must "
                f"hold a {name} for the model {self.name} (copy digest's prompts/ folder there)"
            ) from None
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError(f"the prompt {path} is not valid TOML: {exc}") from None
        templates = {kind: data.get(kind) for kind in ("summary", "headline")}
        for kind, template in templates.items():
            if template is not None and (not isinstance(template, str) or "{text}" not in template):
                raise ConfigError(f"the prompt {path}: {kind} must be a string holding {{text}}")
        prompt = Prompt(summary=templates["summary"], headline=templates["headline"])
        for kind in writes or self.writes:
            if getattr(prompt, kind) is None:
                raise ConfigError(
                    f"prompt {name} has no {kind} template, so {self.name} cannot write {kind}s; "
                    f"set [summarise] model_writes to what the prompt has"
                )
        return prompt


PROFILES: dict[str, ModelProfile] = {
    "randeng-pegasus-238m": ModelProfile(
        name="randeng-pegasus-238m",
        model_id="IDEA-CCNL/Randeng-Pegasus-238M-Summary-Chinese",
        architecture="pegasus",
        tokenizer="pegasus-jieba",
        prompt="plain",
        # Fine-tuned with 128 input tokens: longer inputs are selected down to that, not truncated.
        max_input_tokens=128,
        # Fine-tuned on LCSTS, whose targets are short titles: a headline writer.
        writes=("headline",),
        size="238M parameters, about 0.95 GB download",
        licence="Apache-2.0",
    ),
    "randeng-pegasus-523m": ModelProfile(
        name="randeng-pegasus-523m",
        model_id="IDEA-CCNL/Randeng-Pegasus-523M-Summary-Chinese",
        architecture="pegasus",
        tokenizer="pegasus-jieba",
        prompt="plain",
        max_input_tokens=128,
        writes=("headline",),
        size="523M parameters, about 2.1 GB download; meant for a GPU",
        licence="Apache-2.0",
    ),
    "randeng-t5-multitask": ModelProfile(
        name="randeng-t5-multitask",
        model_id="IDEA-CCNL/Randeng-T5-784M-MultiTask-Chinese",
        architecture="t5",
        tokenizer="sentencepiece",
        prompt="randeng-t5-multitask",
        max_input_tokens=512,
        # Its instruction set has a summarisation task and no title task.
        writes=("summary",),
        fp16_safe=False,
        size="784M parameters, about 3.1 GB download; meant for a GPU",
        licence="Apache-2.0",
    ),
    "randeng-t5-77m-multitask": ModelProfile(
        name="randeng-t5-77m-multitask",
        model_id="IDEA-CCNL/Randeng-T5-77M-MultiTask-Chinese",
        architecture="t5",
        tokenizer="sentencepiece",
        prompt="randeng-t5-multitask",
        max_input_tokens=512,
        # Its instruction set has a summarisation task and no title task.
        writes=("summary",),
        fp16_safe=False,
        size="77M parameters, about 0.3 GB download",
        licence="Apache-2.0",
    ),
    "mt5-xlsum": ModelProfile(
        name="mt5-xlsum",
        model_id="csebuetnlp/mT5_multilingual_XLSum",
        architecture="mt5",
        tokenizer="sentencepiece",
        prompt="plain",
        max_input_tokens=512,
        # XL-Sum's targets are one- or two-sentence summaries.
        writes=("summary",),
        generation=GenerationSettings(
            num_beams=4, summary_max_new_tokens=84, no_repeat_ngram_size=2, repetition_penalty=1.0
        ),
        fp16_safe=False,
        size="580M parameters, about 2.3 GB download",
        licence="CC BY-NC-SA 4.0: non-commercial use only",
        collapse_whitespace=True,
    ),
}

DEFAULT_PROFILE = "randeng-pegasus-238m"

_BY_ARCHITECTURE: dict[str, tuple[Architecture, TokenizerKind, bool]] = {
    "pegasus": ("pegasus", "pegasus-jieba", True),
    "t5": ("t5", "sentencepiece", False),
    "mt5": ("mt5", "sentencepiece", False),
    "bart": ("bart", "bert", True),
}
# What a model of each family that digest does not know most likely writes: Chinese Pegasus and BART
# summarisers are mostly LCSTS fine-tunes (title-length targets); T5 and mT5 ones mostly summary
# fine-tunes. [summarise] model_writes overrides it.
_WRITES_BY_ARCHITECTURE: dict[Architecture, tuple[Output, ...]] = {
    "pegasus": ("headline",),
    "bart": ("headline",),
    "t5": ("summary",),
    "mt5": ("summary",),
}


def resolve_profile(
    model: str | None, profile: str | None = None, local_dir: Path | None = None
) -> ModelProfile:
    """The profile for ``model`` (a profile name, a hub id or a local directory).

    ``profile`` names a registered profile to use for a model the registry does not know; without it
    the architecture is read from the model's config.json (``local_dir``, when the files are local).
    """
    if model in PROFILES:
        return PROFILES[model]
    if model is None:
        return PROFILES[profile or DEFAULT_PROFILE]
    for known in PROFILES.values():
        if known.model_id == model:
            return known
    if profile:
        if profile not in PROFILES:
            raise ConfigError(
                f"unknown model profile {profile!r}; choose one of {', '.join(sorted(PROFILES))}"
            )
        return replace(PROFILES[profile], name=f"{profile}:{model}", model_id=model)
    if local_dir is None:
        if looks_like_path(model):
            raise ConfigError(
                f"{model}: no such model directory; check the path, or give a hub id like org/name"
            )
        raise ConfigError(
            f"digest has no profile for {model!r}; give one with --profile (one of "
            f"{', '.join(sorted(PROFILES))}) or use a local directory with a config.json"
        )
    return _infer(model, local_dir)


def looks_like_path(model: str) -> bool:
    """Hub ids are exactly "org/name"; anything else that names a model is meant as a local path."""
    return model.startswith((".", "/", "~")) or model.count("/") != 1


def _infer(model: str, directory: Path) -> ModelProfile:
    try:
        config = json.loads((directory / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigError(
            f"{directory}: cannot read config.json ({exc}); is this a model directory?"
        ) from None
    model_type = str(config.get("model_type", ""))
    if model_type not in _BY_ARCHITECTURE:
        raise ConfigError(
            f"{directory}: model_type {model_type!r} is not a supported seq2seq architecture "
            f"({', '.join(sorted(_BY_ARCHITECTURE))})"
        )
    architecture, tokenizer, fp16_safe = _BY_ARCHITECTURE[model_type]
    # A Pegasus checkpoint that ships a sentencepiece model is the original (English) kind.
    if architecture == "pegasus" and (directory / "spiece.model").exists():
        tokenizer = "sentencepiece"
    if architecture == "bart" and not (directory / "vocab.txt").exists():
        tokenizer = "sentencepiece"
    positions = int(config.get("max_position_embeddings") or config.get("n_positions") or 512)
    return ModelProfile(
        name=f"local:{directory.name}",
        model_id=model,
        architecture=architecture,
        tokenizer=tokenizer,
        prompt="plain",
        max_input_tokens=min(positions, 512),
        fp16_safe=fp16_safe,
        strip_cjk_spaces=tokenizer == "bert",
        writes=_WRITES_BY_ARCHITECTURE[architecture],
    )
