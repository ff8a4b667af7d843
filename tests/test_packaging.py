"""A wheel built from the repository, installed in a clean virtualenv, runs from any folder: the
settings reference, the prompts and the sample page travel inside it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
import venv
import zipfile
from pathlib import Path

import pytest

from tests.summarise.tiny_models import build_tiny_model

ROOT = Path(__file__).parent.parent


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    # No build isolation: the build backend (hatchling) comes with the test extra, so no network.
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(out),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    (built,) = out.glob("digest-*.whl")
    return built


@pytest.fixture(scope="module")
def installed(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A clean virtualenv with only the wheel installed; its bin folder."""
    env_dir = tmp_path_factory.mktemp("venv")
    venv.create(env_dir, with_pip=False)
    bin_dir = env_dir / "bin"
    # pip of the test environment installs into the new one; dependencies are the test
    # environment's own (PYTHONPATH below), which has no digest of its own in site-packages.
    target = subprocess.run(
        [str(bin_dir / "python"), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", target, str(wheel)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    return bin_dir


def _run(bin_dir: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "HOME": str(cwd),
        "XDG_DATA_HOME": str(cwd / "data"),
        "XDG_CONFIG_HOME": str(cwd / "config"),
        "PYTHONPATH": sysconfig.get_paths()["purelib"],
    }
    env.pop("DIGEST_CONFIG", None)
    return subprocess.run(
        [str(bin_dir / "python"), "-m", "digest", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_the_wheel_carries_the_reference_the_prompts_and_the_sample(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "digest/_shipped/config/digest.toml" in names
    assert {f"digest/_shipped/prompts/{p.name}" for p in (ROOT / "prompts").glob("*.toml")} <= names
    assert "digest/sample/000_0ebbebed01f08da6.txt" in names
    # One file, two places: the wheel's copy is the repository's file.
    shipped = zipfile.ZipFile(wheel).read("digest/_shipped/config/digest.toml")
    assert shipped == (ROOT / "config" / "digest.toml").read_bytes()


def test_the_installed_wheel_runs_the_quickstart_from_any_folder(installed: Path, tmp_path: Path) -> None:
    result = _run(installed, tmp_path, "run", "--once")
    assert result.returncode == 0, result.stderr
    assert "1 documents (1 new" in result.stdout and "5 articles, 5 summarised" in result.stdout
    assert "warning" not in result.stderr
    assert sorted(p.suffix for p in (tmp_path / "outbox").iterdir()) == [".json", ".md"]
    # It is the wheel that ran, not the checkout.
    origin = subprocess.run(
        [str(installed / "python"), "-c", "import digest; print(digest.__file__)"],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": sysconfig.get_paths()["purelib"]},
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert str(installed.parent) in origin


def test_the_installed_wheel_finds_its_prompts(installed: Path, tmp_path: Path) -> None:
    model = build_tiny_model("t5", tmp_path / "tiny-t5")
    page = ROOT / "digest" / "sample" / "000_0ebbebed01f08da6.txt"
    result = _run(
        installed,
        tmp_path,
        "summarise",
        str(page),
        "--engine",
        "seq2seq",
        "--model",
        str(model),
        "--format",
        "json",
    )
    assert result.returncode == 0, result.stderr
    articles = json.loads(result.stdout)["articles"]
    assert len(articles) == 5
    assert all(a["engine"].startswith(("seq2seq:local:tiny-t5", "extractive")) for a in articles)
