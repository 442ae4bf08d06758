"""Real headless Chromium for the tests that look at what a person sees.

Debian's `chromium` is driven by Playwright through `executable_path` (Playwright never
downloads a browser here). One browser serves a test module; pages are reused. Under
CI=true a missing chromium fails the run, elsewhere the browser tests are skipped.

Fixtures for any browser test under tests/browser/ (emails, later the preview studio and
snapshots):
- `browser`: the module's Playwright Browser.
- `inbox`: a mail-client view of an HTML email, images shown (a local placeholder) or
  blocked, measured by inbox_checks.js.
- `placeholder_png`: the image every remote image request is answered with.
"""

from __future__ import annotations

import io
import os
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from playwright.sync_api import Browser, Page, Route, sync_playwright

from atn_content.chromium import CHROMIUM_ARGS, chromium_binary

#: The script that measures a rendered email in the page (overflow, lines, alt text).
INBOX_CHECKS = (Path(__file__).parent / "inbox_checks.js").read_text(encoding="utf-8")

#: Height of the viewport; widths are what the tests vary.
VIEWPORT_HEIGHT = 800


def chromium_executable() -> str:
    binary = chromium_binary()
    if binary is None:
        message = "chromium not found (apt package chromium; `make test` installs it as root)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{message}; CI=true requires the real-browser tests to run")
        pytest.skip(message)
    return binary


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """One browser per test module, not per session: Playwright's sync API keeps its event
    loop running while it is open, which would break the asyncio tests of other modules."""
    executable = chromium_executable()
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=executable, headless=True, args=list(CHROMIUM_ARGS)
        )
        yield launched
        launched.close()


@pytest.fixture(scope="session")
def placeholder_png() -> bytes:
    """A 600 x 300 grey-blue picture standing in for every remote image."""
    buffer = io.BytesIO()
    Image.new("RGB", (600, 300), (126, 160, 178)).save(buffer, "PNG")
    return buffer.getvalue()


class InboxView:
    """An email as a mail client shows it: no network, images shown or blocked.

    Images shown: every image request gets the local placeholder. Images blocked: image
    requests are aborted, as Outlook and company mail systems block them. Every other
    request is aborted too, so nothing depends on the network.
    """

    def __init__(self, browser: Browser, placeholder: bytes) -> None:
        self._placeholder = placeholder
        self._pages: dict[bool, Page] = {}
        for images in (True, False):
            page = browser.new_page(viewport={"width": 600, "height": VIEWPORT_HEIGHT})
            page.route("**/*", self._handler(images))
            self._pages[images] = page

    def _handler(self, images: bool) -> Any:
        def handle(route: Route) -> None:
            if images and route.request.resource_type == "image":
                route.fulfill(status=200, content_type="image/png", body=self._placeholder)
            else:
                route.abort()

        return handle

    def open(self, html: str, *, images: bool) -> Page:
        page = self._pages[images]
        page.set_content(html, wait_until="load")
        return page

    def measure(self, page: Page, width: int, locale: str) -> dict[str, Any]:
        """Lay the open email out `width` px wide and return what inbox_checks.js finds.

        Alt text is checked on the images-blocked page only (elsewhere it is not drawn);
        lines of text on the images-shown page only (images do not move where text wraps).
        """
        page.set_viewport_size({"width": width, "height": VIEWPORT_HEIGHT})
        blocked = page is self._pages[False]
        checks = {"locale": locale, "alt": blocked, "text": not blocked}
        result: dict[str, Any] = page.evaluate(INBOX_CHECKS, checks)
        return result

    def close(self) -> None:
        for page in self._pages.values():
            page.close()


@pytest.fixture(scope="module")
def inbox(browser: Browser, placeholder_png: bytes) -> Iterator[InboxView]:
    view = InboxView(browser, placeholder_png)
    yield view
    view.close()


#: What the inbox-view tests found over the run, by kind, for the closing summary.
_TALLY = pytest.StashKey[Counter[str]]()


@pytest.fixture(scope="session")
def inbox_tally(request: pytest.FixtureRequest) -> Counter[str]:
    return request.config.stash.setdefault(_TALLY, Counter())


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """One `name=value` line of what the inbox views showed (0 everywhere is the goal)."""
    tally = terminalreporter.config.stash.get(_TALLY, None)
    if not tally:
        return
    kinds = (
        "overflow",
        "headline_short_endings",
        "single_char_headline_lines",
        "single_char_button_lines",
        "katakana_splits",
        "brand_splits",
        "amount_splits",
        "alt_unreadable",
    )
    terminalreporter.section("inbox view (tests/browser)")
    terminalreporter.write_line(
        "inbox view: layouts={} {}".format(
            tally["layouts"], " ".join(f"{k}={tally[k]}" for k in kinds)
        )
    )
    terminalreporter.write_line(
        "inbox view ja 375px images on: layouts={} {}".format(
            tally["ja375_layouts"], " ".join(f"{k}={tally['ja375_' + k]}" for k in kinds[1:7])
        )
    )
