"""A PostgreSQL schema of its own for a test or a benchmark: the URL's search_path points there.

The test role cannot create databases, so each user of the shared test server gets a schema instead;
one helper serves the store tests, the worker tests and the benchmarks.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa


@contextmanager
def fresh_schema(base_url: str, prefix: str = "test", keep: str | None = None) -> Iterator[str]:
    """A URL of a new schema on ``base_url``'s server, dropped afterwards; ``keep`` names a schema to
    use instead (created if missing) and keep."""
    schema = keep or f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(sa.make_url(base_url).set(drivername="postgresql+psycopg"))
    with admin.begin() as conn:
        conn.exec_driver_sql(f"CREATE SCHEMA IF NOT EXISTS {schema}")
    try:
        yield (
            sa.make_url(base_url)
            .update_query_dict({"options": f"-csearch_path={schema}"})
            .render_as_string(hide_password=False)
        )
    finally:
        if keep is None:
            with admin.begin() as conn:
                conn.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")
        admin.dispose()
