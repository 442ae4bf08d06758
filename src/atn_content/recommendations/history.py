"""What a render request says about a recipient's travels, as catalogue codes.

The ESP sends names the way its systems write them (docs/RECIPIENT.md): the last trip
(`last_destination`, flown on `last_flight_date`), the booking a post-booking email is
about (`booking.destination`, made on `booking.booking_date`), the searches
(`recent_searches`, newest first, and the abandoned `search` with its `searched_at`).
Each becomes a Seen(code, kind, ts) when the catalogue knows the place; anything else
(unknown places, malformed values: recipient data is not trusted) is left out, never an
error. `ts` is None when the data gives no time: ranking then keeps the data's order,
and the reason does not say "yesterday". (recipient.py's history_from_recipient gives
such searches made-up times a day apart, right for ranking, wrong for a reason that says
when: hence this wrapper, which keeps "unknown".)
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any, Literal, NamedTuple

from atn_content.recommendations.catalogue import Destination

__all__ = ["MAX_SEARCHES", "Seen", "request_history"]

#: Searches of `recent_searches` read (newest first); the rest is older than what matters.
MAX_SEARCHES = 10

Kind = Literal["booking", "search", "click"]


class Seen(NamedTuple):
    code: str
    kind: Kind
    ts: float | None
    """POSIX time of the interaction, None when the data does not say."""


def _date_ts(value: Any) -> float | None:
    """Noon UTC of an ISO date (the day is what matters), None if it is not one."""
    if not isinstance(value, str) or len(value) > 40:
        return None
    try:
        day = dt.date.fromisoformat(value[:10])
    except ValueError:
        return None
    return dt.datetime.combine(day, dt.time(12), dt.UTC).timestamp()


def _datetime_ts(value: Any) -> float | None:
    if not isinstance(value, str) or len(value) > 40:
        return None
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        return _date_ts(value)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.timestamp()


Find = Callable[[Any], Destination | None]
"""What a place named in the data is (Catalogue.find, or a cached copy of it)."""


def _codes(find: Find, names: Any) -> list[str]:
    codes: list[str] = []
    for name in names:
        found = find(name) if isinstance(name, str) else None
        if found is not None and found.code not in codes:
            codes.append(found.code)
    return codes


def request_history(recipient: Mapping[str, Any], find: Find) -> list[Seen]:
    """The interactions the request carries, oldest first as far as the data tells."""
    seen: list[Seen] = []
    last = find(recipient.get("last_destination"))
    if last is not None:
        seen.append(Seen(last.code, "booking", _date_ts(recipient.get("last_flight_date"))))
    booking = recipient.get("booking")
    if isinstance(booking, Mapping):
        booked = find(booking.get("destination"))
        if booked is not None:
            seen.append(Seen(booked.code, "booking", _date_ts(booking.get("booking_date"))))
    searches = recipient.get("recent_searches")
    if isinstance(searches, list | tuple):
        # Newest first in the data: appended oldest first, without times.
        codes = _codes(find, searches[:MAX_SEARCHES])
        seen.extend(Seen(code, "search", None) for code in reversed(codes))
    search = recipient.get("search")
    if isinstance(search, Mapping):
        found = find(search.get("destination_name")) or find(search.get("destination"))
        if found is not None:
            seen.append(Seen(found.code, "search", _datetime_ts(search.get("searched_at"))))
    return seen
