"""Ranking one recipient's recommendations from a model's precomputed neighbours.

Pure and fast (tens of microseconds: a few dictionary updates per history item), so it
runs per render. The rules hold for every strategy: never a destination booked in the 12
months before `now`, nor one in `exclude` (the one the email is already about); only
catalogue destinations; a recipient the strategy has nothing for gets their market's
most popular destinations (the cold start); no two results from one small cluster when
another candidate scores within `closeness` of the one it would replace; equal scores are
ordered by destination code.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping, Sequence

import msgspec

from atn_content.recommendations.catalogue import Catalogue
from atn_content.recommendations.model import HistoryItem, Ranked, RecsModel

__all__ = [
    "BLEND",
    "BOOKED_WINDOW",
    "CLOSENESS",
    "STRATEGIES",
    "Recommendation",
    "recommend",
]

DAY = 86_400.0
#: Strategies `recommend` knows; "blend" combines the first three with popularity.
STRATEGIES = ("blend", "similar", "also_visited", "recent_searches", "popularity")
#: A destination booked this recently (seconds before now) is never recommended.
BOOKED_WINDOW = 365 * DAY
#: Diversity: a candidate from a new cluster replaces one from a cluster already shown
#: when it scores at least (1 - CLOSENESS) times as much.
CLOSENESS = 0.25
#: Weights of the blend, applied to each strategy's scores scaled to a best of 1. Chosen
#: on a validation set (synthetic seed 7), not on the reported one (seed 14): on that
#: data the other strategies change recall@3 by at most +-0.01 (docs/RECOMMENDATIONS.md).
BLEND: Mapping[str, float] = {
    "recent_searches": 1.0,
    "also_visited": 0.2,
    "similar": 0.15,
    "popularity": 0.3,
}
#: How much each kind of interaction says about taste, and how fast it fades.
_TASTE = {"booking": 1.0, "search": 0.6, "click": 0.4}
_TRIPS = {"booking": 1.0, "search": 0.25, "click": 0.25}
_TASTE_HALF_LIFE = 90 * DAY
_TRIP_HALF_LIFE = 365 * DAY
#: Searches count for a year, halving every 60 days (a search yesterday counts about
#: twice one from two months ago); what similar searchers also looked at counts half.
#: Clicks are left out: on the validation set counting them lowered recall@3 (0.46 -> 0.45).
_SEARCH_HALF_LIFE = 60 * DAY
_SEARCH_WINDOW = 365 * DAY
_SEARCHED = {"search": 1.0}
_SPILL = 0.5
_LN2 = math.log(2)


class Recommendation(msgspec.Struct, frozen=True):
    """One recommended destination, the strategy that put it there and the destination it
    is because of (None for popularity), for the email's reason line."""

    destination: str
    strategy: str
    because: str | None
    score: float


class _Score:
    """A candidate's running total, and what gave the largest share of it."""

    __slots__ = ("because", "best", "strategy", "total")

    def __init__(self, value: float, strategy: str, because: str | None) -> None:
        self.total = value
        self.best = value
        self.strategy = strategy
        self.because = because

    def add(self, value: float, strategy: str, because: str | None) -> None:
        self.total += value
        if value > self.best:
            self.best = value
            self.strategy = strategy
            self.because = because


Scores = dict[str, _Score]


def _add(scores: Scores, code: str, value: float, strategy: str, because: str | None) -> None:
    entry = scores.get(code)
    if entry is None:
        scores[code] = _Score(value, strategy, because)
    else:
        entry.add(value, strategy, because)


def _decay(age: float, half_life: float) -> float:
    return math.exp(-max(age, 0.0) * _LN2 / half_life)


def _spread(
    neighbours: Mapping[str, Ranked],
    history: Sequence[HistoryItem],
    now: float,
    kinds: Mapping[str, float],
    half_life: float,
    strategy: str,
) -> Scores:
    scores: Scores = {}
    for item in history:
        weight = kinds.get(item.kind, 0.0) * _decay(now - item.ts, half_life)
        if weight <= 0.0:
            continue
        for code, similarity in neighbours.get(item.destination, ()):
            _add(scores, code, weight * similarity, strategy, item.destination)
    return scores


def _recent_searches(
    neighbours: Mapping[str, Ranked], history: Sequence[HistoryItem], now: float
) -> Scores:
    """The destinations searched lately, recency weighted, and (half as much) what people
    who searched them also looked at."""
    scores: Scores = {}
    for item in history:
        age = now - item.ts
        kind = _SEARCHED.get(item.kind, 0.0)
        if kind <= 0.0 or age > _SEARCH_WINDOW:
            continue
        weight = kind * _decay(age, _SEARCH_HALF_LIFE)
        _add(scores, item.destination, weight, "recent_searches", item.destination)
        for code, similarity in neighbours.get(item.destination, ()):
            _add(scores, code, _SPILL * weight * similarity, "recent_searches", item.destination)
    return scores


def _popularity(model: RecsModel, market: str) -> Scores:
    ranked = model.popularity.get(market) or model.popularity.get("", [])
    return {code: _Score(share, "popularity", None) for code, share in ranked}


def _strategy_scores(
    model: RecsModel, strategy: str, history: Sequence[HistoryItem], market: str, now: float
) -> Scores:
    neighbours = model.neighbours
    if strategy == "similar":
        return _spread(neighbours["similar"], history, now, _TRIPS, _TRIP_HALF_LIFE, strategy)
    if strategy == "also_visited":
        return _spread(neighbours["also_visited"], history, now, _TASTE, _TASTE_HALF_LIFE, strategy)
    if strategy == "recent_searches":
        return _recent_searches(neighbours["also_visited"], history, now)
    return _popularity(model, market)


def _blend(model: RecsModel, history: Sequence[HistoryItem], market: str, now: float) -> Scores:
    """Each strategy scaled to a best of 1, weighted by BLEND and summed; an item keeps the
    strategy (and its because) that contributed most."""
    out: Scores = {}
    parts = ("recent_searches", "also_visited", "similar") if history else ()
    for name in (*parts, "popularity"):
        scores = _strategy_scores(model, name, history, market, now)
        if not scores:
            continue
        scale = BLEND[name] / max(s.total for s in scores.values())
        for code, score in scores.items():
            _add(out, code, score.total * scale, name, score.because)
    return out


def recommend(
    model: RecsModel,
    catalogue: Catalogue,
    history: Sequence[HistoryItem],
    *,
    market: str,
    now: float,
    k: int = 3,
    strategy: str = "blend",
    exclude: Collection[str] = (),
    closeness: float = CLOSENESS,
) -> list[Recommendation]:
    """Up to k recommendations, best first (fewer only when the catalogue runs out).

    history: the recipient's interactions, newest first (`model.recipient_history(id)`,
    or built from the recipient's data); market: their email language (fr, en, ja).
    """
    if strategy not in STRATEGIES:
        raise ValueError(f"unknown strategy {strategy!r} (one of {', '.join(STRATEGIES)})")
    if k <= 0:
        return []
    banned = set(exclude)
    for item in history:
        if item.kind == "booking" and now - item.ts < BOOKED_WINDOW:
            banned.add(item.destination)
    if strategy == "blend":
        tiers = [_blend(model, history, market, now)]
    else:
        tiers = [_strategy_scores(model, strategy, history, market, now)]
        if strategy != "popularity":
            tiers.append(_popularity(model, market))
    tiers.append(_popularity(model, ""))  # a market the training data had little of
    return _pick(tiers, catalogue, banned, k, closeness)


def _pick(
    tiers: Sequence[Scores],
    catalogue: Catalogue,
    banned: set[str],
    k: int,
    closeness: float,
) -> list[Recommendation]:
    chosen: list[Recommendation] = []
    clusters: set[str] = set()
    for tier in tiers:
        candidates = sorted(
            (-score.total, code, score.strategy, score.because, destination.cluster)
            for code, score in tier.items()
            if code not in banned
            and (destination := catalogue.get(code)) is not None
            and all(code != r.destination for r in chosen)
        )
        while candidates and len(chosen) < k:
            pick = 0
            if candidates[0][4] in clusters:
                floor = -candidates[0][0] * (1.0 - closeness)
                for position, candidate in enumerate(candidates):
                    if -candidate[0] < floor:
                        break
                    if candidate[4] not in clusters:
                        pick = position
                        break
            negative, code, name, because, cluster = candidates.pop(pick)
            chosen.append(Recommendation(code, name, because, round(-negative, 6)))
            clusters.add(cluster)
        if len(chosen) >= k:
            break
    return chosen
