"""Club Tiare tiers: thresholds, reported status, distance to the next tier."""

from __future__ import annotations

import pytest

from atn_content.audience.loyalty import TIERS, loyalty_status, tier_for_miles


@pytest.mark.parametrize(
    ("miles", "tier"),
    [
        (0, "tahia"),
        (29_999, "tahia"),
        (30_000, "silver"),
        (59_999, "silver"),
        (60_000, "gold"),
        (250_000, "gold"),
    ],
)
def test_tier_thresholds_are_inclusive(miles: int, tier: str) -> None:
    assert tier_for_miles(miles).id == tier


def test_miles_to_next_tier() -> None:
    status = loyalty_status(55_000)
    assert (status.tier.id, status.next_tier and status.next_tier.id) == ("silver", "gold")
    assert status.miles_to_next == 5_000
    assert loyalty_status(0).miles_to_next == 30_000


def test_top_tier_has_no_next() -> None:
    status = loyalty_status(75_000)
    assert status.tier.id == "gold"
    assert status.next_tier is None and status.miles_to_next is None


def test_reported_tier_wins_when_higher_and_earned_tier_when_miles_upgrade() -> None:
    kept = loyalty_status(12_000, "silver")
    assert kept.tier.id == "silver" and kept.miles_to_next == 48_000
    upgraded = loyalty_status(61_000, "silver")
    assert upgraded.tier.id == "gold" and upgraded.next_tier is None
    assert loyalty_status(12_000, "platinum").tier.id == "tahia"


def test_tiers_ascend() -> None:
    thresholds = [t.qualifying_miles for t in TIERS]
    assert thresholds == sorted(thresholds) and thresholds[0] == 0
