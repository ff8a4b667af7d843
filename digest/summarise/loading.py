"""Loading a seq2seq model and its tokenizer: by hub id or local path, on the right device and dtype.

A hub id is first resolved to a local snapshot directory (downloading it when allowed), so that every
model, real or built by the tests, is loaded from a directory by exactly the same code.
"""

from __future__ import annotations

import logging
import shlex
import sys
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol

from digest.errors import DigestError
from digest.summarise.profiles import ModelProfile, looks_like_path
from digest.summarise.tokenization import PegasusJiebaTokenizer

if TYPE_CHECKING:
    import torch

log = logging.getLogger(__name__)

# What a model repository needs for inference; training state and other frameworks' weights are skipped.
_SNAPSHOT_FILES = ["*.json", "*.txt", "*.model", "*.safetensors", "*.bin", "*.py"]


class ModelUnavailable(DigestError):
    """The model's weights or libraries cannot be had; the message says how to get them."""

    exit_code = 2
    http_status = 503


@dataclass(frozen=True, slots=True)
class RuntimeOptions:
    device: str = "auto"  # auto, cpu, cuda, cuda:N, mps
    dtype: str = "auto"  # auto, float32, bfloat16, float16
    quantize: Literal["none", "int8"] = "none"
    cache_dir: Path | None = None
    offline: bool = False
    # torch, ctranslate2, or auto (CTranslate2 when it is installed); see engines.load_model.
    backend: Literal["auto", "torch", "ctranslate2"] = "torch"
    threads: int = 0  # CPU cores to use; 0: all this process may use


class TextTokenizer(Protocol):
    """What the engine needs from any tokenizer family."""

    pad_token_id: int

    def encode(self, text: str, max_length: int) -> list[int]: ...

    def count(self, text: str) -> int: ...

    def decode(self, rows: Sequence[Sequence[int]]) -> list[str]: ...

    def vocabulary(self) -> dict[str, int]: ...


class _PegasusAdapter:
    def __init__(self, tokenizer: PegasusJiebaTokenizer) -> None:
        self._tok = tokenizer
        self.pad_token_id = tokenizer.pad_token_id

    def encode(self, text: str, max_length: int) -> list[int]:
        return self._tok.encode(text, max_length=max_length)

    def count(self, text: str) -> int:
        return len(self._tok.tokenize(text))

    def decode(self, rows: Sequence[Sequence[int]]) -> list[str]:
        return [self._tok.decode(list(row), skip_special_tokens=True) for row in rows]

    def vocabulary(self) -> dict[str, int]:
        tokens = self._tok.convert_ids_to_tokens(range(self._tok.vocab_size))
        return {token: i for i, token in enumerate(tokens)}


class _HuggingFaceAdapter:
    """transformers' own tokenizers (sentencepiece T5/mT5, BERT vocabularies)."""

    def __init__(self, tokenizer: Any) -> None:
        self._tok = tokenizer
        self.pad_token_id = int(tokenizer.pad_token_id)

    def encode(self, text: str, max_length: int) -> list[int]:
        ids: list[int] = self._tok(text, max_length=max_length, truncation=True)["input_ids"]
        return ids

    def count(self, text: str) -> int:
        return len(self._tok(text, add_special_tokens=False)["input_ids"])

    def decode(self, rows: Sequence[Sequence[int]]) -> list[str]:
        decoded: list[str] = self._tok.batch_decode([list(r) for r in rows], skip_special_tokens=True)
        return decoded

    def vocabulary(self) -> dict[str, int]:
        vocab: dict[str, int] = self._tok.get_vocab()
        return vocab


@dataclass(frozen=True, slots=True)
class LoadedModel:
    profile: ModelProfile
    # A transformers PreTrainedModel, or a ct2_backend.CT2Model; typed loosely to keep torch and
    # ctranslate2 out of the import path.
    model: Any
    tokenizer: TextTokenizer
    device: Any  # torch.device; CTranslate2: "cpu" or "cuda"
    dtype: Any  # torch.dtype; CTranslate2: its compute type, e.g. "int8"
    directory: Path
    quantized: bool = False
    backend: Literal["torch", "ctranslate2"] = "torch"


def _require_torch() -> None:
    try:
        import torch  # noqa: F401, PLC0415
        import transformers  # noqa: F401, PLC0415
    except ImportError:
        raise ModelUnavailable(
            "the seq2seq engine needs torch and transformers; "
            "install them with: pip install 'digest[seq2seq]'"
        ) from None


def resolve_directory(model: str, options: RuntimeOptions) -> Path:
    """A local directory holding the model: the path itself, or the hub snapshot (downloaded if allowed)."""
    path = Path(model).expanduser()
    if path.is_dir():
        return path
    if looks_like_path(model):
        raise ModelUnavailable(
            f"{model}: no such model directory; check the path, or give a hub id like org/name"
        )
    from huggingface_hub import snapshot_download  # noqa: PLC0415
    from huggingface_hub.errors import (  # noqa: PLC0415
        HfHubHTTPError,
        HFValidationError,
        LocalEntryNotFoundError,
        OfflineModeIsEnabled,
    )

    cache_dir = str(options.cache_dir) if options.cache_dir else None
    # Every failure says what to do in one line: fetch the weights (the command that fills the
    # cache this run reads), or point at a local copy. `hf` is huggingface_hub's command since 1.0,
    # which transformers 5 requires; the older huggingface-cli is gone.
    fetch = f"hf download {model}" + (f" --cache-dir {shlex.quote(cache_dir)}" if cache_dir else "")
    local = "or point --model ([summarise] model) at a local model directory"
    try:
        # The cache first: a download attempt without network spends half a minute in retries.
        return Path(
            snapshot_download(
                repo_id=model, cache_dir=cache_dir, local_files_only=True, allow_patterns=_SNAPSHOT_FILES
            )
        )
    except HFValidationError:
        raise ModelUnavailable(
            f"{model!r} is not a hub id (org/name, of letters, digits, '-', '_' and '.'); check it, {local}"
        ) from None
    except (LocalEntryNotFoundError, OfflineModeIsEnabled):
        if options.offline:
            where = options.cache_dir or "the Hugging Face cache"
            raise ModelUnavailable(
                f"{model}: the model's weights are not in {where} and downloading is off (offline); "
                f"download them once on a connected machine ({fetch}), {local}"
            ) from None
    except OSError as exc:  # a cache folder that cannot be read
        raise ModelUnavailable(
            f"{model}: the model cache cannot be read ({_reason(exc)}); fix its permissions or set "
            f"[summarise] cache_dir to another folder, {local}"
        ) from None
    log.warning("%s is not in the cache; downloading it once", model)
    try:
        return Path(snapshot_download(repo_id=model, cache_dir=cache_dir, allow_patterns=_SNAPSHOT_FILES))
    except HfHubHTTPError as exc:  # before OSError, which it is too
        status = exc.response.status_code if exc.response is not None else None
        if status in (401, 403):
            advice = "log in with `hf auth login` (a gated model also needs access granted on its hub page)"
        else:
            advice = "check the model id" if status == 404 else "try again later"
        raise ModelUnavailable(
            f"{model}: the hub refused the download (HTTP {status or '?'}); {advice}, {local}"
        ) from None
    except (LocalEntryNotFoundError, OfflineModeIsEnabled):  # the hub cannot be reached
        raise ModelUnavailable(
            f"{model}: the hub could not be reached to download the model; check the network, or "
            f"download it on a connected machine ({fetch}) and copy the cache over, {local}"
        ) from None
    except OSError as exc:  # the download cannot be written: disk full, a read-only cache
        raise ModelUnavailable(
            f"{model}: the download could not be saved ({_reason(exc)}); free some space or set "
            f"[summarise] cache_dir to a writable folder, {local}"
        ) from None
    except ValueError as exc:
        raise ModelUnavailable(f"{model}: the download failed ({_reason(exc)}); try again, {local}") from None


def _reason(exc: Exception) -> str:
    """The cause in words, on one line: an OSError's strerror, or the message's first line."""
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


def choose_device(requested: str) -> torch.device:
    import torch  # noqa: PLC0415

    if requested != "auto":
        device = torch.device(requested)
        if device.type == "cuda" and not torch.cuda.is_available():
            raise ModelUnavailable("device cuda was asked for, but torch sees no CUDA GPU; use --device cpu")
        if device.type == "mps" and not torch.backends.mps.is_available():
            raise ModelUnavailable("device mps was asked for, but it is not available; use --device cpu")
        return device
    if torch.cuda.is_available():
        return torch.device("cuda")
    if torch.backends.mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


def choose_dtype(requested: str, device: torch.device, profile: ModelProfile) -> torch.dtype:
    """float32 on CPU; on a GPU bfloat16 where supported, float16 only where the architecture is safe."""
    import torch  # noqa: PLC0415

    named = {"float32": torch.float32, "bfloat16": torch.bfloat16, "float16": torch.float16}
    if requested != "auto":
        if requested not in named:
            raise ModelUnavailable(f"unknown dtype {requested!r}; use auto, float32, bfloat16 or float16")
        dtype = named[requested]
        if dtype == torch.float16 and not profile.fp16_safe:
            raise ModelUnavailable(
                f"{profile.name} ({profile.architecture}) overflows in float16; use bfloat16 or float32"
            )
        return dtype
    if device.type == "cuda":
        if torch.cuda.is_bf16_supported():
            return torch.bfloat16
        return torch.float16 if profile.fp16_safe else torch.float32
    if device.type == "mps":
        return torch.float16 if profile.fp16_safe else torch.float32
    return torch.float32


_TOKENIZER_FILES = {
    "pegasus-jieba": ("vocab.txt",),
    "bert": ("vocab.txt",),
    "sentencepiece": ("spiece.model", "tokenizer.json", "sentencepiece.bpe.model"),
}


def load_tokenizer(profile: ModelProfile, directory: Path) -> TextTokenizer:
    # transformers builds a stub vocabulary when a tokenizer's files are missing instead of failing,
    # and the model then writes nonsense: check for the files first.
    needed = _TOKENIZER_FILES[profile.tokenizer]
    if not any((directory / name).exists() for name in needed):
        raise ModelUnavailable(
            f"{directory}: the tokenizer file is missing ({' or '.join(needed)}); the download may be "
            "incomplete: download it again"
        )
    if profile.tokenizer == "pegasus-jieba":
        return _PegasusAdapter(PegasusJiebaTokenizer.from_pretrained(directory))
    from transformers import AutoTokenizer, BertTokenizer, T5Tokenizer  # noqa: PLC0415

    try:
        if profile.tokenizer == "bert":
            return _HuggingFaceAdapter(BertTokenizer.from_pretrained(str(directory)))
        if profile.architecture == "t5" and not (directory / "tokenizer.json").exists():
            # Randeng-T5 ships a bare spiece.model: the 100 sentinel tokens must be added by hand.
            extra = [f"<extra_id_{i}>" for i in range(100)]
            return _HuggingFaceAdapter(
                T5Tokenizer.from_pretrained(str(directory), extra_ids=100, additional_special_tokens=extra)
            )
        return _HuggingFaceAdapter(AutoTokenizer.from_pretrained(str(directory)))
    except (OSError, ValueError) as exc:
        raise ModelUnavailable(f"{directory}: the tokenizer could not be loaded ({exc})") from None


def load(profile: ModelProfile, model: str, options: RuntimeOptions) -> LoadedModel:
    """Load once per process; the caller keeps the result."""
    _require_torch()
    import torch  # noqa: PLC0415
    from transformers import AutoModelForSeq2SeqLM  # noqa: PLC0415

    if not sys.stderr.isatty():
        # Progress bars of loading are noise in logs and pipes.
        from huggingface_hub.utils import disable_progress_bars  # type: ignore[attr-defined]  # noqa: PLC0415
        from transformers.utils import logging as hf_logging  # noqa: PLC0415

        disable_progress_bars()
        hf_logging.disable_progress_bar()  # type: ignore[no-untyped-call]
    directory = resolve_directory(model, options)
    device = choose_device(options.device)
    dtype = choose_dtype(options.dtype, device, profile)
    if options.quantize == "int8" and device.type != "cpu":
        raise ModelUnavailable("int8 quantisation runs on the CPU only; use --device cpu or drop --quantize")
    tokenizer = load_tokenizer(profile, directory)
    try:
        network = AutoModelForSeq2SeqLM.from_pretrained(str(directory), dtype=dtype, local_files_only=True)
    except (OSError, ValueError) as exc:
        raise ModelUnavailable(
            f"{directory}: the model weights could not be loaded ({str(exc).splitlines()[0]}); "
            "the download may be incomplete: download it again"
        ) from None
    network.eval()
    network.to(device)
    quantized = False
    if options.quantize == "int8":
        with warnings.catch_warnings():
            # torch deprecates eager-mode quantisation in favour of torchao; it still works and needs
            # no further dependency, so its warnings are not the user's business here.
            warnings.simplefilter("ignore")
            from torch.ao.quantization import quantize_dynamic  # noqa: PLC0415

            network = quantize_dynamic(network, {torch.nn.Linear}, dtype=torch.qint8)  # type: ignore[no-untyped-call]
        quantized = True
    log.info("loaded %s from %s on %s as %s%s", profile.name, directory, device, dtype, " (int8)" * quantized)
    return LoadedModel(profile, network, tokenizer, device, dtype, directory, quantized)
