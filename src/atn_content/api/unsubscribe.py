"""GET/POST /u/{token}: signed, public unsubscribe (RFC 8058 one-click on POST), in the
email's language, with an optional reason.

GET shows the confirmation page (mail scanners follow GET links, so GET must not
unsubscribe); POST, sent by the mailbox provider's one-click button (body
`List-Unsubscribe=One-Click`) or by the page's form (with a reason), records it: 200 once in
the store, or 202 with the same page when the store is unreachable and the unsubscribe is in
the spool (fsync'd, replayed when the store is back).
"""

from __future__ import annotations

import time
from typing import Any

from litestar import MediaType, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath

from atn_content.api.pages import form_fields, page_response, refused
from atn_content.store import InvalidEvent, StoreUnavailable, Unsubscribe
from atn_content.store.buffer import EventBuffer
from atn_content.tracking.links import UnsubscribeLinks
from atn_content.tracking.pages.html import (
    REASONS,
    invalid_page,
    unsubscribe_page,
    unsubscribed_page,
)
from atn_content.tracking.refused import page_language

__all__ = ["ROUTES", "confirm_unsubscribe", "unsubscribe"]


@get("/u/{token:str}", media_type=MediaType.HTML, include_in_schema=False)
async def confirm_unsubscribe(
    request: Request[Any, Any, Any], token: FromPath[str], links: NamedDependency[UnsubscribeLinks]
) -> Response[str]:
    link = links.read(token)
    if link is None:
        return refused(request, None)
    lang = page_language(link.locale, request.headers.get("accept-language", ""))
    preferences = links.preferences_url(link.recipient_id, link.locale or lang)
    return page_response(unsubscribe_page(lang, token, preferences))


@post("/u/{token:str}", media_type=MediaType.HTML, status_code=200, include_in_schema=False)
async def unsubscribe(
    request: Request[Any, Any, Any],
    token: FromPath[str],
    links: NamedDependency[UnsubscribeLinks],
    buffer: NamedDependency[EventBuffer],
) -> Response[str]:
    link = links.read(token)
    if link is None:
        return refused(request, None)
    lang = page_language(link.locale, request.headers.get("accept-language", ""))
    fields = form_fields(await request.body())
    reason = (fields.get("reason") or [""])[-1]
    if reason and reason not in REASONS:
        back = f"/u/{token}"
        return page_response(invalid_page(lang, "reason", reason, back), status_code=400)
    try:
        recorded = await buffer.record_or_spool(
            Unsubscribe(link.recipient_id, link.list_id, time.time(), reason=reason)
        )
    except InvalidEvent:
        return refused(request, link.locale)
    except OSError as exc:  # the store is down and the spool's disk refuses too
        raise StoreUnavailable(f"unsubscribe not kept: the spool refuses writes: {exc}") from exc
    preferences = links.preferences_url(link.recipient_id, link.locale or lang)
    return page_response(unsubscribed_page(lang, preferences), status_code=200 if recorded else 202)


ROUTES = (confirm_unsubscribe, unsubscribe)
