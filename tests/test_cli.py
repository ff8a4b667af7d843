"""`digest summarise` as a user runs it: a real process, real files, a real HTTP server."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from digest.shipped import SAMPLE_PAGE

DATA = Path(__file__).parent / "data"
SAMPLE = SAMPLE_PAGE
EXPECTED = json.loads((DATA / "000_0ebbebed01f08da6.expected.json").read_text(encoding="utf-8"))["articles"]


def run_digest(
    *args: str, stdin: bytes | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "digest", *args],
        input=stdin,
        capture_output=True,
        timeout=120,
        env={**os.environ, **(env or {})},
        check=False,
    )


def as_json(result: subprocess.CompletedProcess[bytes]) -> dict[str, Any]:
    assert result.returncode == 0, result.stderr.decode()
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def test_json_output_is_the_documented_contract() -> None:
    data = as_json(run_digest("summarise", str(SAMPLE), "--format", "json"))
    assert data["source"] == str(SAMPLE)
    assert data["errors"] == []
    assert len(data["articles"]) == 5
    for got, expected in zip(data["articles"], EXPECTED, strict=True):
        assert set(got) >= {
            "index",
            "text",
            "paragraphs",
            "page_headline",
            "captions",
            "writers",
            "photographers",
            "date",
            "headline",
            "summary",
            "engine",
        }
        assert got["text"].startswith(expected["starts"]) and got["text"].endswith(expected["ends"])
        assert got["text"] == "\n".join(got["paragraphs"])
        assert got["writers"] == expected["writers"]
        assert got["photographers"] == expected["photographers"]
        assert got["page_headline"] == expected["headline"]
        assert got["captions"] == expected["captions"]
        assert got["engine"] == "extractive"
        assert 0 < len(got["headline"]) <= 30 and 0 < len(got["summary"]) <= 120
    assert [a["index"] for a in data["articles"]] == [1, 2, 3, 4, 5]


def test_issue_date_resolves_datelines() -> None:
    data = as_json(run_digest("summarise", str(SAMPLE), "--format", "json", "--issue-date", "2024-08-01"))
    assert [a["date"] for a in data["articles"]] == [None, "2024-07-25", None, "2024-07-29", "2024-07-31"]


def test_text_output_reads_in_a_terminal() -> None:
    result = run_digest("summarise", str(SAMPLE))
    assert result.returncode == 0
    out = result.stdout.decode()
    assert "5 articles" in out
    assert "[3] 交城县庞泉沟镇用暖心服务打造优质文旅生态圈" in out
    assert "文/范英哲 · 图/荀超" in out
    assert result.stderr == b""


def test_markdown_output() -> None:
    out = run_digest("summarise", str(SAMPLE), "--format", "markdown").stdout.decode()
    assert out.count("\n## ") == 5
    assert "## 5. 交城县2024年上半年经济工作会议召开" in out


def test_stdin_gb18030_with_crlf_gives_the_same_articles() -> None:
    text = SAMPLE.read_text(encoding="utf-8").replace("\n", "\r\n")
    from_stdin = as_json(run_digest("summarise", "-", "--format", "json", stdin=text.encode("gb18030")))
    from_file = as_json(run_digest("summarise", str(SAMPLE), "--format", "json"))
    assert from_stdin["source"] == "-"
    assert from_stdin["articles"] == from_file["articles"]


def test_limits_from_options_and_environment() -> None:
    data = as_json(
        run_digest(
            "summarise",
            str(SAMPLE),
            "--format",
            "json",
            "--headline-max",
            "12",
            env={"DIGEST_SUMMARISE_SUMMARY_MAX_CHARS": "50"},
        )
    )
    assert all(len(a["headline"]) <= 12 and len(a["summary"]) <= 50 for a in data["articles"])


def _error(result: subprocess.CompletedProcess[bytes]) -> str:
    assert result.stdout == b""
    lines = result.stderr.decode().strip().splitlines()
    assert len(lines) == 1, lines  # one clear line, no traceback
    return lines[0]


def test_missing_file(tmp_path: Path) -> None:
    result = run_digest("summarise", str(tmp_path / "nope.txt"))
    assert result.returncode == 2
    assert "no such file" in _error(result)


def test_empty_input(tmp_path: Path) -> None:
    (tmp_path / "empty.txt").write_bytes(b"")
    result = run_digest("summarise", str(tmp_path / "empty.txt"))
    assert result.returncode == 2
    assert "empty" in _error(result)


def test_binary_input(tmp_path: Path) -> None:
    (tmp_path / "photo.txt").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 20)
    result = run_digest("summarise", str(tmp_path / "photo.txt"))
    assert result.returncode == 2
    assert "PNG" in _error(result)


def test_undecodable_text(tmp_path: Path) -> None:
    # Latin-1 bytes that are valid neither as UTF-8 nor as GB18030.
    (tmp_path / "odd.txt").write_bytes("本报讯".encode() + b"\xff\xfe\x80 abc \xff")
    result = run_digest("summarise", str(tmp_path / "odd.txt"))
    assert result.returncode == 2
    assert "UTF-8" in _error(result)


def test_page_of_only_page_matter_is_an_error_and_other_text_is_kept(tmp_path: Path) -> None:
    (tmp_path / "matter.txt").write_text(
        "第3版 要闻 2012年6月12日 星期二\n【法治在线】\n责任编辑：王五 校对：赵六\n", encoding="utf-8"
    )
    result = run_digest("summarise", str(tmp_path / "matter.txt"))
    assert result.returncode == 2
    assert "only page matter" in _error(result) and "--explain" in _error(result)
    # A page of text without any lead is read, not refused: nothing on it is lost.
    (tmp_path / "ad.txt").write_text(
        "招聘启事：某公司诚聘编辑若干名。\n联系电话：12345678\n", encoding="utf-8"
    )
    found = as_json(run_digest("summarise", str(tmp_path / "ad.txt"), "--format", "json"))
    assert len(found["articles"]) == 1
    assert "12345678" in found["articles"][0]["text"]


def test_explain_labels_every_line(tmp_path: Path) -> None:
    result = run_digest("summarise", "--explain", str(SAMPLE))
    assert result.returncode == 0
    rows = result.stdout.decode("utf-8").splitlines()
    printed = [line for line in SAMPLE.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert len(rows) == len(printed)
    assert rows[0].split()[:3] == ["1", "lead", "#1"]
    assert any(row.split()[1:3] == ["headline", "#3"] for row in rows)
    listed = as_json(run_digest("summarise", "--explain", "--format", "json", str(SAMPLE)))
    assert {row["label"] for row in listed} >= {"lead", "body", "close", "headline", "caption"}
    assert listed[-1]["article"] == 5


def test_json_has_the_page_object() -> None:
    found = as_json(run_digest("summarise", "--format", "json", str(SAMPLE)))
    assert found["page"] == {"header": [], "editors": [], "columns": [], "other": [], "unplaced": []}


def test_unplaced_text_is_warned_about(tmp_path: Path) -> None:
    page = tmp_path / "page.txt"
    page.write_text(
        "本报讯 某县召开秋季农业生产会议，部署秋收工作。\n（记者 张三）\n"
        "本报讯 某镇举办农民丰收节，群众踊跃参加。\n（李四）\n"
        "一二三四五六七八九十甲乙丙丁\n子丑寅卯辰巳午未申酉戌亥\n",
        encoding="utf-8",
    )
    result = run_digest("summarise", "--format", "json", str(page))
    assert result.returncode == 0
    unplaced = json.loads(result.stdout)["page"]["unplaced"]
    assert unplaced == ["一二三四五六七八九十甲乙丙丁", "子丑寅卯辰巳午未申酉戌亥"]
    stderr = result.stderr.decode("utf-8")
    assert "belong to no article" in stderr and "一二三四五六七八九十" in stderr
    for fmt in ("text", "markdown"):  # and they are in the output itself, whatever its format
        shown = run_digest("summarise", "--format", fmt, str(page)).stdout.decode("utf-8")
        assert "一二三四五六七八九十甲乙丙丁" in shown and "子丑寅卯辰巳午未申酉戌亥" in shown


def test_bad_config_is_reported(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("[summarise]\nengine = 'magic'\n", encoding="utf-8")
    result = run_digest("--config", str(bad), "summarise", str(SAMPLE))
    assert result.returncode == 2
    assert "summarise.engine" in _error(result)


@pytest.mark.parametrize("args", [["--version"], ["summarise", "--help"]])
def test_help_and_version(args: list[str]) -> None:
    assert run_digest(*args).returncode == 0


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes")
def test_a_named_pipe_is_refused_not_waited_on(tmp_path: Path) -> None:
    fifo = tmp_path / "page.txt"
    os.mkfifo(fifo)
    config = tmp_path / "digest.toml"
    config.write_text(f'[store]\nurl = "sqlite:///{tmp_path / "digest.db"}"\n', encoding="utf-8")
    for command in ("summarise", "ingest"):
        result = run_digest("--config", str(config), command, str(fifo))
        assert result.returncode == 2, result.stderr.decode()
        assert "is a named pipe, not a regular file" in _error(result) and "- to read stdin" in _error(result)
