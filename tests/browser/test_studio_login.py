"""A person opens the studio in real Chromium: the login page first, then the studio."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser
from tests.browser.studio_live import STUDIO_KEY, log_in, studio_server


@pytest.fixture(scope="module")
def url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with studio_server(tmp_path_factory.mktemp("studio-login")) as live:
        yield live


def test_without_a_session_the_studio_shows_the_login_page(browser: Browser, url: str) -> None:
    page = browser.new_page()
    page.goto(url + "/studio/experiments")
    assert page.locator("h1").inner_text() == "ATN Content studio"
    assert page.locator("#key").is_visible()
    page.close()


def test_a_wrong_key_says_so_and_a_studio_key_opens_the_page_asked_for(
    browser: Browser, url: str
) -> None:
    page = browser.new_page()
    page.goto(url + "/studio/experiments")
    page.fill("#key", "wrong-key-0123456789abcdef")
    page.click("button[type=submit]")
    assert "lacks the studio scope" in page.locator("[role=alert]").inner_text()
    page.close()
    page = browser.new_page()
    log_in(page, url, "/studio/experiments")
    assert page.locator("h1").inner_text() == "Experiments"
    cookies = page.context.cookies()
    session = next(c for c in cookies if c["name"] == "atn_studio")
    assert session["httpOnly"] and session["sameSite"] == "Strict"
    assert STUDIO_KEY not in session["value"]
    page.click("text=Log out")
    page.goto(url + "/studio")
    assert page.locator("#key").is_visible()
    page.close()


def test_the_studio_loads_nothing_from_outside(browser: Browser, url: str, tmp_path: Path) -> None:
    page = browser.new_page()
    outside: list[str] = []
    page.on("request", lambda r: None if r.url.startswith(url) else outside.append(r.url))
    log_in(page, url)
    page.reload()
    assert outside == []
    page.close()
