"""The click extension inside a real render: tokens follow the render's own clock."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from atn_content.app import build_renderer
from atn_content.config import Settings
from atn_content.signing import Signer
from atn_content.tracking.clicks import ClickLinks

ROOT = Path(__file__).resolve().parents[2]
SECRET = b"t" * 32
RECIPIENT = {"id": "r-clock", "first_name": "Hina"}


def test_a_render_at_a_given_now_gives_one_document_and_its_tokens_carry_that_now() -> None:
    settings = Settings(content_root=ROOT, secret=SECRET)
    renderer = build_renderer(settings)
    now = dt.datetime(2026, 3, 1, 8, 30, tzinfo=dt.UTC)
    first = renderer.render("newsletter-destination", "fr", RECIPIENT, now=now)
    again = renderer.render("newsletter-destination", "fr", RECIPIENT, now=now)
    assert first.html == again.html
    links = ClickLinks(Signer(SECRET, "click"), settings.public_url)
    tokens = re.findall(r'href="https://[^/"]+/t/c/([^"]+)"', first.html)
    assert tokens
    for token in tokens:
        read = links.read(token, "c", now=now.timestamp() + 60)
        assert read.tracked is not None and read.tracked.issued == int(now.timestamp())
