"""The newsletter's recommendations section in real Chromium: visible on desktop and
mobile widths, the Japanese names drawn (pixels in the screenshot, inside the width)."""

from __future__ import annotations

import asyncio
import io
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from tests.recommendations.serving_models import NOW, trips_model
from tests.untracked import build_renderer

from atn_content.app import default_features
from atn_content.config import Settings
from atn_content.recommendations import feature as recommendations
from atn_content.recommendations.catalogue import Catalogue
from atn_content.recommendations.model import save
from atn_content.store.sqlite import SQLiteStore

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
WIDTHS = (600, 375)
#: The text cells of the section's items: the bold name is their first child.
_NAMES = """() => [...document.querySelectorAll('strong')].map(e => {
  const r = e.getBoundingClientRect();
  return {text: e.innerText.replace(/\\u200b/g, ''), x: r.left, y: r.top + window.scrollY,
          right: r.right, width: r.width, height: r.height,
          visible: getComputedStyle(e).visibility !== 'hidden' && r.width > 0 && r.height > 0};
})"""


def newsletter_html(tmp_path: Path) -> str:
    settings = Settings(content_root=ROOT, secret=b"x" * 32)
    feature = recommendations.feature(settings)

    async def prepare() -> None:
        store = SQLiteStore(tmp_path / "recs.db")
        try:
            await save(store, trips_model())
            assert feature.prepare is not None
            await feature.prepare(store)
        finally:
            await store.close()

    # Playwright's sync API holds this thread's event loop: the store is read in another.
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, prepare()).result()
    features = [feature if f.name == feature.name else f for f in default_features(settings)]
    renderer = build_renderer(settings, features)
    recipient = {"id": "known", "first_name": "花子"}
    return renderer.render("newsletter-destination", "ja", recipient, now=NOW).html


def dark_pixels(png: bytes) -> int:
    image = Image.open(io.BytesIO(png)).convert("L")
    return sum(image.histogram()[:128])


def test_the_section_is_visible_with_japanese_names_drawn(inbox: Any, tmp_path: Path) -> None:
    html = newsletter_html(tmp_path)
    names = {d.name("ja") for d in Catalogue.default()}
    page = inbox.open(html, images=True)
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 800})
        shown = [n for n in page.evaluate(_NAMES) if n["text"] in names]
        assert len(shown) == 3, (width, shown)
        for name in shown:
            assert name["visible"] and name["right"] <= width + 0.5, (width, name)
            page.evaluate(f"window.scrollTo(0, {max(name['y'] - 100, 0)})")
            top = name["y"] - page.evaluate("window.scrollY")
            clip = {"x": name["x"], "y": top, "width": name["width"], "height": name["height"]}
            png = page.screenshot(clip=clip)
            # Drawn glyphs, not an empty box: a CJK name of n characters in bold 18 px leaves
            # about 85 dark pixels a character here; an empty box far fewer.
            drawn = dark_pixels(png)
            assert drawn > 60 * len(name["text"]), (width, name["text"], drawn)
            # One line: the name is not broken inside (18 px font, 26 px line).
            assert name["height"] < 40, (width, name)
