"""The studio's front pages: templates (designers) and experiments (marketers)."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get

from atn_content.preview.pages import studio_page

__all__ = ["HOME_ROUTES"]


@get("/studio", sync_to_thread=False)
def templates_page(request: Request[Any, Any, Any]) -> Response[str]:
    names = sorted(request.app.state.renderer.library.names())
    return studio_page(request, "templates.html", title="Templates", templates=names)


@get("/studio/experiments", sync_to_thread=False)
def experiments_page(request: Request[Any, Any, Any]) -> Response[str]:
    return studio_page(request, "experiments.html", title="Experiments")


HOME_ROUTES = [templates_page, experiments_page]
