"""GET/POST /u/{token}: signed, public unsubscribe (RFC 8058 one-click on POST).

GET shows a confirmation page (mail scanners follow GET links, so GET must not
unsubscribe); POST, sent by the mailbox provider's one-click button or by the page's
form, records it: 200 once in the store, or 202 with the same page when the store is
unreachable and the unsubscribe is in the spool (fsync'd, replayed when the store is back).
"""

from __future__ import annotations

import html
import time

from litestar import MediaType, Response, get, post
from litestar.datastructures import State
from litestar.params import FromPath

from atn_content.api.errors import ProblemError
from atn_content.api.problems import Problem
from atn_content.store import InvalidEvent, StoreUnavailable, Unsubscribe
from atn_content.store.buffer import EventBuffer

__all__ = ["confirm_unsubscribe", "unsubscribe"]

_PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>{title}</title>
<style>body{{font-family:Helvetica,Arial,sans-serif;max-width:32rem;margin:4rem auto;
padding:0 1rem;color:#1d2a33}}button{{background:#0b4f6c;color:#fff;border:0;
border-radius:1.5rem;padding:.8rem 1.6rem;font-size:1rem;cursor:pointer}}</style></head>
<body><h1>{title}</h1><p>{body}</p>{form}</body></html>"""


def _read(state: State, token: str) -> tuple[str, str]:
    found: tuple[str, str] | None = state.links.read(token)
    if found is None:
        raise ProblemError(
            Problem(
                404, "Unknown link", "this unsubscribe link is not valid (altered or truncated)"
            )
        )
    return found


@get("/u/{token:str}", media_type=MediaType.HTML, include_in_schema=False)
async def confirm_unsubscribe(token: FromPath[str], state: State) -> str:
    _read(state, token)
    form = (
        f'<form method="post" action="/u/{html.escape(token)}">'
        '<input type="hidden" name="List-Unsubscribe" value="One-Click">'
        '<button type="submit">Unsubscribe</button></form>'
    )
    return _PAGE.format(
        title="Unsubscribe from Air Tahiti Nui emails?",
        body="One click and you will not receive this list any more.",
        form=form,
    )


@post("/u/{token:str}", media_type=MediaType.HTML, status_code=200, include_in_schema=False)
async def unsubscribe(token: FromPath[str], state: State) -> Response[str]:
    recipient_id, list_id = _read(state, token)
    buffer: EventBuffer = state.buffer
    try:
        recorded = await buffer.record_or_spool(Unsubscribe(recipient_id, list_id, time.time()))
    except InvalidEvent:
        raise ProblemError(
            Problem(404, "Unknown link", "this unsubscribe link is not valid")
        ) from None
    except OSError as exc:  # the store is down and the spool's disk refuses too
        raise StoreUnavailable(f"unsubscribe not kept: the spool refuses writes: {exc}") from exc
    page = _PAGE.format(
        title="You are unsubscribed",
        body="We will not send you this list any more. Māuruuru!",
        form="",
    )
    return Response(page, status_code=200 if recorded else 202, media_type=MediaType.HTML)
