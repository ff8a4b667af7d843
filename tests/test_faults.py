"""Faults the bot must survive without losing a document: a store that cannot write (a full disk), a
document that breaks the code reading it. Each is the fault's own error; the rest goes on, and the
next run after the fault clears finishes the work."""

from __future__ import annotations

import datetime as dt
import errno
import os
import sqlite3
import stat
import subprocess
import sys
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from digest import atomic, pipeline
from digest.config import load
from digest.config_edit import edit_list
from digest.errors import ConfigError
from digest.pipeline import CycleReport, poll_source
from digest.shipped import SAMPLE_PAGE
from digest.sources.folder import FolderSource
from digest.store import Store, StoreError, open_store
from tests.test_bot import write_config
from tests.test_cli import run_digest

NOW = dt.datetime(2026, 12, 2, 1, 0, tzinfo=dt.UTC)


def _pages(folder: Path, count: int) -> None:
    folder.mkdir(exist_ok=True)
    for i in range(count):
        (folder / f"2026-12-02-p{i}.txt").write_text(
            f"本报讯 清河县第{i}号新闻的正文写在这里。\n（记者 王建国）\n", encoding="utf-8"
        )


def _failing_after(calls: int, method: Callable[..., Any]) -> Callable[..., Any]:
    count = {"n": 0}

    def failing(*args: Any, **kwargs: Any) -> Any:
        count["n"] += 1
        if count["n"] > calls:
            raise StoreError("cannot write to the database: database or disk is full")
        return method(*args, **kwargs)

    return failing


def _issues(store: Store) -> int:
    return store.status().issues


def test_a_full_disk_fails_the_run_and_the_next_run_ingests_every_document(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    _pages(folder, 10)
    store = open_store(f"sqlite:///{tmp_path / 'digest.db'}")
    source = FolderSource("county", "清河报", folder, settle_seconds=0)
    real = store.record_document
    store.record_document = _failing_after(4, real)  # type: ignore[method-assign]
    with pytest.raises(StoreError):
        poll_source(store, source, "folder", CycleReport(), today=NOW.date(), now=NOW)
    assert _issues(store) == 4
    store.record_document = real  # type: ignore[method-assign]  # space is freed
    report = CycleReport()
    poll_source(store, source, "folder", report, today=NOW.date(), now=NOW)
    assert _issues(store) == 10 and report.errors == []


def test_a_document_that_breaks_the_reader_is_its_own_error_and_the_others_go_in(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "in"
    _pages(folder, 3)
    real = pipeline.ingest_segmented

    def breaks_on_one(store: Store, doc: Any, **kwargs: Any) -> Any:
        if doc.locator.endswith("p1.txt"):
            raise RecursionError("maximum recursion depth exceeded")
        return real(store, doc, **kwargs)

    monkeypatch.setattr(pipeline, "ingest_segmented", breaks_on_one)
    store = open_store(f"sqlite:///{tmp_path / 'digest.db'}")
    report = CycleReport()
    poll_source(
        store,
        FolderSource("county", "清河报", folder, settle_seconds=0),
        "folder",
        report,
        today=NOW.date(),
        now=NOW,
    )
    assert _issues(store) == 2
    assert len(report.errors) == 1 and "p1.txt" in report.errors[0] and "RecursionError" in report.errors[0]
    assert store.status().sources[0].last_error == report.errors[0]


def _config(tmp_path: Path) -> Path:
    path = tmp_path / "digest.toml"
    path.write_text(
        f'# the operator\'s notes stay\n[store]\nurl = "sqlite:///{tmp_path / "d.db"}"\n', encoding="utf-8"
    )
    path.chmod(0o600)
    return path


def test_a_config_edit_that_fails_mid_way_leaves_the_old_file_intact(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _config(tmp_path)
    before = path.read_bytes()

    def disk_full(fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(atomic.os, "fsync", disk_full)
    with pytest.raises(ConfigError, match="No space left on device; it was left as it was"):
        edit_list(load(path), "sources", add={"name": "county", "kind": "folder", "path": "/srv/in"})
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []  # no litter either
    monkeypatch.undo()
    edit_list(load(path), "sources", add={"name": "county", "kind": "folder", "path": "/srv/in"})
    assert "# the operator's notes stay" in path.read_text(encoding="utf-8")
    assert path.with_name("digest.toml.bak").read_bytes() == before  # the previous version is kept
    assert stat.S_IMODE(path.stat().st_mode) == 0o600  # it may hold secrets: still only its owner's


def test_concurrent_config_edits_all_land(tmp_path: Path) -> None:
    path = _config(tmp_path)
    settings = load(path)

    def add(i: int) -> None:
        edit_list(settings, "sources", add={"name": f"s{i}", "kind": "folder", "path": f"/srv/{i}"})

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(add, range(16)))
    names = {source.name for source in load(path).sources}
    assert {f"s{i}" for i in range(16)} <= names


def test_a_postgresql_url_without_the_driver_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "psycopg", None)  # as if the postgres extra were not installed
    with pytest.raises(StoreError, match=r"pip install 'digest\[postgres\]'") as caught:
        open_store("postgresql+psycopg://digest:s3cret@127.0.0.1:1/digest")
    assert "s3cret" not in str(caught.value)


@pytest.fixture
def tiny_disk(tmp_path: Path) -> Iterator[Path]:
    """A real 256 KB filesystem (tmpfs) for the database: it fills up as a real disk does."""
    mount = tmp_path / "disk"
    mount.mkdir()
    if (
        os.geteuid() != 0
        or subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(mount)], capture_output=True, check=False
        ).returncode
    ):
        pytest.skip("mounting a tmpfs needs root")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], capture_output=True, check=False)


def test_a_real_full_disk_fails_the_run_and_the_next_run_after_space_is_freed_finishes(
    tmp_path: Path, tiny_disk: Path
) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    sample = SAMPLE_PAGE.read_text(encoding="utf-8")
    for i in range(40):
        (folder / f"page-{i:02}.txt").write_text(f"清河报 第{i}期\n\n{sample}", encoding="utf-8")
    config = write_config(tmp_path, folder)
    config.write_text(
        config.read_text(encoding="utf-8").replace(str(tmp_path / "digest.db"), str(tiny_disk / "digest.db")),
        encoding="utf-8",
    )
    full = run_digest("--config", str(config), "run", "--once")
    said = full.stderr.decode()
    assert full.returncode == 2 and "Traceback" not in said, said[-1500:]
    assert "full" in said
    # Space is freed: the next run stores every page, none twice.
    subprocess.run(["mount", "-o", "remount,size=64m", str(tiny_disk)], check=True)
    again = run_digest("--config", str(config), "run", "--once")
    assert again.returncode == 0, again.stderr.decode()[-1500:]
    with sqlite3.connect(tiny_disk / "digest.db") as conn:
        assert conn.execute("select count(*) from issues").fetchone()[0] == 40
