"""create_app(): routes, state and lifespan. Never built at import time."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from litestar import Litestar
from litestar.datastructures import State
from litestar.openapi import OpenAPIConfig

from atn_content import __version__
from atn_content.api.catalog import list_templates
from atn_content.api.errors import EXCEPTION_HANDLERS
from atn_content.api.health import healthz
from atn_content.api.render import render, render_batch
from atn_content.api.unsubscribe import confirm_unsubscribe, unsubscribe
from atn_content.config import Settings
from atn_content.content.environment import TemplateHelpers
from atn_content.content.formatting import install_i18n_filters
from atn_content.content.i18n import Catalogs
from atn_content.content.library import Library
from atn_content.content.renderer import Renderer
from atn_content.content.unsubscribe import UnsubscribeLinks
from atn_content.signing import Signer
from atn_content.store import open_store

__all__ = ["build_renderer", "create_app"]


def build_renderer(settings: Settings) -> Renderer:
    """The content engine with every feature's template helpers registered."""
    root = settings.content_root
    helpers = TemplateHelpers()
    helpers.add_installer(install_i18n_filters)
    return Renderer(
        Library(root),
        Catalogs.load(root / "locales"),
        UnsubscribeLinks(Signer(settings.secret, "unsubscribe"), settings.public_url),
        helpers,
    )


def create_app(settings: Settings | None = None) -> Litestar:
    settings = settings or Settings.from_env()
    renderer = build_renderer(settings)

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        app.state.store = open_store(settings.store_url)
        try:
            yield
        finally:
            await app.state.store.close()

    return Litestar(
        route_handlers=[
            render,
            render_batch,
            list_templates,
            healthz,
            confirm_unsubscribe,
            unsubscribe,
        ],
        state=State(
            {"settings": settings, "renderer": renderer, "api_keys": dict(settings.api_keys)}
        ),
        lifespan=[lifespan],
        exception_handlers=EXCEPTION_HANDLERS,
        request_max_body_size=settings.max_body_bytes,
        openapi_config=OpenAPIConfig(title="ATN Content", version=__version__, path="/schema"),
        debug=False,
    )
