"""GET and POST /v1/suppressions: the ESP keeps its suppression list in step with ours.

GET pages through the feed of unsubscribes, preference changes, imported suppressions
and erasures (hashed), in (ts, id) order; `next_cursor` resumes after the last line,
so a sync that saves it never misses or repeats one (a write replayed late after an
outage gets a later ts than every cursor handed out). POST imports the ESP's own (an
unsubscribe made elsewhere, a hard bounce, a spam complaint) as unsubscribes.
"""

from __future__ import annotations

import datetime as dt
import time
from typing import Annotated, Any, Literal

import msgspec
from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import JSONBody, QueryParameter

from atn_content.api.auth import require_scope
from atn_content.api.errors import ProblemError, invalid_query, refuse_unknown_query
from atn_content.api.problems import Problem
from atn_content.content.fields import RecipientId
from atn_content.store import StoreUnavailable, SuppressionEntry, Unsubscribe
from atn_content.store.base import Store
from atn_content.store.buffer import EventBuffer
from atn_content.timestamps import utc_iso

__all__ = ["ROUTES", "SuppressionFeed", "SuppressionImport", "SuppressionLine"]

_OPT = {"scope": "render"}
_QUERY = frozenset({"since", "cursor", "limit"})
#: Suppressions accepted in one POST (larger imports: several requests).
MAX_IMPORT = 1000


class SuppressionLine(msgspec.Struct, omit_defaults=True):
    """One feed line. kind "unsubscribe": list_id ("*" = every list), reason, source;
    "preferences": frequency, topics kept, locale; "erasure": recipient_hash only."""

    id: int
    ts: str
    """When the store recorded it (ISO 8601 UTC): the feed's order."""
    kind: str
    at: str
    """When the recipient (or the ESP) acted."""
    recipient_id: str = ""
    recipient_hash: str = ""
    list_id: str = ""
    reason: str = ""
    source: str = ""
    frequency: str = ""
    topics: list[str] | None = None
    locale: str = ""


class SuppressionFeed(msgspec.Struct):
    items: list[SuppressionLine]
    next_cursor: str | None
    """Pass as `cursor` for the lines after these (also when `has_more` is false: new
    lines arrive later)."""
    has_more: bool


class ImportedSuppression(msgspec.Struct, forbid_unknown_fields=True):
    recipient_id: RecipientId
    source: Literal["esp", "bounce", "complaint"] = "esp"
    list_id: Annotated[str, msgspec.Meta(min_length=1, max_length=64)] = "*"
    reason: Literal["", "too-frequent", "not-relevant", "never-signed-up", "other"] = ""
    at: Annotated[dt.datetime, msgspec.Meta(tz=True)] | None = None
    """When it happened at the ESP (ISO 8601 with its offset); now when left out."""


class SuppressionImport(msgspec.Struct, forbid_unknown_fields=True):
    suppressions: list[ImportedSuppression]


class ImportReceipt(msgspec.Struct):
    imported: int
    """Recorded in the store now."""
    spooled: int
    """Kept on disk while the store is unreachable; recorded when it is back."""


def _line(entry: SuppressionEntry) -> SuppressionLine:
    return SuppressionLine(
        id=entry.id,
        ts=utc_iso(entry.ts, timespec="microseconds"),
        kind=entry.kind,
        at=utc_iso(entry.at, timespec="seconds"),
        recipient_id=entry.recipient_id,
        recipient_hash=entry.recipient_hash,
        list_id=entry.list_id,
        reason=entry.reason,
        source=entry.source,
        frequency=entry.frequency,
        topics=list(entry.topics) if entry.kind == "preferences" else None,
        locale=entry.locale,
    )


def _since(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        raise invalid_query(
            "since", "must be an ISO 8601 time, e.g. 2026-12-01T00:00:00Z"
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    # Feed times are shown to the microsecond: half of one keeps a `since` copied from a
    # line's ts including that line, whatever the rounding.
    return moment.timestamp() - 5e-7


def _cursor(value: str | None) -> int:
    if value is None:
        return 0
    if not value.isdigit() or len(value) > 18:
        raise invalid_query("cursor", "must be a next_cursor this endpoint returned")
    return int(value)


@get(
    "/v1/suppressions",
    guards=[require_scope],
    opt=_OPT,
    summary="Feed of unsubscribes, preference changes and erasures, for the ESP's sync",
)
async def suppression_feed(
    request: Request[Any, Any, Any],
    store: NamedDependency[Store],
    since: Annotated[
        str | None,
        QueryParameter(format="date-time", description="ISO 8601: lines recorded from then"),
    ] = None,
    cursor: Annotated[
        str | None,
        QueryParameter(pattern=r"^[0-9]{1,18}$", description="next_cursor of the last page"),
    ] = None,
    limit: Annotated[int, QueryParameter(ge=1, le=1000, description="lines per page")] = 100,
) -> SuppressionFeed:
    """Lines after `cursor` (and recorded at or after `since`), oldest first."""
    refuse_unknown_query(request, _QUERY)
    after = _cursor(cursor)
    lines = await store.suppressions(after=after, limit=limit + 1, since=_since(since))
    page = lines[:limit]
    last = str(page[-1].id) if page else cursor
    return SuppressionFeed([_line(e) for e in page], last, len(lines) > limit)


@post(
    "/v1/suppressions",
    guards=[require_scope],
    opt=_OPT,
    status_code=200,
    responses={202: ResponseSpec(ImportReceipt, description="Some are spooled")},
    summary="Import the ESP's suppressions (unsubscribes elsewhere, bounces, complaints)",
)
async def import_suppressions(
    data: JSONBody[SuppressionImport], buffer: NamedDependency[EventBuffer]
) -> Response[ImportReceipt]:
    """Each is an unsubscribe (source esp, bounce or complaint), honoured at render time at
    once; the store keeps the first per list, so sending one again changes nothing. 200
    when all are in the store; 202 when some wait in the spool for the store to be back."""
    if len(data.suppressions) > MAX_IMPORT:
        raise ProblemError(
            Problem(413, "Too many suppressions", f"send at most {MAX_IMPORT} per request")
        )
    now = time.time()
    imported = spooled = 0
    for item in data.suppressions:
        ts = item.at.timestamp() if item.at is not None else now
        write = Unsubscribe(item.recipient_id, item.list_id, ts, item.reason, item.source)
        try:
            recorded = await buffer.record_or_spool(write)
        except OSError as exc:  # the store is down and the spool's disk refuses too
            raise StoreUnavailable(f"suppressions not kept: the spool refuses: {exc}") from exc
        imported += recorded
        spooled += not recorded
    return Response(ImportReceipt(imported, spooled), status_code=202 if spooled else 200)


ROUTES = [suppression_feed, import_suppressions]
