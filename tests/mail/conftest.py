"""Renders of the shipped newsletter with tracking on (List-Unsubscribe headers), as
RenderResponse documents: what atn_content.mail turns into messages."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from atn_content.api.schemas import RenderResponse, to_response
from atn_content.app import build_renderer
from atn_content.config import Settings
from atn_content.content.renderer import Renderer

ROOT = Path(__file__).resolve().parents[2]
NEWSLETTER = "newsletter-destination"
SENDER = "Air Tahiti Nui <news@airtahitinui.com>"


@pytest.fixture(scope="session")
def renderer() -> Renderer:
    return build_renderer(Settings(content_root=ROOT, secret=b"m" * 32))


@pytest.fixture(scope="session")
def render(renderer: Renderer) -> Callable[..., RenderResponse]:
    """`render("ja")` (or with recipient fields): the newsletter as POST /v1/render answers."""

    def make(locale: str, **recipient: Any) -> RenderResponse:
        fields = {"id": "c-1042", "first_name": "Hina", "last_destination": "Bora Bora"}
        return to_response(renderer.render(NEWSLETTER, locale, {**fields, **recipient}))

    return make
