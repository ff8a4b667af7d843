"""One run per database, across processes: a second process holding the lock keeps us out."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from digest.store import Store, StoreError, open_store, run_lock
from digest.store.lock import lock_path

ROOT = Path(__file__).resolve().parent.parent.parent

HOLDER = textwrap.dedent(
    """
    import sys
    from digest.store import open_store, run_lock

    store = open_store(sys.argv[1])
    with run_lock(store):
        print("locked", flush=True)
        sys.stdin.read()  # hold it until the test closes our stdin
    print("released", flush=True)
    """
)


@pytest.fixture
def holder(store: Store, store_url: str) -> Iterator[subprocess.Popen[str]]:
    """Another process that holds the run lock of the test database."""
    process = subprocess.Popen(
        [sys.executable, "-c", HOLDER, store_url],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert process.stdout is not None
    try:
        assert process.stdout.readline().strip() == "locked"
        yield process
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=30)


def release(process: subprocess.Popen[str]) -> None:
    assert process.stdin is not None and process.stdout is not None
    process.stdin.close()
    assert process.stdout.readline().strip() == "released"
    assert process.wait(timeout=30) == 0


def test_a_second_process_is_kept_out_until_the_first_ends(
    store: Store, holder: subprocess.Popen[str]
) -> None:
    with pytest.raises(StoreError) as caught, run_lock(store):
        pytest.fail("got the lock another process holds")
    message = str(caught.value)
    assert message == (
        f"another digest run is already using {store.display_url} (pid {holder.pid}); "
        "stop it first or use another database"
    )
    assert caught.value.exit_code == 2
    release(holder)
    with run_lock(store):
        pass


def test_a_killed_holder_leaves_no_lock_behind(store: Store, holder: subprocess.Popen[str]) -> None:
    holder.kill()
    holder.wait(timeout=30)
    with run_lock(store):
        pass


def test_the_lock_is_released_and_taken_again_in_one_process(store: Store) -> None:
    with run_lock(store), pytest.raises(StoreError, match="already using"), run_lock(store):
        pass
    with run_lock(store):
        pass
    if store.sqlite_path is not None:
        assert lock_path(store.sqlite_path).exists()


def test_an_in_memory_database_needs_no_lock() -> None:
    store = open_store("sqlite:///:memory:")
    try:
        with run_lock(store):
            assert store.status().issues == 0
    finally:
        store.close()
