"""How a studio page is answered: one Jinja environment, the layout, the page headers.

Templates live in preview/templates/ and extend base.html; every page gets the session's
CSRF token (`csrf`) for its forms and the path it was asked for (`path`).
"""

from __future__ import annotations

from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from litestar import MediaType, Request, Response

__all__ = ["STUDIO_HEADERS", "render_page", "studio_page"]

#: Personal data on every page: not cached, not indexed, no referrer, nothing from outside
#: but the images an email links to. Email previews are framed from the studio itself.
STUDIO_HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Robots-Tag": "noindex",
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data: https: http:; style-src 'self' 'unsafe-inline'; "
        "script-src 'self'; frame-src 'self'; connect-src 'self'; form-action 'self'; "
        "frame-ancestors 'self'; base-uri 'none'"
    ),
}

_ENV = Environment(
    loader=PackageLoader("atn_content.preview", "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


def render_page(name: str, **context: Any) -> str:
    return _ENV.get_template(name).render(**context)


def studio_page(
    request: Request[Any, Any, Any],
    name: str,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
    **context: Any,
) -> Response[str]:
    """A studio page for a signed-in request (the guard has put its session on the request)."""
    csrf = request.state.get("studio_csrf", "")
    page = render_page(name, csrf=csrf, path=request.url.path, **context)
    return Response(
        page,
        status_code=status_code,
        media_type=MediaType.HTML,
        headers={**STUDIO_HEADERS, **(headers or {})},
    )
