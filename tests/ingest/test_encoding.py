"""decode_text: which encoding a page's bytes are read in, and the advice when none fits."""

from __future__ import annotations

from pathlib import Path

import pytest

from digest.errors import UndecodableText
from digest.ingest.encoding import decode_text
from digest.shipped import SAMPLE_PAGE
from tests.test_cli import run_digest

DATA = Path(__file__).parent.parent / "data"
PAGES = [*sorted((DATA / "pages").glob("*.txt")), SAMPLE_PAGE]

# Traditional Chinese as a Taiwanese or Hong Kong paper prints it: every byte pair of its Big5 is
# also a valid GB18030 pair, so only what the characters are can tell the two apart.
TRADITIONAL = (
    "本報訊 臺北市政府今日舉行記者會，宣佈將擴大推動公共運輸優惠措施，預計明年起實施。"
    "市長表示，這項政策將減輕通勤族的負擔，並鼓勵更多市民搭乘捷運與公車。\n"
    "（記者 王大明／臺北報導）\n"
)


def test_big5_text_is_refused_with_the_iconv_hint() -> None:
    with pytest.raises(UndecodableText, match=r"looks like Big5") as caught:
        decode_text(TRADITIONAL.encode("big5"), "news.txt")
    assert "iconv -f BIG5 -t UTF-8" in caught.value.message
    # Declared GBK (a mislabelled page) changes nothing: the bytes are still Big5.
    with pytest.raises(UndecodableText, match=r"looks like Big5"):
        decode_text(TRADITIONAL.encode("big5"), "news.htm", declared="gbk")


def test_a_big5_file_gets_the_hint_not_found_no_article(tmp_path: Path) -> None:
    page = tmp_path / "news.txt"
    page.write_bytes(TRADITIONAL.encode("big5"))
    result = run_digest("summarise", str(page))
    assert result.returncode == 2
    err = result.stderr.decode()
    assert "found no article" not in err and "iconv -f BIG5 -t UTF-8" in err, err


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.stem)
@pytest.mark.parametrize("encoding", ["gb18030", "gbk"])
def test_every_test_page_in_gb18030_or_gbk_still_decodes(page: Path, encoding: str) -> None:
    text = page.read_text(encoding="utf-8")
    assert decode_text(text.encode(encoding), page.name) == text


@pytest.mark.parametrize(
    "text",
    [
        "王喆",  # too little to judge: read as it comes
        "朱镕基 王喆 李芃 张珺 " * 3,  # names in GBK's extension, rarer than GB2312's characters
        "表一 ┌──┬──┐ α β γ ① ② 第三季度ＧＤＰ同比增长５％。",  # symbols, full-width digits
    ],
)
def test_gb_text_with_rare_characters_still_decodes(text: str) -> None:
    assert decode_text(text.encode("gb18030")) == text


def test_big5_declared_is_read_as_big5() -> None:
    assert decode_text(TRADITIONAL.encode("big5"), declared="big5") == TRADITIONAL


def test_a_declared_charset_with_a_nul_in_it_is_ignored() -> None:
    text = "本报讯 清河县新闻。"
    assert decode_text(text.encode(), "page.txt", declared="utf\x00-8") == text
