"""The outbox folder: each briefing as <day>-<subscriber>.md (title and Markdown) and .json (everything).

A person looking for a day's briefing finds it by name (``2026-12-02-desk.md``); a message that is
not a briefing (no day and subscriber in its data) is named by its idempotency key. Files are 0644,
readable by the web server or the colleague that picks them up.

Writes are atomic (a temporary file in the same folder, then a rename), so a reader never sees half
a file, and idempotent: the same idempotency key always writes the same file names, so a retry
overwrites rather than duplicates. The .json is written first, so a watcher of .md files finds its
data already there.
"""

from __future__ import annotations

import errno
import hashlib
import json
import re
from pathlib import Path

from digest.atomic import write_atomic
from digest.notify.base import Channel, DeliveryResult, Message

# Letters of any script are kept (a subscriber named 编辑部); separators and controls are not.
_UNSAFE = re.compile(r"[^\w.-]")
# Not worth retrying: the folder is wrong, not busy.
_FINAL_ERRNOS = frozenset({errno.EACCES, errno.EPERM, errno.ENOTDIR, errno.EISDIR, errno.EROFS, errno.ENOENT})


def file_stem(key: str) -> str:
    """A file name for ``key``: itself when it is safe, else a safe form with a hash to keep it unique."""
    safe = _UNSAFE.sub("_", key).strip(".") or "message"
    if safe == key and len(key) <= 150:
        return key
    return f"{safe[:120]}-{hashlib.sha256(key.encode()).hexdigest()[:12]}"


class FileChannel(Channel):
    kind = "file"

    def __init__(self, folder: str | Path, *, name: str = "", create: bool = True) -> None:
        super().__init__(name)
        self.folder = Path(folder).expanduser()
        self.create = create

    def describe(self) -> str:
        return f"{super().describe()} ({self.folder})"

    def paths(self, message: Message) -> tuple[Path, Path]:
        stem = file_stem(_briefing_name(message) or message.idempotency_key)
        return self.folder / f"{stem}.md", self.folder / f"{stem}.json"

    def _send(self, message: Message) -> DeliveryResult:
        markdown_path, json_path = self.paths(message)
        record = {
            "id": message.idempotency_key,
            "title": message.title,
            "text": message.text,
            "markdown": message.markdown,
            "html": message.html,
            "data": message.data,
        }
        try:
            if self.create:
                self.folder.mkdir(parents=True, exist_ok=True)
            write_atomic(json_path, json.dumps(record, ensure_ascii=False, indent=2).encode("utf-8") + b"\n")
            write_atomic(markdown_path, (message.titled("markdown") + "\n").encode())
        except (TypeError, ValueError) as exc:  # data that is not JSON
            return DeliveryResult.failed(f"the briefing data cannot be written as JSON: {exc}")
        except OSError as exc:
            reason = f"cannot write to {self.folder}: {exc.strerror or exc}"
            return (
                DeliveryResult.failed(reason) if exc.errno in _FINAL_ERRNOS else DeliveryResult.retry(reason)
            )
        return DeliveryResult.sent(str(markdown_path))


def _briefing_name(message: Message) -> str | None:
    """<day>-<subscriber>[-<part>of<n>] for a briefing (its data says whose and which day), else None."""
    day, subscriber = message.data.get("day"), message.data.get("subscriber")
    if not (isinstance(day, str) and isinstance(subscriber, str) and day and subscriber):
        return None
    sequence = message.data.get("sequence")
    name = f"{day}-{subscriber}" + (f"-{sequence}" if isinstance(sequence, int) and sequence > 1 else "")
    part, parts = message.data.get("part"), message.data.get("parts")
    return name + (f"-{part}of{parts}" if isinstance(part, int) and isinstance(parts, int) else "")
