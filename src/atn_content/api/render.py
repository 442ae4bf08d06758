"""POST /v1/render and POST /v1/render/batch: what the ESP calls for every recipient."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from litestar import asgi, post
from litestar.connection import ASGIConnection
from litestar.datastructures import State
from litestar.exceptions import MethodNotAllowedException
from litestar.params import JSONBody
from litestar.types import Receive, Scope, Send

from atn_content.api.auth import require_scope
from atn_content.api.batch import render_line, split_lines
from atn_content.api.experiments import render_with_experiment
from atn_content.api.offload import Exposures, in_worker
from atn_content.api.schemas import RenderRequest, RenderResponse

__all__ = ["render", "render_batch"]

#: Output is sent in chunks of about this size: fewer, larger writes.
_FLUSH_BYTES = 65_536
#: Lines rendered per trip to a worker thread: one hop per line would cost more than a
#: render; a group stays a few milliseconds of work, so the loop is never held long.
_GROUP_LINES = 16
_GROUP_BYTES = 262_144


@post(
    "/v1/render",
    guards=[require_scope],
    opt={"scope": "render"},
    status_code=200,
    summary="Render one recipient's email",
)
async def render(data: JSONBody[RenderRequest], state: State) -> RenderResponse:
    """Personalised, translated email for one recipient: subject, preheader, HTML, text, headers.

    A missing required recipient field is a 422 naming it; optional fields fall back to
    their declared default and are listed in `fallbacks`.
    """
    exposures = Exposures()
    response = await in_worker(
        state,
        render_with_experiment,
        state.renderer,
        state.assigner,
        exposures,
        data.template,
        data.locale,
        data.recipient,
    )
    exposures.replay(state.intake)
    return response


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
    state = ASGIConnection[Any, Any, Any, Any](scope).app.state
    renderer, max_line = state.renderer, state.settings.max_batch_line_bytes
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [(b"content-type", b"application/x-ndjson")],
        }
    )
    exposures = Exposures()

    def render_group(lines: list[tuple[int, bytes]]) -> bytes:
        return b"".join(
            render_line(renderer, n, raw, max_line, state.assigner, exposures) for n, raw in lines
        )

    group: list[tuple[int, bytes]] = []
    group_bytes = number = 0
    pending: list[bytes] = []
    size = 0
    async for raw in split_lines(_body_chunks(receive), max_line):
        number += 1
        if raw.strip():
            group.append((number, raw))
            group_bytes += len(raw)
        if len(group) < _GROUP_LINES and group_bytes < _GROUP_BYTES:
            continue
        out = await in_worker(state, render_group, group)
        exposures.replay(state.intake)
        group, group_bytes = [], 0
        pending.append(out)
        size += len(out)
        if size >= _FLUSH_BYTES:
            await send({"type": "http.response.body", "body": b"".join(pending), "more_body": True})
            pending, size = [], 0
    if group:
        pending.append(await in_worker(state, render_group, group))
        exposures.replay(state.intake)
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
