"""One digest run per database: an OS file lock for SQLite, an advisory lock for PostgreSQL."""

from __future__ import annotations

import fcntl
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import sqlalchemy as sa

from digest.store.errors import StoreError
from digest.store.store import Store


def lock_path(db_path: Path) -> Path:
    return db_path.with_name(db_path.name + ".lock")


@contextmanager
def run_lock(store: Store) -> Iterator[None]:
    """Hold the database's run lock for the block; StoreError at once when another run holds it."""
    if store.backend == "postgresql":
        with _advisory_lock(store):
            yield
        return
    path = store.sqlite_path
    if path is None:  # an in-memory database: no other process can see it
        yield
        return
    with _file_lock(store, lock_path(path)):
        yield


def _held(store: Store, pid: int | None) -> StoreError:
    holder = "pid unknown" if pid is None else f"pid {pid}"
    return StoreError(
        f"another digest run is already using {store.display_url} ({holder}); "
        "stop it first or use another database"
    )


@contextmanager
def _file_lock(store: Store, path: Path) -> Iterator[None]:
    # The file stays when released: removing it would let a third process lock a new file while a
    # second still waits on the old one.
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise StoreError(f"cannot create the lock file {path}: {exc.strerror}") from None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise _held(store, _read_pid(fd)) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        try:
            yield
        finally:
            os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def _read_pid(fd: int) -> int | None:
    text = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
    return int(text) if text.isdigit() else None


# The key is per database and schema, so stores in separate schemas of one database do not collide.
_KEY = sa.text(
    "SELECT hashtextextended('digest run lock ' || current_database() || '.' || current_schema(), 0)"
)
_HOLDER = sa.text(
    "SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
    "WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1 "
    "AND l.classid::bigint = :hi AND l.objid::bigint = :lo AND l.database = "
    "(SELECT oid FROM pg_database WHERE datname = current_database())"
)


@contextmanager
def _advisory_lock(store: Store) -> Iterator[None]:
    # A session lock on a connection of its own, in autocommit so it never idles in a transaction;
    # if the connection dies, the server releases the lock.
    with store.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        key = int(conn.execute(_KEY).scalar_one())
        conn.execute(
            sa.select(sa.func.set_config("application_name", f"digest run (pid {os.getpid()})", False))
        )
        if not conn.execute(sa.select(sa.func.pg_try_advisory_lock(key))).scalar_one():
            unsigned = key & 0xFFFF_FFFF_FFFF_FFFF
            name = conn.execute(_HOLDER, {"hi": unsigned >> 32, "lo": unsigned & 0xFFFF_FFFF}).scalar()
            found = re.search(r"pid (\d+)", name or "")
            raise _held(store, int(found.group(1)) if found else None)
        try:
            yield
        finally:
            with suppress(sa.exc.DBAPIError):
                conn.execute(sa.select(sa.func.pg_advisory_unlock(key)))
