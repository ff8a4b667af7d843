"""FolderSource on a real folder: new, unchanged, changed, half-written and temporary files."""

from __future__ import annotations

import datetime as dt
import os
import time
from pathlib import Path

from digest.sources.folder import FolderSource

TODAY = dt.date(2024, 7, 26)


def _old(path: Path, age: float = 60.0) -> None:
    when = time.time() - age
    os.utime(path, (when, when))


def _source(folder: Path, **kwargs: object) -> FolderSource:
    return FolderSource("drop", "交城报", folder, **kwargs)  # type: ignore[arg-type]


def test_new_file_found_once_then_again_when_changed(tmp_path: Path) -> None:
    page = tmp_path / "jcb20240726_01.txt"
    page.write_text("交城县召开会议。", encoding="utf-8")
    _old(page)
    source = _source(tmp_path)

    first = source.poll({}, TODAY)
    assert [d.locator for d in first.documents] == [str(page)]
    document = first.documents[0]
    assert document.issue_date == dt.date(2024, 7, 26)
    assert document.paper == "交城报"
    assert document.raw.data == "交城县召开会议。".encode()
    assert document.raw.media_type == ".txt"
    assert first.errors == ()

    second = source.poll(first.state, TODAY)
    assert second.documents == ()
    assert second.state == first.state

    page.write_text("交城县召开第二次会议。", encoding="utf-8")
    _old(page, 30)
    third = source.poll(second.state, TODAY)
    assert [d.raw.data for d in third.documents] == ["交城县召开第二次会议。".encode()]


def test_touched_file_with_same_content_is_not_returned(tmp_path: Path) -> None:
    page = tmp_path / "a.txt"
    page.write_text("内容", encoding="utf-8")
    _old(page)
    source = _source(tmp_path)
    state = source.poll({}, TODAY).state
    _old(page, 30)

    again = source.poll(state, TODAY)

    assert again.documents == ()
    assert again.state["files"][str(page)][1] == page.stat().st_mtime_ns


def test_recently_modified_file_waits_for_the_next_poll(tmp_path: Path) -> None:
    page = tmp_path / "a.pdf"
    page.write_bytes(b"%PDF-1.4 half")
    now = [page.stat().st_mtime_ns / 1e9 + 1.0]
    source = _source(tmp_path, settle_seconds=5.0, clock=lambda: now[0])

    early = source.poll({}, TODAY)
    assert early.documents == () and early.errors == ()
    assert early.waiting == (
        "drop: a.pdf changed 1.0 s ago; it is read at the next poll, once it has been still for 5 s",
    )
    assert early.state == {"files": {}}

    now[0] += 10.0
    later = source.poll(early.state, TODAY)
    assert [d.locator for d in later.documents] == [str(page)]


def test_file_growing_during_the_poll_is_left(tmp_path: Path) -> None:
    page = tmp_path / "a.txt"
    page.write_text("第一段", encoding="utf-8")
    _old(page)

    def clock() -> float:
        # The writer adds to the file between the listing and the read; its mtime stays old.
        with page.open("a", encoding="utf-8") as stream:
            stream.write("第二段")
        _old(page)
        return time.time()

    grown = _source(tmp_path, clock=clock).poll({}, TODAY)
    assert grown.documents == ()

    settled = _source(tmp_path).poll(grown.state, TODAY)
    assert len(settled.documents) == 1


def test_temporary_and_unmatched_names_are_ignored(tmp_path: Path) -> None:
    for name in ("a.pdf.part", "b.tmp", "c.pdf.crdownload", "d.txt~", ".e.txt", "f.doc", "~$g.txt"):
        (tmp_path / name).write_text("x", encoding="utf-8")
        _old(tmp_path / name)
    (tmp_path / "H.HTM").write_text("<p>x</p>", encoding="utf-8")
    _old(tmp_path / "H.HTM")
    (tmp_path / "sub.txt").mkdir()

    result = _source(tmp_path).poll({}, TODAY)

    assert [Path(d.locator).name for d in result.documents] == ["H.HTM"]


def test_missing_folder_is_an_error_line_and_keeps_the_state(tmp_path: Path) -> None:
    state = {"files": {str(tmp_path / "gone" / "a.txt"): [1, 2, "abc"]}}

    result = _source(tmp_path / "gone").poll(state, TODAY)

    assert result.documents == ()
    assert len(result.errors) == 1
    assert "gone" in result.errors[0]
    assert "\n" not in result.errors[0]
    assert result.state == state


def test_empty_file_is_reported_once(tmp_path: Path) -> None:
    page = tmp_path / "empty.txt"
    page.write_bytes(b"")
    _old(page)
    source = _source(tmp_path)

    first = source.poll({}, TODAY)
    assert first.documents == ()
    assert len(first.errors) == 1
    assert source.poll(first.state, TODAY).errors == ()


def test_deleted_files_leave_the_state(tmp_path: Path) -> None:
    page = tmp_path / "a.txt"
    page.write_text("内容", encoding="utf-8")
    _old(page)
    source = _source(tmp_path)
    state = source.poll({}, TODAY).state
    page.unlink()

    assert source.poll(state, TODAY).state == {"files": {}}
