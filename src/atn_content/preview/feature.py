"""The studio as a feature: its routes, behind the login; it adds nothing to the engine."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from litestar import Router
from litestar.di import Provide
from litestar.static_files import create_static_files_router

from atn_content.config import Settings
from atn_content.features import Feature
from atn_content.preview.access import (
    ACCESS_ROUTES,
    LoginRequired,
    login_required_page,
    require_studio,
    store_unavailable_page,
)
from atn_content.preview.live_reload import LIVE_RELOAD_ROUTES
from atn_content.preview.send_test import SEND_ROUTES
from atn_content.preview.templates_pages import TEMPLATE_ROUTES
from atn_content.preview.workspace import Workspace
from atn_content.store import StoreUnavailable

__all__ = ["feature", "studio_router"]

_STATIC = Path(__file__).parent / "static"


def studio_router(routes: Sequence[Any]) -> Router:
    """Studio routes behind the login: without a session they answer the login page."""
    return Router(
        path="/",
        route_handlers=list(routes),
        guards=[require_studio],
        exception_handlers={
            LoginRequired: login_required_page,
            StoreUnavailable: store_unavailable_page,
        },
        include_in_schema=False,
    )


def feature(settings: Settings) -> Feature:
    workspace = Workspace(settings.content_root)
    return Feature(
        name="studio",
        routes=_routes,
        dependencies={"workspace": Provide(lambda: workspace, sync_to_thread=False)},
    )


def _routes() -> list[Any]:
    # The experiment pages import the statistics (scipy): only when the app is built.
    from atn_content.preview.experiments_pages import EXPERIMENT_ROUTES

    return [
        *ACCESS_ROUTES,
        studio_router([*TEMPLATE_ROUTES, *SEND_ROUTES, *LIVE_RELOAD_ROUTES, *EXPERIMENT_ROUTES]),
        create_static_files_router(
            path="/studio/static", directories=[_STATIC], include_in_schema=False
        ),
    ]
