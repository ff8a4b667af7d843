"""The store's one error, and the masking that keeps database passwords out of every message."""

from __future__ import annotations

import sqlalchemy as sa

from digest.errors import DigestError


class StoreError(DigestError):
    """The database cannot be opened, migrated, locked or written; the user has to act."""

    exit_code = 2
    http_status = 500


def display_url(url: sa.URL) -> str:
    """The URL as it may appear in messages and logs: the password is replaced by ***."""
    return url.render_as_string(hide_password=True)


def scrub(text: str, url: sa.URL) -> str:
    """``text`` with the URL's password masked wherever it appears (driver messages may echo it)."""
    if url.password:
        text = text.replace(url.render_as_string(hide_password=False), display_url(url))
        text = text.replace(str(url.password), "***")
    return text
