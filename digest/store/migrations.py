"""Schema versions: a one-row ``schema_version`` table and the ordered steps in versions/.

Each step runs in its own transaction together with the version bump (DDL is transactional on both
SQLite and PostgreSQL), so a crash leaves the database at the previous version, never in between.
Concurrent openers are serialised: SQLite by BEGIN IMMEDIATE, PostgreSQL by an advisory lock.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import sqlalchemy as sa

from digest.store import schema
from digest.store.db import transaction
from digest.store.errors import StoreError, display_url
from digest.store.versions import MIGRATIONS, Migration

log = logging.getLogger(__name__)

LATEST_VERSION = MIGRATIONS[-1].version
_MIGRATION_LOCK = 0x6469676573740001  # pg_advisory_xact_lock key: "digest" + 1


def _serialise(conn: sa.Connection) -> None:
    if conn.dialect.name == "postgresql":
        conn.execute(sa.select(sa.func.pg_advisory_xact_lock(_MIGRATION_LOCK)))


def read_version(conn: sa.Connection) -> int | None:
    """The database's schema version; None when it has no version table."""
    if not sa.inspect(conn).has_table("schema_version"):
        return None
    return conn.execute(sa.select(schema.schema_version.c.version)).scalar_one_or_none() or 0


def _start(conn: sa.Connection, url: sa.URL) -> int:
    """Create the version table in an empty database; refuse one that holds foreign tables of ours."""
    _serialise(conn)
    version = read_version(conn)
    if version is not None:
        return version
    ours = set(sa.inspect(conn).get_table_names()) & set(schema.metadata.tables)
    if ours:
        raise StoreError(
            f"the database {display_url(url)} has tables named like digest's ({', '.join(sorted(ours))}) "
            "but no schema version; use an empty database"
        )
    schema.schema_version.create(conn)
    conn.execute(schema.schema_version.insert().values(version=0))
    return 0


def migrate(
    engine: sa.Engine,
    url: sa.URL,
    *,
    migrations: Sequence[Migration] = MIGRATIONS,
    target: int | None = None,
) -> int:
    """Bring the database up to ``target`` (default: the latest version); return the version it has."""
    known = migrations[-1].version if migrations else 0
    target = known if target is None else target
    with transaction(engine, write=True) as conn:
        version = _start(conn, url)
    if version > known:
        raise StoreError(
            f"the database {display_url(url)} was written by a newer digest "
            f"(schema {version}, this one knows {known}); upgrade digest"
        )
    for step in migrations:
        if not version < step.version <= target:
            continue
        with transaction(engine, write=True, rebuilds_tables=step.rebuilds_tables) as conn:
            _serialise(conn)
            version = read_version(conn) or 0
            if version >= step.version:  # another process got there first
                continue
            log.info("upgrading %s to schema %d: %s", display_url(url), step.version, step.description)
            step.upgrade(conn)
            conn.execute(schema.schema_version.update().values(version=step.version))
            version = step.version
    return version
