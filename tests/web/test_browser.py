"""The reading room in a real browser: Debian's headless Chromium (Playwright) against the real app
served by uvicorn on 127.0.0.1, over a store filled as conftest fills it plus a page of our own in
another paper's house style (青禾融媒: its own lead and byline mark, invented names).

Pages load without console or script errors, the links between them work by clicking, search finds
a two-character name and a phrase and marks them, a private briefing needs its key or a token, and
hostile text stays text. Screenshots of /, an issue, a briefing and a search at phone and desktop
widths go to $DIGEST_TEST_ARTIFACTS (see browser.artifacts_folder). Needs /usr/bin/chromium and the
playwright package; see browser.py for what happens without them.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

import pytest

from digest.api.app import create_app
from digest.config import Settings, load
from digest.ingest.house_styles import house_styles
from digest.store import open_store
from digest.web.links import subscriber_key
from tests.api.conftest import READ, LiveServer
from tests.web import browser as browser_module
from tests.web.browser import DESKTOP, PHONE, Tab, artifacts_folder, expect, launched
from tests.web.conftest import DAY, HOSTILE_PAPER, fill, ingest, write_config

if TYPE_CHECKING:  # playwright may be missing: then the tests skip (browser.require_browser)
    from playwright.sync_api import Browser, BrowserContext

OWN_PAGE = Path(__file__).parent / "qinghe_page.txt"
OWN_PAPER = "青禾融媒"
# 青禾融媒's house style: "青禾融媒讯" opens an article, "◇融媒记者" marks a byline above it.
HOUSE_STYLE = f"""
[[papers]]
name = "{OWN_PAPER}"
leads = ["^青禾融媒讯"]
bylines = ["^◇融媒记者"]
"""
NAME = "焦岚"  # two characters, only in the text of 青禾融媒's first article
PHRASE = "柳溪村夜市"
BRIEFING = f"/briefings/desk/{DAY.isoformat()}"


@dataclass(frozen=True)
class Site:
    url: str
    settings: Settings


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    yield from launched()


@pytest.fixture(scope="module")
def site(browser: Browser, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """A private reading room (no [web] public): a read token or a subscriber's key opens it."""
    folder = tmp_path_factory.mktemp("reading-room")
    config = write_config(folder)
    config.write_text(config.read_text(encoding="utf-8") + HOUSE_STYLE, encoding="utf-8")
    settings = load(config, environ={})
    with open_store(settings.store.url) as store:
        ingest(store, OWN_PAGE, OWN_PAPER, DAY, styles=house_styles(settings.papers))
    fill(settings, folder)  # the sample page twice, the hostile page, summaries and briefings
    with LiveServer(create_app(settings)) as server:
        yield Site(server.url, settings)


def _context(browser: Browser, site: Site, **options: object) -> BrowserContext:
    context = browser.new_context(locale="zh-CN", **options)  # type: ignore[arg-type]
    # Only the site itself is reached: the originals' links (epaper.example.cn) never leave the machine.
    context.route(
        "**/*",
        lambda route: route.continue_() if route.request.url.startswith(site.url) else route.abort(),
    )
    return context


@pytest.fixture
def stranger(browser: Browser, site: Site) -> Iterator[Tab]:
    """A browser with neither token nor key."""
    context = _context(browser, site)
    yield Tab(context.new_page(), site.url)
    context.close()


@pytest.fixture
def reader(stranger: Tab) -> Tab:
    """A browser that opened the room once with ?token=: it keeps the token in a cookie."""
    stranger.open(f"/?token={READ}")
    assert stranger.path == "/"  # the token is moved out of the address
    (cookie,) = stranger.page.context.cookies()
    assert cookie["httpOnly"] and cookie["value"] == READ
    return stranger


def test_from_the_front_page_to_a_paper_to_an_issue_by_clicking(reader: Tab) -> None:
    assert "最新简报" in reader.text()  # a reader sees the briefings too
    reader.click("a", name=OWN_PAPER)
    assert reader.path == f"/papers/{quote(OWN_PAPER)}"
    reader.click("main li a", name=DAY.isoformat())
    assert reader.path.startswith("/issues/")
    headings = reader.page.locator("article h3").all_inner_texts()
    assert len(headings) == 2 and any("夜市" in h for h in headings)
    # Its own house style was read: the byline above each article is its writer.
    assert "文/司马砚秋" in reader.text() and "文/欧阳晴川" in reader.text()
    # The full text is folded under the summary, and opens.
    first = reader.page.locator("article").first
    expect(first.locator("details p").first).to_be_hidden()
    first.locator("details summary").click()
    expect(first.locator("details p").first).to_be_visible()
    reader.click("h1 a", name=OWN_PAPER)  # and back up to the paper
    assert reader.path == f"/papers/{quote(OWN_PAPER)}"
    reader.assert_clean()


def test_a_briefing_by_its_key_link_and_its_articles_links(browser: Browser, site: Site, reader: Tab) -> None:
    key = subscriber_key(site.settings.web, "desk")
    context = _context(browser, site)
    subscriber = Tab(context.new_page(), site.url)
    subscriber.open(f"{BRIEFING}?key={key}")
    assert "每日简报 2024-07-27" in subscriber.text() and PHRASE in subscriber.text()
    # The subscriber's Atom feed, linked from the page, opens with the same key.
    feed = subscriber.page.locator("main a", has_text="Atom 订阅").get_attribute("href")
    assert feed is not None and f"key={key}" in feed
    assert context.request.get(site.url + feed).status == 200
    subscriber.assert_clean()
    context.close()
    # A reader's briefing links each article to its place in its issue.
    reader.open(BRIEFING)
    article = reader.page.locator("article", has_text=PHRASE)
    link = article.locator("a[href^='/issues/']")
    target = (link.get_attribute("href") or "").split("#", 1)[1]
    with reader.page.expect_navigation():
        link.click()
    assert reader.path.startswith("/issues/") and reader.path.endswith(f"#{target}")
    expect(reader.page.locator(f"article#{target}")).to_contain_text(PHRASE)
    expect(reader.page.locator(f"article#{target}")).to_be_in_viewport()
    reader.assert_clean()


def test_search_finds_a_two_character_name_and_a_phrase_and_marks_them(reader: Tab) -> None:
    box = reader.page.locator("header form input[type=search]")  # the front page's search box
    box.fill(NAME)
    with reader.page.expect_navigation():
        box.press("Enter")
    assert reader.path == f"/search?q={quote(NAME)}"
    hits = reader.page.locator("main article")
    expect(hits).to_have_count(1)
    assert set(hits.locator("mark").all_inner_texts()) == {NAME}
    # The search page's own form, with a phrase; the hit leads to its article.
    reader.page.locator("main form input[type=search]").fill(PHRASE)
    with reader.page.expect_navigation():
        reader.page.locator("main form button[type=submit]").click()
    expect(hits).to_have_count(1)
    assert set(hits.locator("mark").all_inner_texts()) == {PHRASE}
    with reader.page.expect_navigation():
        hits.first.locator("h3 a").click()
    assert reader.path.startswith("/issues/")
    anchor = reader.page.url.rsplit("#", 1)[1]
    expect(reader.page.locator(f"article#{anchor}")).to_contain_text(PHRASE)
    reader.open(f"/search?q={quote('没有这个名字')}")
    assert "找到 0 篇" in reader.text()
    reader.assert_clean()


def test_a_private_briefing_without_its_token_or_key_is_404(
    browser: Browser, site: Site, stranger: Tab
) -> None:
    rival = subscriber_key(site.settings.web, "rival")
    for path in (BRIEFING, f"{BRIEFING}?key=", f"{BRIEFING}?key=0123456789abcdef", f"{BRIEFING}?key={rival}"):
        stranger.open(path, status=404)
        assert stranger.page.locator("h1").inner_text() == "未找到"
    stranger.open("/", status=401)  # the room is not public: pages need a token
    assert "?token=" in stranger.text()
    # The rival's own key opens the rival's briefing, and only that.
    stranger.open(f"/briefings/rival/{DAY.isoformat()}?key={rival}")
    assert not [c for c in stranger.page.context.cookies() if c["name"] == "digest_token"]
    assert stranger.dialogs == []


def test_hostile_text_renders_as_text_and_no_script_runs(reader: Tab) -> None:
    reader.click("a", name=HOSTILE_PAPER)
    reader.click("main li a", name=DAY.isoformat())
    text = reader.text()
    assert "“<script>alert('x')</script>”" in text and "{{ 7*7 }}" in text and "<b>任务</b>" in text
    assert "“49”" not in text
    assert reader.page.evaluate("document.scripts.length") == 0
    assert reader.page.locator("main b, main script").count() == 0
    # Search builds its highlight markup itself: a hit inside the markup is still only text.
    reader.open(f"/search?q={quote('<script>alert')}")
    assert set(reader.page.locator("main mark").all_inner_texts()) == {"<script>alert"}
    assert reader.page.evaluate("document.scripts.length") == 0
    reader.assert_clean()  # no dialog opened, no script error


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_screenshots_at_phone_and_desktop_widths(
    browser: Browser, site: Site, viewport: dict[str, int], tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Saved for a person to look at; the test checks what a machine can: nothing wider than the
    window, and the Latin name on the page not broken inside."""
    phone = viewport == PHONE
    context = _context(browser, site, viewport=viewport, is_mobile=phone, has_touch=phone)
    tab = Tab(context.new_page(), site.url)
    tab.open(f"/?token={READ}")
    tab.click("a", name=OWN_PAPER)
    tab.click("main li a", name=DAY.isoformat())
    issue = tab.path
    folder = artifacts_folder(tmp_path_factory)
    width = "phone" if phone else "desktop"
    for name, path in (
        ("front", "/"),
        ("issue", issue),
        ("briefing", BRIEFING),
        ("search", f"/search?q={quote(NAME)}"),
    ):
        tab.open(path)
        assert tab.overflows() == 0, f"{path} scrolls sideways at {viewport}"
        tab.page.screenshot(path=folder / f"{name}-{width}.png", full_page=True)
    tab.open(issue)
    tab.page.locator("article details summary").first.click()
    # "QingheAgriCloud" is one word: it may move to the next line whole, never break inside.
    lines = tab.page.evaluate(
        """word => {
            const walker = document.createTreeWalker(document.querySelector("main"), NodeFilter.SHOW_TEXT);
            for (let node = walker.nextNode(); node; node = walker.nextNode()) {
                const at = node.data.indexOf(word);
                if (at < 0 || !node.parentElement.checkVisibility()) continue;
                const range = document.createRange();
                range.setStart(node, at);
                range.setEnd(node, at + word.length);
                return new Set([...range.getClientRects()].map(r => Math.round(r.top))).size;
            }
            return 0;
        }""",
        "QingheAgriCloud",
    )
    assert lines == 1
    tab.assert_clean()
    context.close()


def test_without_the_browser_the_tests_skip_and_say_what_to_install_or_fail_where_required(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(browser_module, "CHROMIUM", tmp_path / "no-chromium")
    monkeypatch.delenv(browser_module.REQUIRE, raising=False)
    with pytest.raises(pytest.skip.Exception, match="apt-get install chromium fonts-noto-cjk"):
        browser_module.require_browser()
    monkeypatch.setenv(browser_module.REQUIRE, "1")
    with pytest.raises(pytest.fail.Exception, match="DIGEST_REQUIRE_BROWSER=1"):
        browser_module.require_browser()
