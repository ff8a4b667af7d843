"""Editing the user's config file: `sources add/remove`, `subscribers add/remove`, the subscribers API.

The file is edited as written, never rewritten from the loaded settings: those have ${ENV_VAR}
secrets resolved, which must not end up in the file. Each edit is a read-modify-write under an
exclusive lock (``<file>.lock``), so two edits at once never lose one; the previous version is kept
as ``<file>.bak``; the new one replaces the file atomically (write_atomic), so a full disk or a kill
mid-way leaves the old file intact, and its permissions (it may hold secrets) are kept.
"""

from __future__ import annotations

import contextlib
import stat
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import tomlkit

from digest.atomic import write_atomic
from digest.config import Settings, default_text, user_config_path
from digest.errors import ConfigError

try:
    import fcntl
except ImportError:  # Windows: edits are not serialised there
    fcntl = None  # type: ignore[assignment]

# A new config file may come to hold secrets: only its owner reads it.
_NEW_FILE_MODE = 0o600


def edit_list(
    settings: Settings, key: str, *, add: dict[str, Any] | None = None, remove: str | None = None
) -> Path:
    """Add a table to, or remove one (by name) from, an array of tables ([[sources]], [[subscribers]])
    of the user's config file, keeping everything else in it as it is. A file without the list
    starts from the embedded default list, which it replaces."""
    path = settings.config_file or user_config_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with _locked(path):
            old = path.read_bytes() if path.exists() else None
            document = tomlkit.parse(old.decode("utf-8")) if old is not None else tomlkit.document()
            if key not in document:
                tables = tomlkit.aot()
                for item in tomllib.loads(default_text()).get(key, []):
                    tables.append(item)
                document[key] = tables
            tables = document[key]
            if remove is not None:
                for index, table in enumerate(list(tables)):
                    if table.get("name") == remove:
                        del tables[index]
                        break
            if add is not None:
                tables.append(add)
            mode = stat.S_IMODE(path.stat().st_mode) if old is not None else _NEW_FILE_MODE
            if old is not None:
                write_atomic(path.with_name(path.name + ".bak"), old, mode=mode)
            write_atomic(path, tomlkit.dumps(document).encode("utf-8"), mode=mode)
    except OSError as exc:
        raise ConfigError(
            f"cannot write the config file {path}: {exc.strerror or exc}; it was left as it was "
            "(free some space or fix its permissions, then try again)"
        ) from None
    return path


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    if fcntl is None:
        yield
        return
    with path.with_name(path.name + ".lock").open("a+b") as lock:
        fcntl.flock(lock.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock.fileno(), fcntl.LOCK_UN)
