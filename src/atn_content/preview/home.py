"""The marketers' front page: experiments."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get

from atn_content.preview.pages import studio_page

__all__ = ["HOME_ROUTES"]


@get("/studio/experiments", sync_to_thread=False)
def experiments_page(request: Request[Any, Any, Any]) -> Response[str]:
    return studio_page(request, "experiments.html", title="Experiments")


HOME_ROUTES = [experiments_page]
