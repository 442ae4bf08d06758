"""RFM scores (recency, frequency, monetary) and the named segment of every score triple.

The thresholds are the marketing team's (issue 3). Each score is 1 (worst) to 5 (best).
The segment is read from a 5 x 5 grid of recency against the FM score, the mean of the
frequency and monetary scores rounded half up (the classic "RFM grid" marketers know):
a lookup, so all 125 (r, f, m) triples map to exactly one segment with no gaps and no
rule order to get wrong.
"""

from __future__ import annotations

from typing import NamedTuple

__all__ = [
    "GRID",
    "PROSPECT",
    "SEGMENTS",
    "Segment",
    "fm_score",
    "frequency_score",
    "monetary_score",
    "recency_score",
    "segment_for",
]


class Segment(NamedTuple):
    """A segment: `id` is the stable snake_case key templates branch on."""

    id: str
    name: str


CHAMPIONS = Segment("champions", "Champions")
LOYAL = Segment("loyal", "Loyal")
POTENTIAL_LOYALIST = Segment("potential_loyalist", "Potential loyalist")
NEW_CUSTOMERS = Segment("new_customers", "New customers")
PROMISING = Segment("promising", "Promising")
NEED_ATTENTION = Segment("need_attention", "Need attention")
ABOUT_TO_SLEEP = Segment("about_to_sleep", "About to sleep")
AT_RISK = Segment("at_risk", "At risk")
CANNOT_LOSE = Segment("cannot_lose", "Cannot lose them")
HIBERNATING = Segment("hibernating", "Hibernating")
LOST = Segment("lost", "Lost")

#: Not an RFM cell: recipients who never flew nor booked (see profile.derive_profile).
PROSPECT = Segment("prospect", "Prospect")

#: Every segment a recipient can be in, best customers first.
SEGMENTS: tuple[Segment, ...] = (
    CHAMPIONS,
    LOYAL,
    POTENTIAL_LOYALIST,
    NEW_CUSTOMERS,
    PROMISING,
    NEED_ATTENTION,
    ABOUT_TO_SLEEP,
    AT_RISK,
    CANNOT_LOSE,
    HIBERNATING,
    LOST,
    PROSPECT,
)

_C, _L, _PL, _N, _P = CHAMPIONS, LOYAL, POTENTIAL_LOYALIST, NEW_CUSTOMERS, PROMISING
_NA, _S, _AR, _CL, _H, _X = NEED_ATTENTION, ABOUT_TO_SLEEP, AT_RISK, CANNOT_LOSE, HIBERNATING, LOST

#: GRID[r][fm - 1]: segment for recency score r (row) and FM score fm (column).
GRID: dict[int, tuple[Segment, ...]] = {
    #     fm=1  fm=2  fm=3  fm=4  fm=5
    5: (_N, _N, _PL, _L, _C),
    4: (_P, _PL, _PL, _L, _C),
    3: (_S, _NA, _NA, _L, _L),
    2: (_H, _S, _AR, _AR, _CL),
    1: (_X, _H, _H, _AR, _CL),
}


def recency_score(days: int | None) -> int:
    """Score days since the last flight or booking: <30 5, [30,90) 4, [90,180) 3,
    [180,365] 2, >365 1. Unknown (None) scores 1; a future date (negative) scores 5."""
    if days is None:
        return 1
    if days < 30:
        return 5
    if days < 90:
        return 4
    if days < 180:
        return 3
    if days <= 365:
        return 2
    return 1


def frequency_score(flights_12m: int) -> int:
    """Score flights flown in the last 12 months: 0 1, 1 2, 2 3, 3-4 4, 5+ 5."""
    if flights_12m >= 5:
        return 5
    if flights_12m >= 3:
        return 4
    return max(flights_12m, 0) + 1


def monetary_score(spend_12m_xpf: int) -> int:
    """Score XPF spent in the last 12 months: <200K 1, [200K,500K) 2, [500K,1M) 3,
    [1M,2M] 4, >2M 5."""
    if spend_12m_xpf > 2_000_000:
        return 5
    if spend_12m_xpf >= 1_000_000:
        return 4
    if spend_12m_xpf >= 500_000:
        return 3
    if spend_12m_xpf >= 200_000:
        return 2
    return 1


def fm_score(f: int, m: int) -> int:
    """Mean of the frequency and monetary scores, rounded half up (1..5)."""
    return (f + m + 1) // 2


def segment_for(r: int, f: int, m: int) -> Segment:
    """The segment of a score triple; each score must be 1..5."""
    if not (1 <= r <= 5 and 1 <= f <= 5 and 1 <= m <= 5):
        raise ValueError(f"RFM scores must be 1..5, got {r}{f}{m}")
    return GRID[r][fm_score(f, m) - 1]
