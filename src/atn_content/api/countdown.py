"""GET /v1/img/countdown/{token}.gif: the live countdown image, public and signed.

Always 200 image/gif and never cached anywhere (the image changes every second): a bad
token, a store outage or a failed drawing get the neutral brand image, because mail image
proxies (Gmail's) cache error responses. HEAD answers the same headers without a body; any
other method gets the image too (an error status is never worth what it could cost).

A mounted ASGI handler rather than a routed one: a campaign's opens arrive by the thousand
in the same second and nearly all are cache hits, so the request costs what the framework
adds. No dependency injection, no path parsing, no response object: the path, the bytes
from the CountdownImages service, and two ASGI messages.
"""

from __future__ import annotations

from typing import Any

from litestar import asgi
from litestar.types import HTTPResponseBodyEvent, HTTPResponseStartEvent, Receive, Scope, Send

from atn_content.images.service import CountdownImages

__all__ = ["NO_CACHE", "PREFIX", "routes"]

#: Every cache (the client's, a proxy's) asks again on each open.
NO_CACHE = "no-store, no-cache, must-revalidate, max-age=0"
#: Where the images are served; `<token>.gif` follows.
PREFIX = "/v1/img/countdown"
_HEADERS = [(b"content-type", b"image/gif"), (b"cache-control", NO_CACHE.encode())]


def _body(data: bytes) -> HTTPResponseBodyEvent:
    return {"type": "http.response.body", "body": data, "more_body": False}


def _empty() -> HTTPResponseBodyEvent:
    return _body(b"")


def token_of(raw_path: bytes) -> str:
    """`<token>.gif` from the request path; "" for anything else (refused as a whole)."""
    head, _, name = raw_path.partition(PREFIX.encode() + b"/")
    if head or b"/" in name:
        return ""
    try:
        return name.decode("ascii")
    except UnicodeDecodeError:
        return ""


def routes(images: CountdownImages) -> tuple[Any, ...]:
    """The route serving `images` (one per app: the handler closes over its service)."""

    @asgi(PREFIX, is_mount=True, copy_scope=False, include_in_schema=False)
    async def countdown_image(scope: Scope, receive: Receive, send: Send) -> None:
        method = scope.get("method", "GET")
        raw = scope.get("raw_path") or scope["path"].encode()
        data = await images.gif(token_of(raw.partition(b"?")[0]))
        start: HTTPResponseStartEvent = {
            "type": "http.response.start",
            "status": 200,
            "headers": [*_HEADERS, (b"content-length", str(len(data)).encode())],
        }
        await send(start)
        await send(_empty() if method == "HEAD" else _body(data))

    return (countdown_image,)
