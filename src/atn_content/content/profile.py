"""Derived recipient attributes (RFM segment, lead score, Club Tiare status) for templates.

Called once per render, so it is cheap (plain Python, no I/O) and forgiving: recipient data
comes from the ESP and may be missing, null or of the wrong type; anything unusable is
treated as absent rather than raising. The field names are those of docs/RECIPIENT.md.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from atn_content.content.lead_score import WEIGHTS, lead_band, lead_score
from atn_content.content.loyalty import loyalty_status
from atn_content.content.rfm import (
    PROSPECT,
    frequency_score,
    monetary_score,
    recency_score,
    segment_for,
)

__all__ = ["derive_profile"]

_EMPTY: Mapping[str, Any] = {}


def _count(value: Any) -> int:
    """A non-negative int from an int, integral float or digit string; else 0."""
    if isinstance(value, bool):
        return 0
    if isinstance(value, int):
        return max(value, 0)
    if isinstance(value, float) and math.isfinite(value):
        return max(int(value), 0)
    if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        return int(value)
    return 0


def _date(value: Any) -> date | None:
    """A date from an ISO date or date-time string (its calendar date); else None."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if not isinstance(value, str) or not value:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else _EMPTY


def _days_since(day: date | None, today: date) -> int | None:
    return None if day is None else max((today - day).days, 0)


def _full_years(since: date | None, today: date) -> int | None:
    if since is None or since > today:
        return None
    before_anniversary = (today.month, today.day) < (since.month, since.day)
    return today.year - since.year - before_anniversary


def _rfm(recipient: Mapping[str, Any], today: date, is_customer: bool) -> dict[str, Any]:
    booking = _mapping(recipient.get("booking"))
    activity = [
        d
        for d in (
            _date(recipient.get("last_flight_date")),
            _date(recipient.get("last_booking_date")),
            _date(booking.get("booking_date")),
        )
        if d is not None
    ]
    recency_days = _days_since(max(activity), today) if activity else None
    r = recency_score(recency_days)
    f = frequency_score(_count(recipient.get("flights_12m")))
    m = monetary_score(_count(recipient.get("spend_12m_xpf")))
    segment = segment_for(r, f, m) if is_customer else PROSPECT
    return {
        "r": r,
        "f": f,
        "m": m,
        "code": f"{r}{f}{m}",
        "segment": segment.id,
        "segment_name": segment.name,
        "recency_days": recency_days,
    }


def _is_customer(recipient: Mapping[str, Any]) -> bool:
    """Has flown or booked with us: any flight or booking date, flight, spend or PNR."""
    dates = ("last_flight_date", "first_flight_date", "last_booking_date")
    if any(_date(recipient.get(key)) is not None for key in dates):
        return True
    if _count(recipient.get("flights_12m")) or _count(recipient.get("spend_12m_xpf")):
        return True
    return bool(_mapping(recipient.get("booking")).get("pnr"))


def _loyalty(recipient: Mapping[str, Any]) -> dict[str, Any]:
    loyalty = _mapping(recipient.get("loyalty"))
    member = any(loyalty.get(k) is not None for k in ("number", "tier", "miles", "miles_balance"))
    miles = _count(loyalty.get("miles"))
    balance = _count(loyalty.get("miles_balance"))
    if not member:
        return {
            "member": False,
            "tier": None,
            "tier_name": None,
            "miles": miles,
            "miles_balance": balance,
            "next_tier": None,
            "next_tier_name": None,
            "miles_to_next": None,
        }
    reported = loyalty.get("tier")
    status = loyalty_status(miles, reported.lower() if isinstance(reported, str) else None)
    return {
        "member": True,
        "tier": status.tier.id,
        "tier_name": status.tier.name,
        "miles": miles,
        "miles_balance": balance,
        "next_tier": status.next_tier.id if status.next_tier else None,
        "next_tier_name": status.next_tier.name if status.next_tier else None,
        "miles_to_next": status.miles_to_next,
    }


def derive_profile(recipient: Mapping[str, Any], today: date) -> dict[str, Any]:
    """Derived attributes of one recipient as plain JSON-able data (see docs/RECIPIENT.md).

    `today` is the send date in the recipient's time zone; it is a parameter so that a
    render is reproducible.
    """
    is_customer = _is_customer(recipient)
    behaviour = _mapping(recipient.get("behaviour"))
    score = lead_score({name: _count(behaviour.get(name)) for name in WEIGHTS})
    return {
        "is_customer": is_customer,
        "days_since_last_flight": _days_since(_date(recipient.get("last_flight_date")), today),
        "years_since_first_flight": _full_years(_date(recipient.get("first_flight_date")), today),
        "rfm": _rfm(recipient, today, is_customer),
        "lead": {"score": score, "band": lead_band(score)},
        "loyalty": _loyalty(recipient),
    }
