"""A recipient's history from what the ESP sends (docs/RECIPIENT.md), for ranking beside
or instead of the model's: `recent_searches`, `search`, `last_destination` and `booking`
name places as people write them, and the catalogue maps them to codes.

Pure and forgiving like the profile derivations: a malformed or unknown value is absent.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from atn_content.recommendations.catalogue import Catalogue
from atn_content.recommendations.model import HistoryItem

__all__ = ["SEARCH_SPACING", "history_from_recipient", "merge_histories"]

#: `recent_searches` carry no time: the first is taken as a day old, the next two days...
SEARCH_SPACING = 86_400.0


def _moment(value: Any, *, date_only: bool = False) -> float | None:
    if not isinstance(value, str):
        return None
    try:
        if date_only or len(value) == 10:
            day = dt.date.fromisoformat(value)
            return dt.datetime(day.year, day.month, day.day, 12, tzinfo=dt.UTC).timestamp()
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.timestamp()


def history_from_recipient(
    catalogue: Catalogue, recipient: Mapping[str, Any], now: float
) -> tuple[HistoryItem, ...]:
    """The places the recipient's data names, newest first.

    recent_searches -> searches a day apart going back from now; search.destination_name
    (or its airport) at search.searched_at; last_destination -> a booking at
    last_flight_date; booking.destination -> a booking at booking.booking_date. A missing
    date is taken as now (a trip just taken or booked is not offered again).
    """
    items: list[HistoryItem] = []
    searches = recipient.get("recent_searches")
    if isinstance(searches, list):
        for n, code in enumerate(catalogue.codes_for(searches)):
            items.append(HistoryItem(code, "search", now - (n + 1) * SEARCH_SPACING))
    search = recipient.get("search")
    if isinstance(search, Mapping):
        place = _find(catalogue, search.get("destination_name"), search.get("destination"))
        when = _moment(search.get("searched_at"))
        if place is not None:
            items.append(HistoryItem(place, "search", now if when is None else when))
    last = _find(catalogue, recipient.get("last_destination"))
    flown = _moment(recipient.get("last_flight_date"), date_only=True)
    if last is not None:  # a trip of unknown date counts as recent: not offered again
        items.append(HistoryItem(last, "booking", now if flown is None else flown))
    booking = recipient.get("booking")
    if isinstance(booking, Mapping):
        place = _find(catalogue, booking.get("destination"))
        when = _moment(booking.get("booking_date"), date_only=True)
        if place is not None:
            items.append(HistoryItem(place, "booking", now if when is None else when))
    items.sort(key=lambda item: -item.ts)
    return tuple(items)


def _find(catalogue: Catalogue, *values: Any) -> str | None:
    for value in values:
        found = catalogue.find(value) if isinstance(value, str) else None
        if found is not None:
            return found.code
    return None


def merge_histories(*histories: Sequence[HistoryItem], limit: int = 40) -> tuple[HistoryItem, ...]:
    """Several histories as one, newest first, exact repeats dropped."""
    seen: set[HistoryItem] = set()
    merged = sorted((i for h in histories for i in h), key=lambda item: -item.ts)
    out: list[HistoryItem] = []
    for item in merged:
        if item not in seen:
            seen.add(item)
            out.append(item)
    return tuple(out[:limit])
