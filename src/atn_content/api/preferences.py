"""GET/POST /preferences/{token}: the preference centre, signed, in the email's language.

GET shows what the recipient chose last (from the suppression snapshot in memory: no store
round trip, and it opens during a store outage); POST saves frequency, content types and
"unsubscribe from everything", 200 once in the store or 202 when spooled, as /u/ does.
"""

from __future__ import annotations

import time
from typing import Any

from litestar import MediaType, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath

from atn_content.api.pages import form_fields, page_response, refused
from atn_content.consent.snapshot import SuppressionSnapshot
from atn_content.consent.suppression import EVERY_LIST
from atn_content.content.content_types import CONTENT_TYPES
from atn_content.store import InvalidEvent, Preferences, StoreUnavailable, Unsubscribe
from atn_content.store.base import Write
from atn_content.store.buffer import EventBuffer
from atn_content.tracking.links import UnsubscribeLinks
from atn_content.tracking.pages.html import (
    FREQUENCIES,
    invalid_page,
    preferences_page,
    saved_page,
)
from atn_content.tracking.refused import page_language

__all__ = ["ROUTES", "save_preferences", "show_preferences"]

#: What a recipient who never chose gets: every email, weekly.
DEFAULT_FREQUENCY = "weekly"


@get("/preferences/{token:str}", media_type=MediaType.HTML, include_in_schema=False)
async def show_preferences(
    request: Request[Any, Any, Any],
    token: FromPath[str],
    links: NamedDependency[UnsubscribeLinks],
    suppression_list: NamedDependency[SuppressionSnapshot],
) -> Response[str]:
    link = links.read_preferences(token)
    if link is None:
        return refused(request, None)
    lang = page_language(link.locale, request.headers.get("accept-language", ""))
    held = suppression_list.held(link.recipient_id)
    chosen = held.preferences if held else None
    everything = held is not None and EVERY_LIST in held.lists
    if chosen is None:
        return page_response(
            preferences_page(lang, token, DEFAULT_FREQUENCY, CONTENT_TYPES, everything)
        )
    return page_response(preferences_page(lang, token, chosen.frequency, chosen.topics, everything))


@post("/preferences/{token:str}", media_type=MediaType.HTML, include_in_schema=False)
async def save_preferences(
    request: Request[Any, Any, Any],
    token: FromPath[str],
    links: NamedDependency[UnsubscribeLinks],
    buffer: NamedDependency[EventBuffer],
) -> Response[str]:
    link = links.read_preferences(token)
    if link is None:
        return refused(request, None)
    lang = page_language(link.locale, request.headers.get("accept-language", ""))
    fields = form_fields(await request.body())
    back = f"/preferences/{token}"
    frequencies = fields.get("frequency") or []
    if len(frequencies) != 1 or frequencies[0] not in FREQUENCIES:
        value = ", ".join(frequencies) or "(none)"
        return page_response(invalid_page(lang, "frequency", value, back), status_code=400)
    topics = fields.get("topics") or []
    unknown = [t for t in topics if t not in CONTENT_TYPES]
    if unknown:
        return page_response(invalid_page(lang, "topics", unknown[0], back), status_code=400)
    everything = (fields.get("everything") or [""])[-1] == "yes"
    now = time.time()
    writes: list[Write] = [
        Preferences(
            link.recipient_id,
            frequencies[0],
            tuple(t for t in CONTENT_TYPES if t in topics),
            link.locale or lang,
            now,
        )
    ]
    if everything:
        writes.append(Unsubscribe(link.recipient_id, EVERY_LIST, now, source="preference-centre"))
    try:
        recorded = await buffer.record_or_spool_all(writes)
    except InvalidEvent:
        return refused(request, link.locale)
    except OSError as exc:  # the store is down and the spool's disk refuses too
        raise StoreUnavailable(f"preferences not kept: the spool refuses writes: {exc}") from exc
    return page_response(saved_page(lang, everything), status_code=200 if recorded else 202)


ROUTES = (show_preferences, save_preferences)
