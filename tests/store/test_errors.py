"""Messages about databases never show a password, whatever went wrong."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import pytest
import sqlalchemy as sa

from digest.errors import DigestError
from digest.store import StoreError, open_store, run_lock
from digest.store.db import parse_url
from digest.store.errors import scrub
from tests.store.conftest import POSTGRES_ENV

SECRET = "s3cr3t-Pa55"  # noqa: S105  (a made-up password that must never appear)


def test_store_error_is_a_digest_error_with_exit_code_2() -> None:
    assert issubclass(StoreError, DigestError)
    assert StoreError.exit_code == 2


def test_an_unreachable_server_is_reported_without_the_password() -> None:
    with pytest.raises(StoreError) as caught:
        open_store(f"postgresql+psycopg://digest:{SECRET}@127.0.0.1:1/digest")
    message = str(caught.value)
    assert message.startswith("cannot open the database postgresql+psycopg://digest:***@127.0.0.1:1/digest: ")
    assert SECRET not in message
    assert SECRET not in repr(caught.value.__cause__) and caught.value.__suppress_context__


@pytest.mark.parametrize(
    "url",
    [
        f"mysql://root:{SECRET}@localhost/digest",
        f"postgresql+psycopg2://root:{SECRET}@localhost/digest",
        f"postgresql+psycopg://root:{SECRET}@localhost:notaport/digest",
    ],
)
def test_bad_urls_are_refused_without_the_password(url: str) -> None:
    with pytest.raises(StoreError) as caught:
        open_store(url)
    assert SECRET not in str(caught.value)
    assert "sqlite:///PATH or postgresql+psycopg://" in str(caught.value)


def test_urls() -> None:
    assert parse_url("postgres://u@h/d").drivername == "postgresql+psycopg"
    assert parse_url("postgresql://u@h/d").drivername == "postgresql+psycopg"
    assert parse_url("~/digest.db").database == str(Path("~/digest.db").expanduser())
    assert parse_url("sqlite:///rel/digest.db").database == "rel/digest.db"


def test_scrub_masks_the_password_wherever_it_appears() -> None:
    url = sa.make_url(f"postgresql+psycopg://u:{SECRET}@h/d")
    text = f"failed for postgresql+psycopg://u:{SECRET}@h/d (password {SECRET})"
    assert scrub(text, url) == "failed for postgresql+psycopg://u:***@h/d (password ***)"


@pytest.mark.skipif(not os.environ.get(POSTGRES_ENV), reason=f"set {POSTGRES_ENV} to run against PostgreSQL")
def test_logs_and_lock_messages_mask_the_password(caplog: pytest.LogCaptureFixture) -> None:
    url = sa.make_url(os.environ[POSTGRES_ENV])
    if url.password is None:  # the throwaway server of .ci/postgres.sh trusts 127.0.0.1: any password works
        url = url.set(password=SECRET)
    caplog.set_level(logging.DEBUG)
    store = open_store(url.render_as_string(hide_password=False))
    try:
        with run_lock(store), pytest.raises(StoreError) as caught, run_lock(store):
            pass
        assert "***" in str(caught.value) and str(url.password) not in str(caught.value)
        assert "***" in repr(store) and str(url.password) not in repr(store)
    finally:
        store.close()
    assert caplog.messages and not any(str(url.password) in m for m in caplog.messages)
