"""Club Tiare status and the distance to the next tier ("5,000 miles to Gold").

Tiers and thresholds follow Air Tahiti Nui's Club Tiare terms: Tahia on joining, Silver
at 30,000 and Gold at 60,000 qualifying miles in a calendar year. Reaching a threshold
upgrades the member at once, so the tier is the higher of the status the ESP reports
and the one the miles already earn.
"""

from __future__ import annotations

from typing import NamedTuple

__all__ = ["TIERS", "LoyaltyStatus", "Tier", "loyalty_status", "tier_for_miles"]


class Tier(NamedTuple):
    """A Club Tiare tier: `id` is the stable key templates branch on."""

    id: str
    name: str
    qualifying_miles: int


#: Tiers from lowest to highest, with the qualifying miles (calendar year) each needs.
TIERS: tuple[Tier, ...] = (
    Tier("tahia", "Tahia", 0),
    Tier("silver", "Silver", 30_000),
    Tier("gold", "Gold", 60_000),
)

_RANK = {tier.id: rank for rank, tier in enumerate(TIERS)}


class LoyaltyStatus(NamedTuple):
    tier: Tier
    next_tier: Tier | None
    miles_to_next: int | None


def tier_for_miles(miles: int) -> Tier:
    """The highest tier whose threshold `miles` reaches (thresholds are inclusive)."""
    earned = TIERS[0]
    for tier in TIERS:
        if miles >= tier.qualifying_miles:
            earned = tier
    return earned


def loyalty_status(miles: int, reported_tier: str | None = None) -> LoyaltyStatus:
    """Tier (reported or earned, whichever is higher), next tier and miles still needed.

    An unknown `reported_tier` is ignored. At the top tier the next tier and the
    distance are None.
    """
    tier = tier_for_miles(miles)
    reported_rank = _RANK.get(reported_tier or "", -1)
    if reported_rank > _RANK[tier.id]:
        tier = TIERS[reported_rank]
    rank = _RANK[tier.id]
    if rank + 1 == len(TIERS):
        return LoyaltyStatus(tier, None, None)
    next_tier = TIERS[rank + 1]
    return LoyaltyStatus(tier, next_tier, next_tier.qualifying_miles - max(miles, 0))
