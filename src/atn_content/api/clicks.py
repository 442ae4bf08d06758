"""GET /t/c/{token} (click redirect) and GET /t/o/{token} (open pixel): public, signed.

A click goes 302 to the destination in its signed token and nowhere else; a refused
token lands on a localised page (404 altered, 410 expired). The pixel is always a 1x1
GIF with `Cache-Control: no-store`, whatever the token. HEAD is answered the same way,
counted raw but never as a person. Counting is tracking/tracker.py's (off the request path).
"""

from __future__ import annotations

from typing import Any

from litestar import MediaType, Request, Response, get, head
from litestar.di import NamedDependency
from litestar.params import FromPath

from atn_content.experiments.assign import Assigner
from atn_content.experiments.intake import Intake
from atn_content.tracking.humans import Facts
from atn_content.tracking.refused import page_language, refused_page
from atn_content.tracking.tracker import Tracker

__all__ = ["ROUTES", "TRANSPARENT_GIF"]

#: The smallest transparent 1x1 GIF89a (43 bytes).
TRANSPARENT_GIF = (
    b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00"
    b"\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"
)
_NO_STORE = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}
_PAGE_HEADERS = {
    **_NO_STORE,
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'",
    "X-Robots-Tag": "noindex",
}


def _facts(request: Request[Any, Any, Any], kind: str) -> Facts:
    h = request.headers
    purpose = " ".join(
        h.get(name, "") for name in ("purpose", "sec-purpose", "x-purpose", "x-moz")
    ).lower()
    return Facts(
        kind,  # type: ignore[arg-type]
        method=request.method,
        user_agent=h.get("user-agent", ""),
        address=request.client.host if request.client else "",
        purpose=purpose,
    )


def _click(
    request: Request[Any, Any, Any],
    token: str,
    tracker: Tracker,
    intake: Intake,
    assigner: Assigner,
) -> Response[str]:
    outcome = tracker.click(token, _facts(request, "click"), intake, assigner)
    tracked = outcome.read.tracked
    if tracked is not None:
        return Response("", status_code=302, headers={**_NO_STORE, "Location": tracked.url})
    locale = outcome.read.locale or tracker.links.unverified_locale(token)
    lang = page_language(locale, request.headers.get("accept-language", ""))
    return Response(
        refused_page(lang),
        status_code=410 if outcome.read.expired else 404,
        media_type=MediaType.HTML,
        headers=_PAGE_HEADERS,
    )


def _pixel(
    request: Request[Any, Any, Any],
    token: str,
    tracker: Tracker,
    intake: Intake,
    assigner: Assigner,
) -> Response[bytes]:
    try:
        tracker.open(token.removesuffix(".gif"), _facts(request, "open"), intake, assigner)
    except Exception:  # the pixel answers a GIF whatever happens
        tracker.log_failure("open")
    return Response(TRANSPARENT_GIF, media_type="image/gif", headers=_NO_STORE)


@get("/t/c/{token:str}", include_in_schema=False, sync_to_thread=False)
def follow_click(
    request: Request[Any, Any, Any],
    token: FromPath[str],
    tracker: NamedDependency[Tracker],
    intake: NamedDependency[Intake],
    assigner: NamedDependency[Assigner],
) -> Response[str]:
    return _click(request, token, tracker, intake, assigner)


@head("/t/c/{token:str}", include_in_schema=False, sync_to_thread=False)
def check_click(
    request: Request[Any, Any, Any],
    token: FromPath[str],
    tracker: NamedDependency[Tracker],
    intake: NamedDependency[Intake],
    assigner: NamedDependency[Assigner],
) -> Response[None]:
    response = _click(request, token, tracker, intake, assigner)
    return Response(None, status_code=response.status_code, headers=response.headers)


@get("/t/o/{token:str}", include_in_schema=False, sync_to_thread=False)
def open_pixel(
    request: Request[Any, Any, Any],
    token: FromPath[str],
    tracker: NamedDependency[Tracker],
    intake: NamedDependency[Intake],
    assigner: NamedDependency[Assigner],
) -> Response[bytes]:
    return _pixel(request, token, tracker, intake, assigner)


@head("/t/o/{token:str}", include_in_schema=False, sync_to_thread=False)
def check_pixel(
    request: Request[Any, Any, Any],
    token: FromPath[str],
    tracker: NamedDependency[Tracker],
    intake: NamedDependency[Intake],
    assigner: NamedDependency[Assigner],
) -> Response[None]:
    response = _pixel(request, token, tracker, intake, assigner)
    # No body to render: Litestar renders None as b"" only for text/* (image/gif is a 500).
    headers = {**response.headers, "Content-Type": "image/gif"}
    return Response(None, media_type=MediaType.TEXT, headers=headers)


ROUTES = (follow_click, check_click, open_pixel, check_pixel)
