"""A real browser for the reading room's tests: Debian's Chromium driven by Playwright for Python.

Playwright's own browser downloads are never used: the tests launch /usr/bin/chromium (the Debian
package) by its path. Where it or the playwright package is missing the browser tests skip and say
what to install; with ``DIGEST_REQUIRE_BROWSER=1`` (set by .ci/run) they fail instead, so CI cannot
pass without having run them.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

try:
    from playwright.sync_api import expect, sync_playwright
except ImportError:  # the test extra is not installed: the tests skip (or fail where required)
    expect = sync_playwright = None  # type: ignore[assignment]

if TYPE_CHECKING:
    from collections.abc import Iterator

    from playwright.sync_api import Browser, ConsoleMessage, Dialog, Error, Page, Response

__all__ = [
    "DESKTOP",
    "PHONE",
    "Tab",
    "artifacts_folder",
    "expect",  # playwright's, or None where it is not installed
    "launched",
    "require_browser",
]

CHROMIUM = Path("/usr/bin/chromium")
REQUIRE = "DIGEST_REQUIRE_BROWSER"
ARTIFACTS = "DIGEST_TEST_ARTIFACTS"
# Headless, and nothing of Chromium's own talks to the network: no updates, sync or field trials.
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


def missing() -> list[str]:
    """What the browser tests need and this machine lacks, as install instructions."""
    lacking = []
    if sync_playwright is None:
        lacking.append("the playwright package (pip install -e '.[test]', or pip install playwright)")
    if not os.access(CHROMIUM, os.X_OK):
        lacking.append(f"Debian's Chromium at {CHROMIUM} (apt-get install chromium fonts-noto-cjk)")
    return lacking


def require_browser() -> None:
    """Skip the calling test (fail it under DIGEST_REQUIRE_BROWSER=1) when the browser cannot run."""
    lacking = missing()
    if not lacking:
        return
    reason = "browser tests need " + " and ".join(lacking)
    if os.environ.get(REQUIRE) == "1":
        pytest.fail(f"{reason} ({REQUIRE}=1)")
    pytest.skip(reason)


def launched() -> Iterator[Browser]:
    """One headless Chromium for the whole module (a generator for a fixture)."""
    require_browser()
    assert sync_playwright is not None
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


def artifacts_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where screenshots go: $DIGEST_TEST_ARTIFACTS, else browser-screenshots under pytest's base
    temporary folder (kept for the last three runs), else /tmp/digest-artifacts."""
    given = os.environ.get(ARTIFACTS)
    if given:
        folder = Path(given)
    else:
        try:
            folder = tmp_path_factory.getbasetemp() / "browser-screenshots"
        except OSError:
            folder = Path(tempfile.gettempdir()) / "digest-artifacts"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@dataclass
class Tab:
    """A page that remembers what went wrong in it: console errors, uncaught script errors,
    dialogs (alert/confirm/prompt: none may ever open) and each navigation's HTTP status."""

    page: Page
    base: str
    errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    statuses: list[tuple[str, int]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.page.set_default_timeout(10_000)
        self.page.on("console", self._console)
        self.page.on("pageerror", self._page_error)
        self.page.on("dialog", self._dialog)
        self.page.on("response", self._response)

    def _console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.errors.append(f"console: {message.text} ({message.location.get('url', '')})")

    def _page_error(self, error: Error) -> None:
        self.errors.append(f"page error: {error.message}")

    def _dialog(self, dialog: Dialog) -> None:
        self.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    def _response(self, response: Response) -> None:
        if response.request.is_navigation_request() and response.frame == self.page.main_frame:
            self.statuses.append((response.url.removeprefix(self.base), response.status))

    def open(self, path: str, status: int = 200) -> Response:
        """Go to ``path`` (on the site), expecting ``status`` at the end of any redirects."""
        answer = self.page.goto(self.base + path)
        assert answer is not None, path
        assert answer.status == status, (path, answer.status)
        return answer

    def click(self, locator: str, *, name: str) -> None:
        """Click the link named ``name`` matched by ``locator`` and wait for the page it opens."""
        with self.page.expect_navigation():
            self.page.locator(locator, has_text=name).first.click()

    @property
    def path(self) -> str:
        return self.page.url.removeprefix(self.base)

    def text(self) -> str:
        return self.page.locator("main").inner_text()

    def assert_clean(self, *, allowed: tuple[int, ...] = (200, 303)) -> None:
        """Every page it loaded answered as expected, and nothing went wrong in any of them."""
        assert [s for s in self.statuses if s[1] not in allowed] == [], self.statuses
        assert self.errors == []
        assert self.dialogs == []

    def overflows(self) -> int:
        """How many CSS pixels the page is wider than the window (0: nothing to scroll sideways)."""
        width: int = self.page.evaluate(
            "Math.max(document.documentElement.scrollWidth, document.body.scrollWidth) - window.innerWidth"
        )
        return max(width, 0)
