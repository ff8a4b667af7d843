"""Engines for the two backends: URL checks, SQLite's connection settings and transactions that
take the write lock up front."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event

from digest.store.errors import StoreError, display_url

log = logging.getLogger(__name__)

SQLITE_BUSY_TIMEOUT_MS = 30_000
_WRITE = "digest_write"
_URL_HINT = "use sqlite:///PATH or postgresql+psycopg://USER:PASSWORD@HOST/DATABASE"


def parse_url(url: str) -> sa.URL:
    """A database URL, or a plain file path for SQLite. The message never repeats the URL itself:
    an unparsable one may still hold a password."""
    if "://" not in url:
        return sa.URL.create("sqlite", database=str(Path(url).expanduser()))
    try:
        parsed = sa.make_url(url)
    except (sa.exc.ArgumentError, ValueError):
        raise StoreError(f"the database URL is not valid; {_URL_HINT}") from None
    backend = parsed.drivername.partition("+")[0]
    driver = parsed.drivername.partition("+")[2]
    if backend == "sqlite" and driver in ("", "pysqlite"):
        return parsed
    if backend in ("postgresql", "postgres") and driver in ("", "psycopg"):
        return parsed.set(drivername="postgresql+psycopg")
    raise StoreError(f"unsupported database {display_url(parsed)}; {_URL_HINT}")


def sqlite_path(url: sa.URL) -> Path | None:
    """The database file of a SQLite URL; None for an in-memory database or another backend."""
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return None
    return Path(str(url.database))


def create_engine(url: sa.URL) -> sa.Engine:
    if url.get_backend_name() == "postgresql":
        try:
            return sa.create_engine(url, pool_pre_ping=True, connect_args={"connect_timeout": 10})
        except ImportError:  # the driver is an extra: say which, not a traceback
            raise StoreError(
                f"{display_url(url)} is a PostgreSQL database, and its driver is not installed; "
                "install it with: pip install 'digest[postgres]'"
            ) from None
    path = sqlite_path(url)
    if path is not None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"cannot create the folder for {display_url(url)}: {exc.strerror}") from None
    engine = sa.create_engine(url)
    event.listen(engine, "connect", _sqlite_connect)
    event.listen(engine, "begin", _sqlite_begin)
    return engine


def _sqlite_connect(dbapi_connection: Any, connection_record: Any) -> None:
    # SQLAlchemy, not the sqlite3 module, emits BEGIN (see _sqlite_begin): sqlite3's own handling
    # would begin late (not before SELECT, not before DDL) and break transactional migrations.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")  # readers never block the writer, nor it them
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    # With WAL, NORMAL keeps the database consistent through a crash or power cut; a power cut may
    # lose the last commits, which the next poll fetches again.
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _sqlite_begin(conn: sa.Connection) -> None:
    # A write transaction takes the write lock at BEGIN (waiting up to the busy timeout): a deferred
    # one that reads first and then writes fails at once with "database is locked" when another
    # connection wrote in between, whatever the timeout.
    write = conn.get_execution_options().get(_WRITE, False)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


@contextmanager
def transaction(engine: sa.Engine, *, write: bool, rebuilds_tables: bool = False) -> Iterator[sa.Connection]:
    """One transaction: committed when the block ends, rolled back when it raises.

    ``rebuilds_tables``: a migration that replaces a table others refer to (SQLite cannot drop a
    constraint, so the table is copied, dropped and renamed). SQLite's foreign keys are off for it
    (dropping the old table would otherwise delete, or refuse, every row referring to it), which
    can only be switched outside a transaction; every reference is checked before the commit.
    """
    with engine.connect() as conn:
        sqlite = rebuilds_tables and conn.dialect.name == "sqlite"
        raw = conn.connection.driver_connection if sqlite else None
        if raw is not None:
            raw.execute("PRAGMA foreign_keys=OFF")
        try:
            if write:
                conn.execution_options(**{_WRITE: True})
            with conn.begin():
                yield conn
                if raw is not None and (
                    broken := conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                ):
                    raise sa.exc.IntegrityError("PRAGMA foreign_key_check", None, Exception(str(broken[:5])))
        finally:
            if raw is not None:
                raw.execute("PRAGMA foreign_keys=ON")
