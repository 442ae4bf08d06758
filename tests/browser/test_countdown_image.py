"""A countdown in real Chromium: the email rendered through the API, opened as a mail
client would, loads its countdown image from the service behind a real uvicorn.

The email names the public https host; the browser's requests to it are answered by the
app on a free port (Playwright's route.fetch). Every other request (the hero pictures, the
fonts) is refused, so only the countdown can load.
"""

from __future__ import annotations

import datetime as dt
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from PIL import Image
from playwright.sync_api import Browser, Route
from tests.live import live_server

from atn_content.app import create_app
from atn_content.config import Settings
from atn_content.images.countdown import FRAMES

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
KEY = "browser-countdown-key-0123456789"
AUTH = {"Authorization": f"Bearer {KEY}"}


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("countdown")
    settings = Settings(
        content_root=ROOT,
        store_url=f"sqlite:///{folder / 'atn.db'}",
        state_dir=folder / "state",
        api_keys={KEY: frozenset({"render"})},
        secret=b"browser-countdown-secret-0123456789",
    )
    with live_server(create_app(settings)) as url:
        yield url


def recipient(name: str, campaign_end: str) -> dict[str, Any]:
    sample: dict[str, Any] = json.loads((ROOT / f"samples/recipients/{name}.json").read_text())
    sample.pop("sample", None)
    return {**sample, "campaign_end": campaign_end}


@pytest.mark.parametrize(
    ("template", "locale", "who"),
    [
        ("abandoned-h72", "ja", "japanese-family"),
        ("campaign-last-chance", "fr", "honeymoon-couple"),
    ],
)
def test_the_countdown_image_of_a_rendered_email_loads(
    browser: Browser, live: str, template: str, locale: str, who: str
) -> None:
    # The campaign ends a week from now (its shipped default has passed: "Offer ended").
    ends = (dt.date.today() + dt.timedelta(days=7)).isoformat()
    body = {"template": template, "locale": locale, "recipient": recipient(who, ends)}
    email = httpx.post(f"{live}/v1/render", json=body, headers=AUTH, timeout=30)
    assert email.status_code == 200, email.text
    public = urlsplit(Settings().public_url).netloc
    answered: list[tuple[str, int, str, bytes]] = []

    def answer(route: Route) -> None:
        url = urlsplit(route.request.url)
        if url.netloc != public or not url.path.startswith("/v1/img/countdown/"):
            route.abort()
            return
        response = route.fetch(url=f"{live}{url.path}", max_redirects=0)
        answered.append(
            (url.path, response.status, response.headers["content-type"], response.body())
        )
        route.fulfill(response=response)

    context = browser.new_context(viewport={"width": 600, "height": 800})
    page = context.new_page()
    page.route("**/*", answer)
    page.set_content(email.json()["html"], wait_until="load")
    image = page.locator('img[src*="/v1/img/countdown/"]')
    assert image.count() == 1
    image.scroll_into_view_if_needed()
    page.wait_for_function(
        "() => [...document.images].some(i => i.src.includes('/v1/img/countdown/') && i.complete)"
    )
    natural = image.evaluate("i => [i.naturalWidth, i.naturalHeight]")
    shown = image.evaluate("i => [i.clientWidth, i.clientHeight]")
    context.close()
    assert natural == [1200, 240]  # drawn at 2x ...
    assert shown == [600, 120]  # ... shown at 1x
    ((_, status, kind, data),) = answered
    assert status == 200 and kind == "image/gif"
    with Image.open(io.BytesIO(data)) as gif:
        assert gif.n_frames == FRAMES and gif.size == (1200, 240)
