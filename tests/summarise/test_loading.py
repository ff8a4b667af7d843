"""Loading models by hub id or path, offline, and the errors a user sees when weights are missing."""

from __future__ import annotations

import errno
import json
from pathlib import Path

import httpx
import huggingface_hub
import pytest
import torch
from huggingface_hub.errors import (
    GatedRepoError,
    HfHubHTTPError,
    LocalEntryNotFoundError,
    RepositoryNotFoundError,
)

from digest.errors import ConfigError
from digest.summarise.loading import (
    ModelUnavailable,
    RuntimeOptions,
    choose_device,
    choose_dtype,
    load,
    resolve_directory,
)
from digest.summarise.profiles import PROFILES, resolve_profile
from tests.summarise.tiny_models import build_tiny_model, install_in_hub_cache
from tests.test_cli import SAMPLE, run_digest

PEGASUS_ID = PROFILES["randeng-pegasus-238m"].model_id


@pytest.fixture(scope="module")
def pegasus_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_tiny_model("pegasus", tmp_path_factory.mktemp("models") / "tiny-pegasus")


def _one_line(stderr: bytes) -> str:
    lines = stderr.decode().strip().splitlines()
    assert len(lines) == 1, lines
    return lines[0]


def test_cli_seq2seq_with_a_local_model(pegasus_dir: Path) -> None:
    result = run_digest(
        "summarise", str(SAMPLE), "--format", "json", "--engine", "seq2seq", "--model", str(pegasus_dir)
    )
    assert result.returncode == 0, result.stderr.decode()
    data = json.loads(result.stdout)
    assert len(data["articles"]) == 5
    for article in data["articles"]:
        assert article["engine"] in ("seq2seq:local:tiny-pegasus", "extractive")
        assert article["guard"] == "ok" or article["guard"].startswith(("retried", "fallback: "))


def test_cli_seq2seq_without_weights_is_a_clear_error(tmp_path: Path) -> None:
    missing = run_digest(
        "summarise", str(SAMPLE), "--engine", "seq2seq", "--model", str(tmp_path / "no-model")
    )
    assert missing.returncode == 2
    assert "no such model directory" in _one_line(missing.stderr)

    offline = {"HF_HUB_OFFLINE": "1", "HF_HOME": str(tmp_path / "hf")}
    hub = run_digest("summarise", str(SAMPLE), "--engine", "seq2seq", env=offline)
    assert hub.returncode == 2
    line = _one_line(hub.stderr)
    # hf is huggingface_hub's command since 1.0 (transformers 5 needs it); huggingface-cli is gone.
    assert PEGASUS_ID in line and "offline" in line and f"hf download {PEGASUS_ID}" in line


def test_cli_auto_falls_back_to_extractive_with_a_warning(tmp_path: Path) -> None:
    env = {"HF_HUB_OFFLINE": "1", "HF_HOME": str(tmp_path / "hf")}
    result = run_digest("summarise", str(SAMPLE), "--format", "json", "--engine", "auto", env=env)
    assert result.returncode == 0
    assert _one_line(result.stderr).startswith("digest: warning: ")
    assert {a["engine"] for a in json.loads(result.stdout)["articles"]} == {"extractive"}


def test_hub_id_loads_from_the_cache_when_offline(pegasus_dir: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    install_in_hub_cache(pegasus_dir, PEGASUS_ID, cache)
    profile = resolve_profile("randeng-pegasus-238m")
    model = load(profile, PEGASUS_ID, RuntimeOptions(cache_dir=cache, offline=True))
    assert model.profile is profile
    assert model.directory.is_relative_to(cache)
    assert model.dtype == torch.float32 and model.device.type == "cpu"


def test_offline_hub_id_missing_from_the_cache(tmp_path: Path) -> None:
    with pytest.raises(ModelUnavailable, match=r"not in .* downloading is off"):
        load(
            PROFILES["mt5-xlsum"],
            PROFILES["mt5-xlsum"].model_id,
            RuntimeOptions(cache_dir=tmp_path, offline=True),
        )


def test_a_directory_without_weights(pegasus_dir: Path, tmp_path: Path) -> None:
    broken = tmp_path / "broken"
    broken.mkdir()
    for name in ("config.json", "vocab.txt"):
        (broken / name).write_bytes((pegasus_dir / name).read_bytes())
    profile = resolve_profile(str(broken), None, broken)
    with pytest.raises(ModelUnavailable, match="weights could not be loaded"):
        load(profile, str(broken), RuntimeOptions())


def test_dtype_choice() -> None:
    cpu = torch.device("cpu")
    t5 = PROFILES["randeng-t5-multitask"]
    pegasus = PROFILES["randeng-pegasus-238m"]
    assert choose_dtype("auto", cpu, pegasus) == torch.float32
    assert choose_dtype("bfloat16", cpu, t5) == torch.bfloat16
    assert choose_dtype("float16", cpu, pegasus) == torch.float16
    with pytest.raises(ModelUnavailable, match="overflows in float16"):
        choose_dtype("float16", cpu, t5)
    mps = torch.device("mps")
    assert choose_dtype("auto", mps, t5) == torch.float32
    assert choose_dtype("auto", mps, pegasus) == torch.float16


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the error on a machine without a GPU")
def test_asking_for_a_missing_gpu() -> None:
    assert choose_device("auto").type in ("cpu", "mps")
    with pytest.raises(ModelUnavailable, match="no CUDA GPU"):
        choose_device("cuda")


def test_profiles() -> None:
    assert resolve_profile(None).name == "randeng-pegasus-238m"
    assert resolve_profile(PEGASUS_ID).name == "randeng-pegasus-238m"
    custom = resolve_profile("someone/pegasus-finetune", "randeng-pegasus-238m")
    assert (custom.model_id, custom.tokenizer) == ("someone/pegasus-finetune", "pegasus-jieba")
    with pytest.raises(ConfigError, match="--profile"):
        resolve_profile("someone/unknown")
    t5 = PROFILES["randeng-t5-multitask"].load_prompt()
    assert t5.render("summary", "正文") == "生成式摘要任务：【正文】这篇文章的摘要是什么？"
    assert PROFILES["randeng-pegasus-238m"].load_prompt().render("headline", "正文") == "正文"


def test_each_profile_writes_what_its_model_was_trained_for() -> None:
    # Randeng-Pegasus was fine-tuned on LCSTS, whose targets are short titles; T5 MultiTask's
    # summarisation task and XL-Sum write summaries.
    assert PROFILES["randeng-pegasus-238m"].writes == ("headline",)
    assert PROFILES["randeng-pegasus-523m"].writes == ("headline",)
    assert PROFILES["randeng-t5-multitask"].writes == ("summary",)
    assert PROFILES["randeng-t5-77m-multitask"].writes == ("summary",)
    assert PROFILES["mt5-xlsum"].writes == ("summary",)
    for profile in PROFILES.values():
        profile.load_prompt()  # each has a template for what it writes


def test_asking_a_model_for_an_output_its_prompt_lacks_says_what_to_set() -> None:
    # T5 MultiTask has no title task, so its prompt file has no headline template.
    with pytest.raises(ConfigError, match=r"no headline template.*model_writes"):
        PROFILES["randeng-t5-multitask"].load_prompt(("summary", "headline"))


@pytest.mark.parametrize("kind", ["t5", "bart"])
def test_local_directories_get_an_inferred_profile(kind: str, tmp_path: Path) -> None:
    directory = build_tiny_model(kind, tmp_path / kind)  # type: ignore[arg-type]
    profile = resolve_profile(str(directory), None, directory)
    assert profile.architecture == kind
    assert profile.strip_cjk_spaces is (kind == "bart")
    # Chinese BART fine-tunes are mostly LCSTS title writers; T5 ones summary writers.
    assert profile.writes == (("headline",) if kind == "bart" else ("summary",))
    assert profile.fp16_safe is (kind == "bart")


def test_cli_download_failure_says_what_to_do(tmp_path: Path) -> None:
    # Nothing listens on port 9: the hub cannot be reached, as on a machine without network.
    env = {"HF_HOME": str(tmp_path / "hf"), "HF_ENDPOINT": "http://127.0.0.1:9"}
    result = run_digest("summarise", str(SAMPLE), "--engine", "seq2seq", env=env)
    assert result.returncode == 2
    line = result.stderr.decode().strip().splitlines()[-1]
    assert line.startswith(f"digest: error: {PEGASUS_ID}: ")
    assert f"hf download {PEGASUS_ID}" in line and "--model" in line, line
    assert "Error" not in line  # no exception class names


def _hub_fails(monkeypatch: pytest.MonkeyPatch, local: Exception, download: Exception | None = None) -> None:
    """snapshot_download raising ``local`` for the cache look-up and ``download`` for the download."""

    def snapshot_download(*, local_files_only: bool = False, **_: object) -> str:
        raise local if local_files_only or download is None else download

    monkeypatch.setattr(huggingface_hub, "snapshot_download", snapshot_download)


def _response(status: int) -> httpx.Response:
    return httpx.Response(status, request=httpx.Request("GET", "https://huggingface.co/api/models/x"))


@pytest.mark.parametrize(
    ("download", "advice"),
    [
        (LocalEntryNotFoundError("cannot find the requested files"), "check the network"),
        (GatedRepoError("restricted", response=_response(401)), "hf auth login"),
        (RepositoryNotFoundError("not found", response=_response(404)), "check the model id"),
        (HfHubHTTPError("busy", response=_response(503)), "try again later"),
        (OSError(errno.ENOSPC, "No space left on device"), "No space left on device"),
    ],
)
def test_every_download_failure_of_a_hub_id_is_one_line_with_what_to_do(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, download: Exception, advice: str
) -> None:
    _hub_fails(monkeypatch, LocalEntryNotFoundError("not cached"), download)
    with pytest.raises(ModelUnavailable) as caught:
        resolve_directory("org/name", RuntimeOptions(cache_dir=tmp_path))
    message = caught.value.message
    assert message.startswith("org/name: ") and "\n" not in message
    assert advice in message and "--model" in message, message
    assert "Error" not in message, message  # what to do, not the exception class
    if isinstance(download, LocalEntryNotFoundError):  # the way to fetch it on another machine
        assert f"hf download org/name --cache-dir {tmp_path}" in message


def test_offline_hint_gives_the_command_that_fills_the_cache_in_use(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    _hub_fails(monkeypatch, LocalEntryNotFoundError("not cached"))
    with pytest.raises(ModelUnavailable, match="downloading is off") as caught:
        resolve_directory("org/name", RuntimeOptions(cache_dir=tmp_path, offline=True))
    assert f"(hf download org/name --cache-dir {tmp_path})" in caught.value.message
    assert "--model" in caught.value.message


@pytest.mark.parametrize("offline", [True, False])
def test_a_malformed_hub_id_is_a_clear_error(offline: bool) -> None:
    with pytest.raises(ModelUnavailable, match=r"'org/na me' is not a hub id") as caught:
        resolve_directory("org/na me", RuntimeOptions(offline=offline))
    assert "--model" in caught.value.message and "\n" not in caught.value.message
