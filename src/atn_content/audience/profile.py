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

from atn_content.audience.lead_score import WEIGHTS, lead_band, lead_score
from atn_content.audience.loyalty import loyalty_status
from atn_content.audience.rfm import (
    PROSPECT,
    frequency_score,
    monetary_score,
    recency_score,
    segment_for,
)

__all__ = ["derive_profile"]

_EMPTY: Mapping[str, Any] = {}


def _count(value: Any) -> int:
    """A non-negative int from an int, a float (truncated) or a digit string; else 0."""
    if type(value) is int:
        return value if value > 0 else 0
    if isinstance(value, bool):
        return 0
    if isinstance(value, int):
        return max(value, 0)
    if isinstance(value, float) and math.isfinite(value):
        return max(int(value), 0)
    if isinstance(value, str) and len(value) < 20:
        digits = value.strip()
        return int(digits) if digits.isascii() and digits.isdigit() else 0
    return 0


def _date(value: Any) -> date | None:
    """A date from an ISO date or date-time string (its calendar date); else None."""
    if type(value) is str and len(value) == 10:
        try:
            return date.fromisoformat(value)
        except ValueError:
            return None
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


def _rfm(recency_days: int | None, flights: int, spend: int, is_customer: bool) -> dict[str, Any]:
    r = recency_score(recency_days)
    f = frequency_score(flights)
    m = monetary_score(spend)
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
    get = recipient.get
    booking = _mapping(get("booking"))
    last_flight = _date(get("last_flight_date"))
    first_flight = _date(get("first_flight_date"))
    last_booking = _date(get("last_booking_date"))
    booked = _date(booking.get("booking_date"))
    flights = _count(get("flights_12m"))
    spend = _count(get("spend_12m_xpf"))
    # A customer has flown or booked with us; anyone else is a prospect, not a lost customer.
    history = (last_flight, first_flight, last_booking, booked, flights, spend)
    is_customer = any(history) or bool(booking.get("pnr"))
    activity = [d for d in (last_flight, last_booking, booked) if d is not None]
    behaviour = _mapping(get("behaviour"))
    score = lead_score({k: _count(v) for k, v in behaviour.items() if k in WEIGHTS})
    return {
        "is_customer": is_customer,
        "days_since_last_flight": _days_since(last_flight, today),
        "years_since_first_flight": _full_years(first_flight, today),
        "rfm": _rfm(
            _days_since(max(activity), today) if activity else None, flights, spend, is_customer
        ),
        "lead": {"score": score, "band": lead_band(score)},
        "loyalty": _loyalty(recipient),
    }
