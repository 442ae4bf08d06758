"""A Japanese recipient changes their preferences in real Chromium, from the link in their
email; the service honours it (API and CLI), tells the ESP (the feed), then erases them.

The email's links name the public https host; the browser's requests to it are answered by
the app behind a real uvicorn on a free port (Playwright's route.fetch), so the page, its
form and its POST are exactly what a recipient's browser gets.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from playwright.sync_api import Browser, Route
from selectolax.lexbor import LexborHTMLParser as HTMLParser
from tests.live import live_server, sqlite_mentions

from atn_content.app import create_app
from atn_content.config import Settings

ROOT = Path(__file__).resolve().parents[2]
KEY = "browser-prefs-key-0123456789"
SECRET = "browser-prefs-secret-0123456789"
AUTH = {"Authorization": f"Bearer {KEY}"}
RID = "ja-browser-1"
PROMOTIONAL = "campaign-launch"  # content = "promotions"


def recipient() -> dict[str, Any]:
    sample = json.loads((ROOT / "samples/recipients/japanese-family.json").read_text())
    sample.pop("sample", None)
    return {**sample, "id": RID}


class Live:
    def __init__(self, url: str, db: Path, state: Path) -> None:
        self.url, self.db, self.state = url, db, state

    def render(self, template: str) -> httpx.Response:
        body = {"template": template, "locale": "ja", "recipient": recipient()}
        return httpx.post(f"{self.url}/v1/render", json=body, headers=AUTH, timeout=30)


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    folder = tmp_path_factory.mktemp("prefs")
    db = folder / "atn.db"
    settings = Settings(
        content_root=ROOT,
        store_url=f"sqlite:///{db}",
        state_dir=folder / "state",
        api_keys={KEY: frozenset({"render", "privacy"})},
        secret=SECRET.encode(),
    )
    with live_server(create_app(settings)) as url:
        yield Live(url, db, folder / "state")


def test_a_japanese_recipient_chooses_monthly_without_promotions_and_is_honoured(
    browser: Browser,
    live: Live,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    email = live.render("newsletter-destination")
    assert email.status_code == 200, email.text
    public = urlsplit(Settings().public_url).netloc
    assert live.render(PROMOTIONAL).status_code == 200  # before: promotions arrive

    def answer(route: Route) -> None:
        url = urlsplit(route.request.url)
        response = route.fetch(url=f"{live.url}{url.path}", max_redirects=0)
        route.fulfill(response=response)

    context = browser.new_context(locale="en-US")  # the page follows the email, not the browser
    page = context.new_page()
    page.route(f"https://{public}/**", answer)
    page.set_content(email.json()["html"])
    with page.expect_navigation():
        page.locator('a[href*="/preferences/"]').first.click()

    assert page.locator("html").get_attribute("lang") == "ja"
    assert page.locator("h1").inner_text() == "メール配信設定"
    assert page.locator("#frequency-weekly").is_checked()
    assert page.locator("#topic-promotions").is_checked()
    # By keyboard only: the radio group's arrow key, Tab to the first box, Space, Enter.
    page.locator("#frequency-weekly").focus()
    page.keyboard.press("ArrowDown")
    assert page.locator("#frequency-monthly").is_checked()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "topic-promotions"
    page.keyboard.press("Space")
    assert not page.locator("#topic-promotions").is_checked()
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"  # the focused control shows it
    page.locator("button[type=submit]").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.locator("h1").inner_text() == "配信設定を保存しました"
    context.close()

    refused = live.render(PROMOTIONAL)
    assert refused.status_code == 409, refused.text
    assert refused.json()["title"] == "Recipient suppressed"
    assert refused.json()["reason"] == "content-type"
    assert live.render("newsletter-destination").status_code == 200  # inspiration still comes

    # The CLI in a process of its own (Playwright's loop runs in this thread): its own
    # store connection, its suppressions read from the same store at start.
    path = live.state.parent / "r.json"
    path.write_text(json.dumps(recipient()))
    env = {
        **os.environ,
        "ATN_SECRET": SECRET,
        "ATN_CONTENT_ROOT": str(ROOT),
        "ATN_STORE": f"sqlite:///{live.db}",
        "ATN_STATE_DIR": str(live.state.parent / "cli-state"),
    }
    printed = subprocess.run(
        [sys.executable, "-m", "atn_content.cli", "render", "--template", PROMOTIONAL,
         "--locale", "ja", "--recipient", str(path)],
        env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert printed.returncode == 1, printed.stderr
    assert json.loads(printed.stdout) == refused.json()

    feed = httpx.get(f"{live.url}/v1/suppressions", headers=AUTH, timeout=30).json()
    [change] = [
        line
        for line in feed["items"]
        if line["kind"] == "preferences" and line["recipient_id"] == RID
    ]
    assert change["frequency"] == "monthly" and "promotions" not in change["topics"]

    # Without JavaScript the page works the same: the form is plain HTML.
    [prefs_link] = {
        str(a.attributes["href"])
        for a in HTMLParser(email.json()["html"]).css('a[href*="/preferences/"]')
    }
    quiet = browser.new_context(java_script_enabled=False)
    plain = quiet.new_page()
    plain.route(f"https://{public}/**", answer)
    plain.goto(prefs_link)
    assert plain.locator("#frequency-monthly").is_checked()  # it shows what was chosen
    assert not plain.locator("#topic-promotions").is_checked()
    plain.locator("#everything").check()
    with plain.expect_navigation():
        plain.locator("button[type=submit]").click()
    assert plain.locator("h1").inner_text() == "配信設定を保存しました"
    quiet.close()
    assert live.render("newsletter-destination").json()["reason"] == "unsubscribed-everything"

    erased = httpx.delete(f"{live.url}/v1/recipients/{RID}", headers=AUTH, timeout=30)
    assert erased.status_code in (200, 204), erased.text
    assert sqlite_mentions(live.db, RID) == []
    assert live.render("newsletter-destination").json()["reason"] == "erased"
