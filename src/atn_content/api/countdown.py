"""GET /v1/img/countdown/{token}.gif: the live countdown image, public and signed.

Always 200 image/gif and never cached anywhere (the image changes every second): a bad
token, a store outage or a failed drawing get the neutral brand image, because mail image
proxies (Gmail's) cache error responses. HEAD answers the same headers without a body.
"""

from __future__ import annotations

from litestar import MediaType, Response, get, head
from litestar.di import NamedDependency
from litestar.params import FromPath

from atn_content.images.service import CountdownImages

__all__ = ["NO_CACHE", "ROUTES"]

#: Every cache (the client's, a proxy's) asks again on each open.
NO_CACHE = {"Cache-Control": "no-store, no-cache, must-revalidate, max-age=0"}


@get(["/v1/img/countdown", "/v1/img/countdown/{token:path}"], include_in_schema=False)
async def countdown_image(
    countdown: NamedDependency[CountdownImages], token: FromPath[str] = ""
) -> Response[bytes]:
    return Response(await countdown.gif(_token(token)), media_type="image/gif", headers=NO_CACHE)


@head(["/v1/img/countdown", "/v1/img/countdown/{token:path}"], include_in_schema=False)
async def check_countdown_image(
    countdown: NamedDependency[CountdownImages], token: FromPath[str] = ""
) -> Response[None]:
    data = await countdown.gif(_token(token))
    # No body to render: Litestar renders None as b"" only for text/* (image/gif is a 500).
    headers = {**NO_CACHE, "Content-Type": "image/gif", "Content-Length": str(len(data))}
    return Response(None, media_type=MediaType.TEXT, headers=headers)


def _token(name: str) -> str:
    """The last segment (`<token>.gif`); a path with more segments is refused as a whole."""
    return name.removeprefix("/") if name.count("/") <= 1 else ""


ROUTES = (countdown_image, check_countdown_image)
