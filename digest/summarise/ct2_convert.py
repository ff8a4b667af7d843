"""Converting a Hugging Face seq2seq model for CTranslate2, once, into a cache beside the Hugging Face cache.

The conversion goes through CTranslate2's own Python converter, with two things digest supplies:

* the vocabulary. The converter asks ``AutoTokenizer`` for it, and for Randeng-Pegasus that needs a
  sentencepiece file the repository does not have; digest's own tokenizer knows the vocabulary. Ids
  reach CTranslate2 as token strings, so each id must have its own string: a vocabulary file that lists
  a token twice keeps its ids, the duplicates renamed.
* the layer-norm placement. transformers 5 dropped ``normalize_before``/``normalize_embedding`` from
  the Pegasus and BART configs, which the converter reads; they are set here as each architecture is
  built (Pegasus: pre-norm, no embedding norm; BART: post-norm, embedding norm).

The cache is keyed by what the weights are (the model's files) and how they are stored (the
quantisation and the CTranslate2 version), so a new revision or another quantisation converts again
and nothing else does. Conversion writes into a temporary folder renamed into place: a crash or a full
disk leaves no half-written model, and two processes converting at once both end with the same one.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import re
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

from digest.summarise.loading import ModelUnavailable, TextTokenizer
from digest.summarise.profiles import ModelProfile

log = logging.getLogger(__name__)

# Raise when the converted output changes for the same input, so that old caches are not reused.
CONVERSION_VERSION = 2
META_FILE = "digest-conversion.json"
_SMALL_FILES = ("config.json", "generation_config.json", "vocab.txt", "spiece.model", "tokenizer.json")
_WEIGHT_SUFFIXES = (".safetensors", ".bin")
# Layer-norm placement of the architectures whose transformers 5 configs no longer say it.
_NORMS = {"pegasus": (True, False), "bart": (False, True)}


def cache_root(cache_dir: Path | None) -> Path:
    """Where converted models live: beside the Hugging Face hub cache (or in ``[summarise] cache_dir``)."""
    if cache_dir is not None:
        return cache_dir / "digest-ctranslate2"
    from huggingface_hub import constants  # noqa: PLC0415

    return Path(constants.HF_HUB_CACHE).parent / "digest-ctranslate2"


def conversion_key(directory: Path, quantization: str) -> str:
    """A digest of what decides the converted weights: the model's files, the quantisation, the versions."""
    import ctranslate2  # noqa: PLC0415

    digest = hashlib.sha256()
    digest.update(f"{CONVERSION_VERSION}|{ctranslate2.__version__}|{quantization}".encode())
    for path in sorted(directory.iterdir()):
        if path.name in _SMALL_FILES:
            digest.update(path.name.encode() + b"\0" + path.read_bytes())
        elif path.suffix in _WEIGHT_SUFFIXES:
            # Weights are large: a hub snapshot links them to blobs named by their hash, which is
            # their identity; a plain folder is known by size and modification time.
            target = path.resolve()
            stat = target.stat()
            digest.update(f"{path.name}|{target.name}|{stat.st_size}|{stat.st_mtime_ns}".encode())
    return digest.hexdigest()[:20]


def vocabulary_tokens(tokenizer: TextTokenizer, vocab_size: int) -> tuple[list[str], int]:
    """One distinct string per model id, and how many ids had to be renamed.

    Ids the tokenizer does not name (a vocabulary file listing a token twice keeps only the last id;
    models pad their embedding past the vocabulary) get a placeholder no text can produce.
    """
    names: dict[int, str] = {}
    for token, index in tokenizer.vocabulary().items():
        if 0 <= index < vocab_size:
            names[index] = token
    tokens = [names.get(i, f"<digest-id-{i}>") for i in range(vocab_size)]
    renamed = vocab_size - len(names)
    if len(set(tokens)) != len(tokens):  # cannot happen with the placeholders above, but ids are at stake
        raise ModelUnavailable("the model's vocabulary maps two ids to one token; it cannot be converted")
    return tokens, renamed


def converted_model(
    directory: Path,
    profile: ModelProfile,
    tokenizer: TextTokenizer,
    quantization: str,
    cache_dir: Path | None,
) -> Path:
    """The CTranslate2 model for ``directory`` at ``quantization``: from the cache, or converted now."""
    root = cache_root(cache_dir)
    key = conversion_key(directory, quantization)
    name = re.sub(r"[^A-Za-z0-9._-]+", "-", directory.name)[:60] or "model"
    target = root / f"{name}-{quantization}-{key}"
    if (target / META_FILE).is_file():
        return target
    try:
        root.mkdir(parents=True, exist_ok=True)
        scratch = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=root))
    except OSError as exc:
        raise ModelUnavailable(
            f"cannot create the CTranslate2 cache in {root} ({exc.strerror or exc}); set "
            "[summarise] cache_dir to a writable folder"
        ) from None
    log.warning(
        "converting %s for CTranslate2 (%s), once; it is kept in %s", profile.name, quantization, target
    )
    started = time.perf_counter()
    try:
        _convert(directory, profile, tokenizer, quantization, scratch)
        try:
            scratch.rename(target)
        except OSError:
            if not (target / META_FILE).is_file():  # not another process's finished conversion
                raise
            log.info("%s was converted by another process meanwhile; using that one", target.name)
    except OSError as exc:
        raise ModelUnavailable(
            f"the CTranslate2 conversion of {profile.name} could not be saved in {root} "
            f"({exc.strerror or exc}); free some space or set [summarise] cache_dir to another folder"
        ) from None
    finally:
        with contextlib.suppress(OSError):
            shutil.rmtree(scratch)
    log.info("converted %s in %.1fs", profile.name, time.perf_counter() - started)
    return target


def _convert(
    directory: Path, profile: ModelProfile, tokenizer: TextTokenizer, quantization: str, output: Path
) -> None:
    try:
        config = json.loads((directory / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ModelUnavailable(f"{directory}: config.json cannot be read ({exc})") from None
    tokens, renamed = vocabulary_tokens(tokenizer, int(config["vocab_size"]))
    if renamed:
        log.info(
            "%s: %d vocabulary ids have no token of their own; named by placeholders", directory, renamed
        )
    converter = _converter_class()(directory, profile, tokens, config)
    try:
        converter.convert(str(output), quantization=quantization, force=True)
    except (ValueError, KeyError, NotImplementedError) as exc:
        raise ModelUnavailable(
            f'{directory}: CTranslate2 cannot convert this model ({exc}); use [summarise] backend = "torch"'
        ) from None
    meta = {
        "source": str(directory),
        "quantization": quantization,
        "pad_id": config.get("pad_token_id"),
        "eos_id": config.get("eos_token_id"),
        "decoder_start_id": config.get("decoder_start_token_id"),
        # transformers writes this token at max_new_tokens; CTranslate2 stops one step short instead.
        "forced_eos": _generation_value(directory, config, "forced_eos_token_id") is not None,
    }
    # Written last: its presence is what marks a finished conversion.
    (output / META_FILE).write_text(json.dumps(meta, indent=2), encoding="utf-8")
    # On disk before the rename makes them the cache's: a crash must not leave a truncated model.bin
    # under a finished name.
    for path in output.iterdir():
        with path.open("rb") as handle:
            os.fsync(handle.fileno())


def _generation_value(directory: Path, config: dict[str, Any], key: str) -> Any:
    if config.get(key) is not None:
        return config[key]
    try:
        return json.loads((directory / "generation_config.json").read_text(encoding="utf-8")).get(key)
    except (OSError, ValueError):
        return None


def _scales_outputs(config: Any) -> bool:
    """Whether the torch model multiplies the decoder output by d_model^-0.5 before its head."""
    if config.model_type == "mt5":
        return False  # mT5 unties its head and never scaled, whatever the config flag now says
    flag = getattr(config, "scale_decoder_outputs", None)  # transformers 5
    return bool(config.tie_word_embeddings if flag is None else flag)


class _Vocabulary:
    """What the converter asks of a tokenizer, answered from digest's own vocabulary."""

    def __init__(self, tokens: list[str], config: dict[str, Any]) -> None:
        self._tokens = tokens

        def named(key: str, fallback: str) -> str:
            index = config.get(key)
            return tokens[index] if isinstance(index, int) and 0 <= index < len(tokens) else fallback

        self.pad_token = named("pad_token_id", tokens[0])
        self.eos_token = named("eos_token_id", tokens[0])
        self.bos_token = named("bos_token_id", self.pad_token)
        self.unk_token = next((t for t in ("[UNK]", "<unk>") if t in set(tokens)), tokens[0])

    def get_vocab(self) -> dict[str, int]:
        return {token: index for index, token in enumerate(self._tokens)}

    def convert_ids_to_tokens(self, index: int) -> str:
        return self._tokens[index]


def _converter_class() -> Any:
    """The converter, subclassed lazily: ctranslate2 and transformers are optional imports."""
    try:
        from ctranslate2.converters import TransformersConverter  # noqa: PLC0415
        from ctranslate2.specs import model_spec  # noqa: PLC0415
    except ImportError as exc:  # the converter imports torch and transformers
        raise ModelUnavailable(
            f"converting a model for CTranslate2 needs torch and transformers ({exc.name} is missing); "
            "install them with: pip install 'digest[seq2seq]', or convert on another machine and copy "
            "the cache folder over"
        ) from None

    class DigestConverter(TransformersConverter):  # type: ignore[misc]
        def __init__(
            self, directory: Path, profile: ModelProfile, tokens: list[str], config: dict[str, Any]
        ) -> None:
            super().__init__(str(directory))
            self._architecture = profile.architecture
            self._vocabulary = _Vocabulary(tokens, config)
            self._config: Any = None  # the transformers config, seen as the model loads

        def _load(self) -> Any:
            spec = super()._load()
            if self._architecture in ("t5", "mt5"):
                # The converter scales T5 outputs when tie_word_embeddings is set; transformers 5
                # forces that flag on and keeps the real choice elsewhere (mT5 never scales).
                spec.decoder.scale_outputs = (
                    self._config.d_model**-0.5 if _scales_outputs(self._config) else model_spec.OPTIONAL
                )
            return spec

        def load_model(self, model_class: Any, model_name_or_path: str, **kwargs: Any) -> Any:
            config = kwargs.get("config")
            self._config = config
            norms = _NORMS.get(getattr(config, "model_type", ""))
            if config is not None and norms is not None:
                if getattr(config, "normalize_before", None) is None:
                    config.normalize_before = norms[0]
                if getattr(config, "normalize_embedding", None) is None:
                    config.normalize_embedding = norms[1]
            return model_class.from_pretrained(model_name_or_path, local_files_only=True, **kwargs)

        def load_tokenizer(self, tokenizer_class: Any, model_name_or_path: str, **kwargs: Any) -> Any:
            return self._vocabulary

    return DigestConverter
