"""extract_html on Founder e-paper pages, generic article pages and hostile markup."""

from __future__ import annotations

import datetime as dt
import time

import pytest

from digest.errors import BinaryInput
from digest.ingest.html import PARAGRAPH_START, extract_html
from digest.models import DocumentKind

URL = "http://szb.example.cn/epaper/html/2024-07/26/content_12345.htm"

# 镕 and 喆 are in GBK but not in GB2312: a page that says gb2312 and uses them only decodes whole
# when read as the GB18030 superset.
FOUNDER_PAGE = """<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN">
<html><head>
<meta http-equiv="Content-Type" content="text/html; charset=gb2312">
<title>交城县总工会送清凉--吕梁日报</title>
<script type="text/javascript">var nav = "</p><p>脚本里的假段落</p>";</script>
<style>p { text-indent: 2em }</style>
</head><body>
<div class="header"><a href="node_1.htm">第01版：要闻</a></div>
<table width="100%"><tr><td>
  <div class="newsdetatit">
    <h3>情系职工　清凉一夏</h3>
    <h1>交城县总工会为一线职工
        送清凉</h1>
    <h2>县级领导王喆参与发放仪式</h2>
  </div>
  <div id="ozoom" style="font-size:14px;"><!--enpcontent--><founder-content>
    <table class="pci_c" align="center"><tbody>
      <tr><td><img src="../../../res/1/20240726/1.jpg"></td></tr>
      <tr><td class="font03">庞泉沟镇联合相关部门开展专项检查　申淼　摄</td></tr>
    </tbody></table>
    <p>　　本报讯 盛夏时节，骄阳似火。交城县总工会
2024年“情系职工 清凉一夏”暨入企服务活动启动。</p>
    <p>&nbsp;&nbsp;&nbsp;&nbsp;朱镕基同志曾说过的话被再次提起，<b>工会</b>组织要充分发挥作用。</p>
    <p>　　第三段<br>　　第四段，紧跟在换行之后。</p>
    <p>　</p>
  </founder-content><!--/enpcontent--></div>
</td></tr></table>
<div class="footer">版权所有 吕梁日报社</div>
</body></html>"""


def _founder_bytes() -> bytes:
    return FOUNDER_PAGE.encode("gb18030")


def test_the_test_page_really_needs_more_than_gb2312() -> None:
    with pytest.raises(UnicodeEncodeError):
        "镕".encode("gb2312")
    with pytest.raises(UnicodeEncodeError):
        "喆".encode("gb2312")


def test_founder_page() -> None:
    page = extract_html(_founder_bytes(), URL)

    assert page.kind is DocumentKind.HTML
    assert page.single_article
    assert page.headlines == ("交城县总工会为一线职工送清凉",)
    assert page.kicker == "情系职工\u3000清凉一夏"
    assert page.subhead == "县级领导王喆参与发放仪式"
    assert page.captions == ("庞泉沟镇联合相关部门开展专项检查\u3000申淼\u3000摄",)
    assert page.lines == (
        PARAGRAPH_START
        + "本报讯 盛夏时节，骄阳似火。交城县总工会2024年“情系职工 清凉一夏”暨入企服务活动启动。",
        PARAGRAPH_START + "朱镕基同志曾说过的话被再次提起，工会组织要充分发挥作用。",
        PARAGRAPH_START + "第三段",
        PARAGRAPH_START + "第四段，紧跟在换行之后。",
    )
    assert page.issue_date == dt.date(2024, 7, 26)


def test_http_charset_wins_over_meta() -> None:
    # The page says gb2312 in <meta> but the server says UTF-8, and the bytes are UTF-8.
    data = FOUNDER_PAGE.encode("utf-8")
    page = extract_html(data, URL, declared_charset="utf-8")
    assert page.headlines == ("交城县总工会为一线职工送清凉",)


def test_servers_default_latin1_does_not_override_the_page() -> None:
    page = extract_html(_founder_bytes(), URL, declared_charset="ISO-8859-1")
    assert page.subhead == "县级领导王喆参与发放仪式"


def test_xml_declaration_with_encoding() -> None:
    data = ('<?xml version="1.0" encoding="gbk"?>\n' + FOUNDER_PAGE).encode("gb18030")
    assert extract_html(data, URL).headlines == ("交城县总工会为一线职工送清凉",)


def test_founder_page_with_br_separated_body_and_empty_kicker() -> None:
    html = """<html><body><h3></h3><h1>标题</h1><h2></h2>
    <div id="ozoom"><founder-content>　　第一段文字。<br>　　第二段文字，
    接着写。<br/>　　第三段。</founder-content></div></body></html>"""
    page = extract_html(html.encode(), "page.htm")
    assert page.headlines == ("标题",)
    assert page.kicker is None
    assert page.subhead is None
    expected = ("第一段文字。", "第二段文字，接着写。", "第三段。")
    assert page.lines == tuple(PARAGRAPH_START + t for t in expected)
    assert page.issue_date is None


def test_founder_headings_inside_the_body_are_not_body_text() -> None:
    html = """<html><body><div id="ozoom"><h3>引题</h3><h1>标题</h1><h2>副题</h2>
    <founder-content><p>　　正文。</p></founder-content></div></body></html>"""
    page = extract_html(html.encode(), "page.htm")
    assert (page.kicker, page.headlines, page.subhead) == ("引题", ("标题",), "副题")
    assert page.lines == (PARAGRAPH_START + "正文。",)


def test_caption_paragraph_after_an_image_in_a_cell() -> None:
    html = """<html><body><h1>标题</h1><div id="ozoom">
    <table><tr><td><img src="a.jpg"><p>图为会议现场。</p></td></tr></table>
    <p>　　正文。</p>
    <p style="text-align: center"><img src="b.jpg"></p><p style="text-align:center">第二张图的说明</p>
    <p>　　正文二。</p></div></body></html>"""
    page = extract_html(html.encode(), "x.htm")
    assert page.captions == ("图为会议现场。", "第二张图的说明")
    assert page.lines == (PARAGRAPH_START + "正文。", PARAGRAPH_START + "正文二。")


# --- generic pages --------------------------------------------------------------------------------


GENERIC_PAGE = """<!doctype html><html><head><meta charset="utf-8">
<title>县里召开经济工作会议_新闻频道_某某网</title>
<meta property="og:title" content="县里召开经济工作会议">
</head><body>
<header><h1>某某网</h1><nav><a href="/">首页</a><a href="/news">新闻</a></nav></header>
<main>
<article>
  <header><h1>县里召开经济工作会议</h1><time>2024-07-31</time></header>
  <p>7月31日，县上半年经济工作会议召开。</p>
  <figure><img src="meeting.jpg"><figcaption>会议为先进单位颁奖</figcaption></figure>
  <p>会议总结了上半年工作，
     部署了下半年任务。</p>
  <footer>责任编辑：张三</footer>
</article>
<aside><p>热门新闻一</p><p>热门新闻二</p></aside>
</main>
<footer><p>版权所有</p></footer>
</body></html>"""


def test_generic_article_page() -> None:
    page = extract_html(GENERIC_PAGE.encode(), "https://news.example.com/2024/07/31/1234.html")

    assert page.single_article
    assert page.headlines == ("县里召开经济工作会议",)
    assert page.captions == ("会议为先进单位颁奖",)
    assert page.lines == (
        PARAGRAPH_START + "7月31日，县上半年经济工作会议召开。",
        PARAGRAPH_START + "会议总结了上半年工作，部署了下半年任务。",
    )
    assert page.kicker is None
    assert page.issue_date == dt.date(2024, 7, 31)


def test_densest_paragraph_container_without_article_element() -> None:
    html = """<html><head><title>新闻标题 - 某某网</title></head><body>
    <div class="menu"><p>首页</p><p>新闻</p></div>
    <div class="content"><p>第一段正文，比菜单长得多的文字。</p><p>第二段正文，同样很长的一段文字。</p></div>
    <div class="links"><p>友情链接</p></div></body></html>"""
    page = extract_html(html.encode(), "x.html")
    assert page.headlines == ("新闻标题",)  # from <title>, the site name stripped
    assert page.lines == (
        PARAGRAPH_START + "第一段正文，比菜单长得多的文字。",
        PARAGRAPH_START + "第二段正文，同样很长的一段文字。",
    )


def test_headline_beside_the_text_container_and_item_body() -> None:
    html = """<html><body><div class="art"><h1>旁边的标题</h1>
    <div itemprop="articleBody"><p>正文一段。</p></div></div>
    <div><p>很长很长很长很长很长很长很长很长很长很长很长很长的侧栏文字</p></div></body></html>"""
    page = extract_html(html.encode(), "x.html")
    assert page.headlines == ("旁边的标题",)
    assert page.lines == (PARAGRAPH_START + "正文一段。",)


def test_og_title_when_there_is_no_h1() -> None:
    html = """<html><head><meta property="og:title" content="分享标题"><title>别的_站点</title></head>
    <body><article><p>正文。</p></article></body></html>"""
    assert extract_html(html.encode(), "x").headlines == ("分享标题",)


def test_aspnet_form_wrapping_the_page_is_kept() -> None:
    html = """<html><body><form id="form1" method="post"><input type="hidden" value="x">
    <div><p>表单里的正文。</p></div></form><form><input name="q"><p></p></form></body></html>"""
    assert extract_html(html.encode(), "x").lines == (PARAGRAPH_START + "表单里的正文。",)


def test_latin_text_keeps_spaces_across_source_line_breaks() -> None:
    html = b"<html><body><p>Xinhua News\n   Agency   reports\xc2\xa0today</p></body></html>"
    assert extract_html(html, "x").lines == (PARAGRAPH_START + "Xinhua News Agency reports today",)


@pytest.mark.parametrize(
    "html",
    [
        b"",
        b"   \n",
        b"<html><body></body></html>",
        b"<html><body><p> </p><p>&nbsp;</p></body></html>",
        b"<!-- only a comment -->",
        b"<html><body><script>var a = 1;</script></body></html>",
    ],
)
def test_page_without_text_gives_empty_lines(html: bytes) -> None:
    page = extract_html(html, URL)
    assert page.lines == ()
    assert page.kind is DocumentKind.HTML
    assert page.issue_date == dt.date(2024, 7, 26)


# --- hostile markup -------------------------------------------------------------------------------


def _timed(data: bytes, limit: float) -> tuple[tuple[str, ...], float]:
    started = time.perf_counter()
    page = extract_html(data, "hostile.htm")
    elapsed = time.perf_counter() - started
    assert elapsed < limit, f"took {elapsed:.2f} s"
    return page.lines, elapsed


def test_deep_nesting_keeps_the_text_before_it() -> None:
    data = b"<html><body><p>before</p>" + b"<div>" * 100_000 + b"x" + b"</div>" * 100_000
    lines, _ = _timed(data, 2.0)
    assert lines[0] == PARAGRAPH_START + "before"


def test_deep_unclosed_inline_tags() -> None:
    lines, _ = _timed(b"<html><body>" + b"<b><i>" * 50_000 + "正文".encode(), 2.0)
    assert len(lines) <= 1


def test_deep_nesting_inside_a_founder_body() -> None:
    data = b"<html><body><h1>t</h1><div id=ozoom>" + b"<span>" * 100_000 + b"x"
    _timed(data, 2.0)


def test_huge_attribute_value() -> None:
    data = b'<html><body><p>before</p><p title="' + b"a" * 12_000_000 + b'">hi</p><p>after</p></body></html>'
    lines, _ = _timed(data, 5.0)
    assert lines[0] == PARAGRAPH_START + "before"


def test_entity_references() -> None:
    data = (
        b"<html><body><p>&amp;&lt;&#x4e2d;&#25991;&#0;&#1;&#xD800;&#99999999;&bogus;&nbsp;x</p>"
        # Control characters from references next to removed elements and line breaks, too.
        + b"<p>a<script>s</script>&#2;b<br>&#3;&#xc;c</p>"
        + b"<p>"
        + b"&amp;" * 500_000
        + b"</p></body></html>"
    )
    lines, _ = _timed(data, 3.0)
    assert lines[0].startswith(PARAGRAPH_START + "&<中文")
    assert "\x00" not in lines[0] and "\x01" not in lines[0]
    assert lines[1:3] == (PARAGRAPH_START + "ab", PARAGRAPH_START + "c")
    assert lines[3] == PARAGRAPH_START + "&" * 500_000


def test_entity_declarations_are_not_expanded() -> None:
    lol = "".join(f'<!ENTITY l{i + 1} "{f"&l{i};" * 10}">' for i in range(8))
    data = f'<!DOCTYPE x [<!ENTITY l0 "lol">{lol}]><html><body><p>&l8;</p><p>ok</p></body></html>'.encode()
    lines, _ = _timed(data, 1.0)
    assert PARAGRAPH_START + "ok" in lines
    assert all(len(line) < 100 for line in lines)


def test_script_with_closing_tags_inside() -> None:
    data = b"""<html><body><script>document.write("</p><p>evil</p>"); if (a < b) {}</script>
    <p>good</p><noscript><p>enable js</p></noscript><iframe src="x"><p>frame</p></iframe></body></html>"""
    lines, _ = _timed(data, 1.0)
    assert lines == (PARAGRAPH_START + "good",)


def test_unclosed_tags() -> None:
    data = "<html><body><div><p>一<p>二<table><tr><td>三<b><i>四".encode()
    lines, _ = _timed(data, 1.0)
    assert lines == tuple(PARAGRAPH_START + t for t in ("一", "二", "三四"))


def test_stray_nul_bytes_are_ignored() -> None:
    data = b"<html><body><p>a\x00b</p><p>" + "正文".encode() * 1000 + b"</p></body></html>"
    lines, _ = _timed(data, 1.0)
    assert lines[0] == PARAGRAPH_START + "ab"


def test_mostly_nul_bytes_is_binary() -> None:
    with pytest.raises(BinaryInput):
        extract_html(b"<html><body>" + b"\x00\x01\x02\x03" * 1000, "x.htm")


def test_twenty_megabyte_page() -> None:
    paragraph = "<p>　　这是一段用来凑篇幅的正文内容，每段都一样。</p>\n".encode()
    data = b"<html><body><div>" + paragraph * (20 * 1024 * 1024 // len(paragraph)) + b"</div></body></html>"
    lines, _ = _timed(data, 15.0)
    assert len(lines) == 20 * 1024 * 1024 // len(paragraph)


def test_twenty_megabytes_of_one_text_node() -> None:
    # Beyond libxml2's 10 MB node limit: the parser stops there, and the result is sane, not a hang.
    data = b"<html><body><div>" + "字".encode() * 7_000_000 + b"</div></body></html>"
    _timed(data, 5.0)


def test_many_images_beside_one_huge_cell() -> None:
    data = (
        b"<html><body><div id=ozoom><table><tr>"
        + b"<td><img></td>" * 50_000
        + b"</tr><tr><td>"
        + "长".encode() * 1_000_000
        + b"</td></tr></table></div></body></html>"
    )
    lines, _ = _timed(data, 5.0)
    assert len(lines) == 1  # too long for a caption: it stays body text


def test_sample_page_is_fast() -> None:
    data = _founder_bytes().replace(
        "<p>　</p>".encode("gb18030"),
        ("<p>　　" + "交城县召开经济工作会议，部署下半年工作。" * 15 + "</p>\n").encode("gb18030") * 40,
    )
    assert len(data) > 20_000
    extract_html(data, URL)  # warm up
    runs = 20
    started = time.perf_counter()
    for _ in range(runs):
        extract_html(data, URL)
    per_page = (time.perf_counter() - started) / runs
    # About 1 ms on a laptop; the bound is loose so a busy CI machine does not fail it.
    assert per_page < 0.05


@pytest.mark.parametrize("charset", ["undefined", "punycode", "idna", "rot13", "base64", "zlib", "hex"])
def test_a_charset_that_is_not_a_text_encoding_is_ignored_not_fatal(charset: str) -> None:
    # Codec names Python knows that are no text encoding (or raise a bare UnicodeError) must not stop
    # a document: the page is decoded as if it declared nothing, in its meta or its HTTP header.
    body = (
        "<html><body><h1>清河县召开秋收会议</h1>"
        "<p>本报讯 清河县召开秋收工作会议，部署秋收工作。</p></body></html>"
    )
    data = f'<html><head><meta charset="{charset}"></head>'.encode() + body.encode("utf-8")
    for page in (extract_html(data, URL), extract_html(body.encode(), URL, declared_charset=charset)):
        assert any("秋收工作会议" in line for line in page.lines)
