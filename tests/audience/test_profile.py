"""derive_profile: shape, prospects versus customers, and tolerance of messy ESP data."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from atn_content.audience.profile import derive_profile

TODAY = date(2026, 11, 26)


FULL_RECIPIENT = {
    "id": "r-1",
    "locale": "en",
    "last_flight_date": "2026-11-10",
    "first_flight_date": "2019-12-01",
    "flights_12m": 6,
    "spend_12m_xpf": 2_400_000,
    "behaviour": {"pricing_page": 1, "price_simulation": 1, "newsletter_click": 1, "cart": 0},
    "loyalty": {"tier": "silver", "miles": 55_000, "miles_balance": 81_250},
}


def test_full_profile_shape_and_values() -> None:
    assert derive_profile(FULL_RECIPIENT, TODAY) == {
        "is_customer": True,
        "days_since_last_flight": 16,
        "years_since_first_flight": 6,
        "rfm": {
            "r": 5,
            "f": 5,
            "m": 5,
            "code": "555",
            "segment": "champions",
            "segment_name": "Champions",
            "recency_days": 16,
        },
        "lead": {"score": 50, "band": "offers"},
        "loyalty": {
            "member": True,
            "tier": "silver",
            "tier_name": "Silver",
            "miles": 55_000,
            "miles_balance": 81_250,
            "next_tier": "gold",
            "next_tier_name": "Gold",
            "miles_to_next": 5_000,
        },
    }


def test_subscriber_without_any_purchase_is_a_prospect_not_lost() -> None:
    profile = derive_profile({"id": "new", "email": "a@example.com", "locale": "fr"}, TODAY)
    assert profile["is_customer"] is False
    assert profile["rfm"]["segment"] == "prospect"
    assert profile["rfm"]["code"] == "111"
    assert profile["days_since_last_flight"] is None
    assert profile["lead"] == {"score": 0, "band": "nurture"}
    assert profile["loyalty"]["member"] is False
    assert profile["loyalty"]["tier"] is None


def test_customer_whose_last_flight_is_old_is_lost() -> None:
    profile = derive_profile({"id": "x", "last_flight_date": "2024-01-05"}, TODAY)
    assert profile["is_customer"] is True
    assert profile["rfm"]["segment"] == "lost"
    assert profile["days_since_last_flight"] == 1056


def test_recency_uses_the_latest_of_flight_and_booking_dates() -> None:
    recipient = {
        "id": "x",
        "last_flight_date": "2025-02-01",
        "booking": {"pnr": "K7Q2ZT", "booking_date": "2026-11-20"},
        "spend_12m_xpf": 640_000,
    }
    profile = derive_profile(recipient, TODAY)
    assert profile["rfm"]["recency_days"] == 6
    assert profile["rfm"]["r"] == 5
    assert profile["days_since_last_flight"] == 663


def test_a_booking_alone_makes_a_customer() -> None:
    profile = derive_profile({"id": "x", "booking": {"pnr": "K7Q2ZT"}}, TODAY)
    assert profile["is_customer"] is True
    assert profile["rfm"]["segment"] == "lost"  # no dates at all: recency unknown scores 1


def test_a_booking_date_alone_makes_a_new_customer() -> None:
    profile = derive_profile({"id": "x", "booking": {"booking_date": "2026-11-25"}}, TODAY)
    assert profile["is_customer"] is True
    assert profile["rfm"]["segment"] == "new_customers"


def test_years_since_first_flight_counts_full_years() -> None:
    def years(first: str) -> Any:
        return derive_profile({"id": "x", "first_flight_date": first}, TODAY)[
            "years_since_first_flight"
        ]

    assert years("2016-11-26") == 10
    assert years("2016-11-27") == 9
    assert years("2027-01-01") is None


@pytest.mark.parametrize(
    "junk",
    [
        None,
        "",
        "not a date",
        "2026-02-30",
        [],
        {"nested": True},
        float("nan"),
        float("inf"),
        "-5",
        "³",
        "9" * 5000,
        True,
    ],
)
def test_garbage_values_never_raise(junk: Any) -> None:
    recipient = {
        "id": "x",
        "last_flight_date": junk,
        "first_flight_date": junk,
        "last_booking_date": junk,
        "flights_12m": junk,
        "spend_12m_xpf": junk,
        "behaviour": junk,
        "loyalty": junk,
        "booking": junk,
    }
    profile = derive_profile(recipient, TODAY)
    json.dumps(profile)
    assert profile["rfm"]["r"] == 1
    assert profile["rfm"]["f"] == 1


def test_garbage_inside_nested_objects_never_raises() -> None:
    recipient = {
        "id": "x",
        "behaviour": {
            "cart": "2",
            "pricing_page": -4,
            "newsletter_open": 2.0,
            "concierge_chat": "x",
        },
        "loyalty": {"tier": 3, "miles": "31000", "miles_balance": None},
        "booking": {"pnr": "", "booking_date": 20261101},
    }
    profile = derive_profile(recipient, TODAY)
    assert profile["lead"] == {"score": 2 * 40 + 2 * 5, "band": "premium"}
    assert profile["loyalty"]["tier"] == "silver"
    assert profile["loyalty"]["miles_balance"] == 0
    assert profile["is_customer"] is False


def test_reported_tier_is_case_insensitive_and_gold_has_no_next_tier() -> None:
    loyalty = derive_profile({"id": "x", "loyalty": {"tier": "Gold", "miles": 12_000}}, TODAY)[
        "loyalty"
    ]
    assert loyalty["tier"] == "gold"
    assert loyalty["next_tier"] is None and loyalty["miles_to_next"] is None


def test_datetime_strings_count_by_their_calendar_date() -> None:
    recipient = {"id": "x", "last_flight_date": "2026-10-27T23:10:00-10:00", "flights_12m": 2}
    profile = derive_profile(recipient, TODAY)
    assert profile["days_since_last_flight"] == 30
    assert profile["rfm"]["r"] == 4


def test_the_example_in_docs_recipient_md_is_real_output() -> None:
    doc = Path(__file__).resolve().parents[2] / "docs" / "RECIPIENT.md"
    match = re.search(r"```json\n(.*?)\n```", doc.read_text(encoding="utf-8"), re.DOTALL)
    assert match is not None
    assert json.loads(match[1]) == derive_profile(FULL_RECIPIENT, TODAY)
