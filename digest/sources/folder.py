"""A folder that issues are dropped into (a shared drive, a download directory, a scanner's output)."""

from __future__ import annotations

import datetime as dt
import fnmatch
import hashlib
import os
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from digest.errors import DigestError, EmptyInput, InputTooLarge
from digest.http import DEFAULT_MAX_BYTES
from digest.ingest.locator_dates import date_from_locator
from digest.ingest.sources import read_input
from digest.sources.base import FetchedDocument, PollResult

DEFAULT_PATTERNS = ("*.txt", "*.pdf", "*.htm", "*.html")
# Names that browsers, download tools, editors and copy programs give files they are still writing.
_TEMPORARY_SUFFIXES = (".part", ".partial", ".tmp", ".temp", ".crdownload", ".download", ".swp", "~")


class FolderSource:
    """New or changed files in one folder (not its subfolders) whose names match ``patterns``.

    State: ``{"files": {path: [size, mtime_ns, sha256]}}`` for every file already returned. A file is
    left for a later poll while it may still be written: modified less than ``settle_seconds`` ago, or
    changed between the listing and the end of reading it. A file whose size and mtime are unchanged,
    or whose content hash is, is not returned again.
    """

    def __init__(
        self,
        name: str,
        paper: str,
        path: str | os.PathLike[str],
        *,
        patterns: Sequence[str] = DEFAULT_PATTERNS,
        settle_seconds: float = 5.0,
        clock: Callable[[], float] = time.time,
        max_bytes: int = DEFAULT_MAX_BYTES,
        max_documents: int = 50,
    ) -> None:
        self.name = name
        self.paper = paper
        self.path = Path(path).expanduser()
        self.patterns = tuple(pattern.lower() for pattern in patterns)
        self.settle_seconds = settle_seconds
        self.clock = clock
        self.max_bytes = max_bytes
        # A poll holds every document it returns in memory; the rest come in the next batch, which
        # the cycle asks for at once (PollResult.more).
        self.max_documents = max_documents

    def poll(self, state: dict[str, Any], today: dt.date) -> PollResult:
        known = _known(state)
        try:
            entries = sorted(
                (entry for entry in os.scandir(self.path) if self._wanted(entry.name)), key=lambda e: e.name
            )
        except OSError as exc:
            reason = exc.strerror or type(exc).__name__
            error = f"{self.name}: cannot list the folder {self.path} ({reason}); check the path"
            # Keep the state: an unmounted share must not make every file look new once it is back.
            return PollResult(errors=(error,), state={"files": known})
        documents: list[FetchedDocument] = []
        errors: list[str] = []
        waiting: list[str] = []
        files: dict[str, list[Any]] = {}
        more = False
        for entry in entries:
            key = entry.path
            previous = known.get(key)
            if previous is not None:
                files[key] = previous  # kept until a newer version is read
            try:
                if not entry.is_file():
                    continue
                before = entry.stat()
            except OSError:
                continue  # vanished since the listing
            if previous is not None and previous[:2] == [before.st_size, before.st_mtime_ns]:
                continue
            age = self.clock() - before.st_mtime_ns / 1e9
            if age < self.settle_seconds:
                waiting.append(
                    f"{self.name}: {entry.name} changed {max(age, 0):.1f} s ago; it is read at the next "
                    f"poll, once it has been still for {self.settle_seconds:g} s"
                )
                continue
            if len(documents) >= self.max_documents:
                more = True  # read by the next batch of this same cycle
                continue
            self._read(
                entry.name,
                key,
                before=before,
                previous=previous,
                files=files,
                documents=documents,
                errors=errors,
            )
        return PollResult(
            documents=tuple(documents),
            errors=tuple(errors),
            waiting=tuple(waiting),
            state={"files": files},
            more=more,
        )

    def unread(self, state: dict[str, Any]) -> list[str]:
        """The names of the files a poll would read now or soon: new, or changed since they were read."""
        known = _known(state)
        try:
            entries = [entry for entry in os.scandir(self.path) if self._wanted(entry.name)]
        except OSError:
            return []
        names = []
        for entry in entries:
            try:
                if not entry.is_file():
                    continue
                now = entry.stat()
            except OSError:
                continue
            previous = known.get(entry.path)
            if previous is None or previous[:2] != [now.st_size, now.st_mtime_ns]:
                names.append(entry.name)
        return sorted(names)

    def _read(
        self,
        filename: str,
        key: str,
        *,
        before: os.stat_result,
        previous: list[Any] | None,
        files: dict[str, list[Any]],
        documents: list[FetchedDocument],
        errors: list[str],
    ) -> None:
        try:
            raw = read_input(key, max_bytes=self.max_bytes)
            after = Path(key).stat()
        except (EmptyInput, InputTooLarge) as exc:
            # The file is complete and wrong: say so once, and again only when it changes.
            errors.append(f"{self.name}: {exc}")
            files[key] = [before.st_size, before.st_mtime_ns, ""]
            return
        except (DigestError, OSError) as exc:
            errors.append(f"{self.name}: {exc}")
            return
        if (after.st_size, after.st_mtime_ns) != (before.st_size, before.st_mtime_ns) or len(
            raw.data
        ) != before.st_size:
            return  # it changed while we read it: still being written, try again next poll
        digest = hashlib.sha256(raw.data).hexdigest()
        files[key] = [before.st_size, before.st_mtime_ns, digest]
        if previous is not None and previous[2] == digest:
            return  # touched or copied again, same content
        documents.append(
            FetchedDocument(
                source=self.name,
                paper=self.paper,
                locator=key,
                raw=raw,
                issue_date=date_from_locator(filename),
            )
        )

    def _wanted(self, filename: str) -> bool:
        lowered = filename.lower()
        if lowered.startswith((".", "~$")) or lowered.endswith(_TEMPORARY_SUFFIXES):
            return False
        return any(fnmatch.fnmatchcase(lowered, pattern) for pattern in self.patterns)


def _known(state: dict[str, Any]) -> dict[str, list[Any]]:
    """The files of ``state`` that look right; anything else (an older format, a hand edit) is dropped."""
    files = state.get("files")
    if not isinstance(files, dict):
        return {}
    return {
        str(path): list(value) for path, value in files.items() if isinstance(value, list) and len(value) == 3
    }
