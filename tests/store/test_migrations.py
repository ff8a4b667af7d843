"""Schema versions: an empty database gets the latest, an older one is upgraded with its data, a newer
one is refused, and a step that fails leaves the database as it was."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine.interfaces import ReflectedIndex

from digest.store import LATEST_VERSION, IngestOutcome, StoreError, migrate, open_store
from digest.store import db as store_db
from digest.store.migrations import read_version
from digest.store.schema import SEARCH_TABLES, metadata, schema_version
from digest.store.versions import MIGRATIONS, Migration
from tests.store.conftest import NOW, document, sample_articles


@pytest.fixture
def engine(store_url: str) -> Iterator[sa.Engine]:
    """An engine with the store's connection settings on the empty test database."""
    engine = store_db.create_engine(store_db.parse_url(store_url))
    yield engine
    engine.dispose()


def version_of(engine: sa.Engine) -> int | None:
    with engine.connect() as conn:
        return read_version(conn)


def tables_of(engine: sa.Engine) -> set[str]:
    """digest's tables, less the search table (and its FTS5 shadows), which schema.py cannot describe
    and test_search.py checks."""
    return set(sa.inspect(engine).get_table_names()) - SEARCH_TABLES


def shape(engine: sa.Engine) -> dict[str, object]:
    """What a schema is made of, as reflection sees it, comparable across the ways it was built."""
    inspector = sa.inspect(engine)
    found: dict[str, object] = {}
    for table in sorted(set(inspector.get_table_names()) - SEARCH_TABLES):
        found[table] = (
            [(c["name"], c["nullable"], type(c["type"]).__name__) for c in inspector.get_columns(table)],
            sorted((u["name"], tuple(u["column_names"])) for u in inspector.get_unique_constraints(table)),
            sorted(
                (i["name"], tuple(i["column_names"]), bool(i["unique"]), where(i))
                for i in inspector.get_indexes(table)
            ),
            sorted(
                (tuple(f["constrained_columns"]), f["referred_table"], tuple(f["referred_columns"]))
                for f in inspector.get_foreign_keys(table)
            ),
        )
    return found


def where(index: ReflectedIndex) -> str:
    """The WHERE clause of a partial index, as text."""
    return " ".join(f"{k}={v}" for k, v in sorted(index.get("dialect_options", {}).items()))


def test_an_empty_database_gets_the_latest_schema(store_url: str, engine: sa.Engine) -> None:
    open_store(store_url).close()
    assert version_of(engine) == LATEST_VERSION == MIGRATIONS[-1].version
    assert tables_of(engine) == set(metadata.tables)


def test_the_migrations_build_exactly_what_schema_py_describes(engine: sa.Engine) -> None:
    migrate(engine, engine.url)
    migrated = shape(engine)
    metadata.drop_all(engine)
    assert tables_of(engine) == set()
    metadata.create_all(engine)
    assert shape(engine) == migrated


def test_an_older_database_is_upgraded_and_keeps_its_data(store_url: str, engine: sa.Engine) -> None:
    assert migrate(engine, engine.url, target=1) == 1
    assert "subscribers" not in tables_of(engine)
    with engine.begin() as conn:  # a version-1 database with an issue in it
        conn.execute(
            sa.text(
                "INSERT INTO issues (source, paper, locator, edition, content_hash, fetched_at) "
                "VALUES ('folder', '交城报', 'page1.txt', '', 'old-hash', :now)"
            ),
            {"now": NOW},
        )
    store = open_store(store_url)
    try:
        assert version_of(engine) == LATEST_VERSION
        assert {"subscribers", "briefings", "deliveries"} <= tables_of(engine)
        assert store.status().issues == 1
        outcome, _ = store.record_document(document(), "new-hash", sample_articles(), now=NOW)
        assert outcome is IngestOutcome.REPLACED
    finally:
        store.close()


def test_a_later_step_adding_a_column_keeps_rows(engine: sa.Engine) -> None:
    def add_column(conn: sa.Connection) -> None:
        conn.exec_driver_sql("ALTER TABLE subscribers ADD COLUMN email TEXT")

    migrate(engine, engine.url)
    with engine.begin() as conn:
        conn.exec_driver_sql("INSERT INTO subscribers (name, config) VALUES ('alice', '{}')")
    future = (*MIGRATIONS, Migration(LATEST_VERSION + 1, "subscriber email", add_column))
    assert migrate(engine, engine.url, migrations=future) == LATEST_VERSION + 1
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT name, email FROM subscribers").all() == [("alice", None)]


def test_a_newer_database_is_refused(store_url: str, engine: sa.Engine) -> None:
    migrate(engine, engine.url)
    with engine.begin() as conn:
        conn.execute(schema_version.update().values(version=LATEST_VERSION + 3))
    with pytest.raises(StoreError) as caught:
        open_store(store_url)
    assert caught.value.exit_code == 2
    assert (
        f"was written by a newer digest (schema {LATEST_VERSION + 3}, this one knows {LATEST_VERSION})"
        in str(caught.value)
    )
    assert str(caught.value).endswith("; upgrade digest")


def test_a_failing_step_leaves_the_previous_version(engine: sa.Engine) -> None:
    def half_done(conn: sa.Connection) -> None:
        conn.exec_driver_sql("CREATE TABLE half_done (id INTEGER)")
        conn.exec_driver_sql("ALTER TABLE issues ADD COLUMN half_done TEXT")
        raise RuntimeError("killed midway")

    migrate(engine, engine.url)
    broken = (*MIGRATIONS, Migration(LATEST_VERSION + 1, "fails", half_done))
    with pytest.raises(RuntimeError, match="killed midway"):
        migrate(engine, engine.url, migrations=broken)
    assert version_of(engine) == LATEST_VERSION
    assert "half_done" not in tables_of(engine)
    assert "half_done" not in {c["name"] for c in sa.inspect(engine).get_columns("issues")}


def test_a_database_with_our_tables_but_no_version_is_refused(store_url: str, engine: sa.Engine) -> None:
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE issues (id INTEGER)")
    with pytest.raises(StoreError, match="no schema version; use an empty database"):
        open_store(store_url)


def test_other_tables_in_the_database_are_left_alone(store_url: str, engine: sa.Engine) -> None:
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE someone_elses (id INTEGER)")
    open_store(store_url).close()
    assert "someone_elses" in tables_of(engine) and version_of(engine) == LATEST_VERSION


def test_opening_twice_does_not_migrate_twice(
    open_test_store: Callable[[], object], engine: sa.Engine
) -> None:
    open_test_store()
    open_test_store()
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM schema_version").scalar_one() == 1


def test_sqlite_settings(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "er" / "digest.db"
    store = open_store(str(path))  # a plain path means SQLite
    try:
        assert path.exists()
        with store.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar_one() == "wal"
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar_one() == 1
            assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar_one() == 30_000
    finally:
        store.close()


def test_version_6_numbers_the_briefings_of_a_day_and_keeps_every_reference(engine: sa.Engine) -> None:
    # A version-5 database with a briefing, the article it briefed, and its delivery.
    assert migrate(engine, engine.url, target=5) == 5
    with engine.begin() as conn:
        for statement in (
            "INSERT INTO issues (id, source, paper, locator, edition, content_hash, fetched_at) "
            "VALUES (1, 'folder', '清河报', 'p1.txt', '', 'h', :now)",
            "INSERT INTO articles (id, issue_id, position, text, paragraphs, writers, photographers, "
            "captions, superseded) VALUES (1, 1, 0, '清河县新闻。', '[]', '[]', '[]', '[]', false)",
            "INSERT INTO briefings (id, subscriber, day, created_at, content) "
            "VALUES (7, 'desk', '2026-12-02', :now, '{}')",
            "INSERT INTO briefed (subscriber, article_id, briefing_id) VALUES ('desk', 1, 7)",
            "INSERT INTO deliveries (id, briefing_id, channel, part, status, attempts, idempotency_key, "
            "updated_at) VALUES (3, 7, 'desk/file', 1, 'sent', 1, 'brf_7_file_1', :now)",
        ):
            conn.execute(sa.text(statement), {"now": NOW})
    assert migrate(engine, engine.url) == LATEST_VERSION
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT id, sequence FROM briefings")).all() == [(7, 1)]
        assert conn.execute(sa.text("SELECT briefing_id FROM briefed")).scalar_one() == 7
        assert conn.execute(sa.text("SELECT briefing_id FROM deliveries")).scalar_one() == 7
    insert = sa.text(
        "INSERT INTO briefings (subscriber, day, created_at, content, sequence) "
        "VALUES ('desk', '2026-12-02', :now, '{}', :sequence)"
    )
    with engine.begin() as conn:  # a supplement the same day is allowed…
        conn.execute(insert, {"now": NOW, "sequence": 2})
    with pytest.raises(sa.exc.IntegrityError), engine.begin() as conn:  # …the same number twice is not
        conn.execute(insert, {"now": NOW, "sequence": 1})
    with pytest.raises(sa.exc.IntegrityError), engine.begin() as conn:  # and foreign keys hold again
        conn.execute(
            sa.text("INSERT INTO briefed (subscriber, article_id, briefing_id) VALUES ('x', 1, 999)")
        )
