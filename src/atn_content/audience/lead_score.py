"""Lead score: how close a recipient is to buying, from counts of what they did.

Points per occurrence are the marketing team's (issue 3). The band picks the content:
inspiration for "nurture", personalised offers for "offers", the premium offer for
"premium".
"""

from __future__ import annotations

from collections.abc import Mapping

__all__ = ["BANDS", "WEIGHTS", "lead_band", "lead_score"]

#: Points per occurrence of each behaviour (keys of the recipient's `behaviour` object).
WEIGHTS: Mapping[str, int] = {
    "pricing_page": 10,
    "price_simulation": 25,
    "cart": 40,
    "newsletter_open": 5,
    "newsletter_click": 15,
    "brochure_download": 20,
    "concierge_chat": 30,
}

#: Band ids, lowest first: score < 30, 30 <= score <= 70, score > 70.
BANDS: tuple[str, ...] = ("nurture", "offers", "premium")


def lead_score(counts: Mapping[str, int]) -> int:
    """Sum of points; unknown behaviours are ignored, negative counts count as 0."""
    return sum(points * max(counts.get(name, 0), 0) for name, points in WEIGHTS.items())


def lead_band(score: int) -> str:
    """Band of a score: "nurture" below 30, "offers" from 30 to 70 inclusive, else "premium"."""
    if score < 30:
        return "nurture"
    if score <= 70:
        return "offers"
    return "premium"
