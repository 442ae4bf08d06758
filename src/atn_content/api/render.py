"""POST /v1/render and POST /v1/render/batch: what the ESP calls for every recipient.

Thin controllers over the one delivery path (atn_content.delivery).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from litestar import Request, Response, asgi, post
from litestar.connection import ASGIConnection
from litestar.di import NamedDependency
from litestar.exceptions import MethodNotAllowedException
from litestar.params import JSONBody
from litestar.types import Receive, Scope, Send

from atn_content.api.auth import require_scope
from atn_content.api.schemas import RenderRequest, RenderResponse
from atn_content.config import Settings
from atn_content.delivery import Delivery
from atn_content.mail import message_bytes, recipient_to, to_message

__all__ = ["MESSAGE_MEDIA_TYPE", "render", "render_batch"]

#: What `Accept` asks for to get the email as a MIME message (an .eml file) instead of JSON.
MESSAGE_MEDIA_TYPE = "message/rfc822"
_JSON = "application/json"

#: Output is sent in chunks of about this size: fewer, larger writes.
_FLUSH_BYTES = 65_536


@post(
    "/v1/render",
    guards=[require_scope],
    opt={"scope": "render"},
    status_code=200,
    summary="Render one recipient's email",
)
async def render(
    request: Request[Any, Any, Any],
    data: JSONBody[RenderRequest],
    delivery: NamedDependency[Delivery],
    settings: NamedDependency[Settings],
) -> RenderResponse | Response[bytes]:
    """Personalised, translated email for one recipient: subject, preheader, HTML, text, headers.

    A missing required recipient field is a 422 naming it; optional fields fall back to
    their declared default and are listed in `fallbacks`. With `Accept: message/rfc822`,
    the same email as a MIME message (multipart/alternative, UTF-8, List-Unsubscribe),
    From ATN_MAIL_FROM, To the recipient's `email` (else undisclosed-recipients:;).
    """
    as_message = request.accept.best_match([_JSON, MESSAGE_MEDIA_TYPE]) == MESSAGE_MEDIA_TYPE
    to = recipient_to(data.recipient) if as_message else None  # a bad address: 422 first
    email = await delivery.render_async(
        data.template, data.locale, data.recipient, tracking=data.tracking
    )
    if to is None:
        return email
    message = to_message(email, to=to, sender=settings.mail_from)
    return Response(message_bytes(message), media_type=MESSAGE_MEDIA_TYPE)


@asgi(
    "/v1/render/batch",
    guards=[require_scope],
    opt={"scope": "render"},
    is_mount=False,
    copy_scope=False,
)
async def render_batch(scope: Scope, receive: Receive, send: Send) -> None:
    """One render request per line in; one line out per line in, in order, streamed.

    Each output line is {"line", "recipient_id", "result"} or {"line", "recipient_id",
    "error"} with a problem object; a bad line never stops the batch. A raw ASGI handler,
    because reading the request while streaming the response needs the receive channel
    to ourselves (a streamed Response also listens on it for disconnects).
    """
    if scope.get("method") != "POST":
        raise MethodNotAllowedException(
            "POST an NDJSON body to /v1/render/batch", headers={"Allow": "POST"}
        )
    # A raw ASGI handler gets no dependency injection: the delivery is read from app.state.
    delivery: Delivery = ASGIConnection[Any, Any, Any, Any](scope).app.state.delivery
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [(b"content-type", b"application/x-ndjson")],
        }
    )
    pending: list[bytes] = []
    size = 0
    async for out in delivery.render_stream(_body_chunks(receive)):
        pending.append(out)
        size += len(out)
        if size >= _FLUSH_BYTES:
            await send({"type": "http.response.body", "body": b"".join(pending), "more_body": True})
            pending, size = [], 0
    await send({"type": "http.response.body", "body": b"".join(pending), "more_body": False})


async def _body_chunks(receive: Receive) -> AsyncIterator[bytes]:
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return
        body: bytes = message.get("body", b"")  # type: ignore[assignment]
        yield body
        if not message.get("more_body", False):
            return
