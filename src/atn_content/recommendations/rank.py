"""Ranking one recipient's recommendations from a model's precomputed neighbours.

Pure and fast (microseconds: one pass over the history, then a few dictionary updates per
distinct destination in it; what depends on the model and catalogue only is prepared once
per model), so it runs per render. The rules hold for every strategy: never a destination
booked in the 12 months before `now`, nor one in `exclude` (the one the email is already
about); only catalogue destinations; a recipient the strategy has nothing for gets their market's
most popular destinations (the cold start); no two results from one small cluster when
another candidate scores within `closeness` of the one it would replace; equal scores are
ordered by destination code.
"""

from __future__ import annotations

import math
import weakref
from collections.abc import Callable, Collection, Mapping, Sequence

import msgspec

from atn_content.recommendations.catalogue import Catalogue
from atn_content.recommendations.model import HistoryItem, RecsModel

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
#: Weights of the blend: each strategy divided by its sources' total weight, popularity
#: scaled to a best of 1. Chosen on a validation set (synthetic seed 7, 8,000 recipients),
#: not on the reported one (seed 14): there, giving "similar" any weight lowered recall@3
#: (0.452 -> 0.437 at 0.3) and more popularity did too (0.452 -> 0.443 at 0.6); see
#: docs/RECOMMENDATIONS.md. "similar" is still a strategy of its own for templates.
BLEND: Mapping[str, float] = {
    "recent_searches": 1.0,
    "also_visited": 0.3,
    "similar": 0.0,
    "popularity": 0.1,
}
#: Popular destinations per market that take part in the blend (the rest come in only
#: through the popularity fill, after every blended candidate).
_BLEND_POPULAR = 10
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


Neighbours = dict[str, tuple[tuple[str, float], ...]]
Totals = dict[str, float]


class _Prepared:
    """What ranking needs from one model and catalogue, in the shape it reads fastest:
    neighbours and popularity restricted to catalogue destinations, popularity sorted."""

    def __init__(self, model: RecsModel, catalogue: Catalogue) -> None:
        self.catalogue = catalogue  # keeps the id this is cached under alive
        self.cluster = {d.code: d.cluster for d in catalogue}
        known = self.cluster
        self.neighbours: dict[str, Neighbours] = {
            name: {
                src: tuple((c, s) for c, s in ranked if c in known) for src, ranked in table.items()
            }
            for name, table in model.neighbours.items()
        }
        self.similarity: dict[str, dict[str, Totals]] = {
            name: {src: dict(pairs) for src, pairs in table.items()}
            for name, table in self.neighbours.items()
        }
        cf, content = self.similarity["also_visited"], self.similarity["similar"]
        self.merged: dict[str, tuple[tuple[str, float, float], ...]] = {
            src: tuple(
                (code, cf.get(src, _EMPTY).get(code, 0.0), content.get(src, _EMPTY).get(code, 0.0))
                for code in dict.fromkeys(
                    [c for c, _ in self.neighbours["also_visited"].get(src, ())]
                    + [c for c, _ in self.neighbours["similar"].get(src, ()) if BLEND["similar"]]
                )
            )
            for src in {*cf, *content}
        }
        self.ordered: dict[str, list[tuple[float, str]]] = {}
        self.blend_popularity: dict[str, Totals] = {}
        for market, ranked in model.popularity.items():
            kept = sorted((-share, code) for code, share in ranked if code in known)
            self.ordered[market] = kept
            best = -kept[0][0] if kept and kept[0][0] < 0 else 1.0
            weight = BLEND["popularity"] / best
            top = kept[:_BLEND_POPULAR]  # the tail is left to the popularity fill
            self.blend_popularity[market] = {code: -neg * weight for neg, code in top}
        self.ordered.setdefault("", [])
        self.blend_popularity.setdefault("", {})

    def market(self, market: str) -> str:
        return market if self.ordered.get(market) else ""


#: id(model) -> (a weak reference to it, id(catalogue) -> prepared); an entry goes when
#: its model is collected (models hold dicts, so they cannot be weak dictionary keys).
_PREPARED: dict[int, tuple[weakref.ref[RecsModel], dict[int, _Prepared]]] = {}


def _prepared(model: RecsModel, catalogue: Catalogue) -> _Prepared:
    entry = _PREPARED.get(id(model))
    if entry is None or entry[0]() is not model:
        key = id(model)
        entry = _PREPARED[key] = (
            weakref.ref(model, lambda _: _PREPARED.pop(key, None)),
            {},
        )
    prepared = entry[1].get(id(catalogue))
    if prepared is None:
        prepared = entry[1][id(catalogue)] = _Prepared(model, catalogue)
    return prepared


class _Part:
    """One strategy's scores for one recipient; which source a destination is because of
    is worked out only for the few destinations shown."""

    __slots__ = ("name", "scale", "similarity", "sources", "totals")

    def __init__(
        self, name: str, totals: Totals, sources: Totals, similarity: dict[str, Totals]
    ) -> None:
        self.name = name
        self.totals = totals
        self.sources = sources
        self.similarity = similarity
        self.scale = 1.0

    def attribute(self, code: str) -> tuple[str, str | None]:
        return self.name, self.because(code)

    def value(self, code: str) -> float:
        """This strategy's (scaled) share of a blended destination's score."""
        total = self.sources.get(code, 0.0) / _SPILL if self.name == "recent_searches" else 0.0
        similarity = self.similarity
        for src, weight in self.sources.items():
            row = similarity.get(src)
            if row is not None:
                total += weight * row.get(code, 0.0)
        return total * self.scale

    def because(self, code: str) -> str | None:
        """The source contributing most to code (the newest of equals); a searched place
        is there because of itself."""
        if self.name == "recent_searches" and code in self.sources:
            return code
        best, found = 0.0, None
        similarity = self.similarity
        for src, weight in self.sources.items():
            value = weight * similarity.get(src, _EMPTY).get(code, 0.0)
            if value > best:
                best, found = value, src
        return found


_EMPTY: Totals = {}


def _spread(neighbours: Neighbours, sources: Totals, into: Totals, factor: float = 1.0) -> None:
    """Adds each source's weight times its neighbours' similarity to `into`."""
    get = into.get
    for src, weight in sources.items():
        weight *= factor
        for code, similarity in neighbours.get(src, ()):
            into[code] = get(code, 0.0) + weight * similarity


def _sources(
    history: Sequence[HistoryItem], now: float, banned: set[str], wanted: str
) -> tuple[Totals, Totals, Totals]:
    """One pass over the history: the weight of each destination as a trip (similar), as a
    taste (also_visited) and as a search (recent_searches), newest first; bookings of the
    last 12 months join `banned`."""
    trips: Totals = {}
    taste: Totals = {}
    searches: Totals = {}
    every = wanted == "blend"
    want_trips = wanted == "similar" or (every and BLEND["similar"] > 0)
    want_taste = wanted == "also_visited" or (every and BLEND["also_visited"] > 0)
    want_search = wanted == "recent_searches" or (every and BLEND["recent_searches"] > 0)
    exp = math.exp
    for item in history:
        age = now - item.ts
        kind = item.kind
        code = item.destination
        if kind == "booking" and age < BOOKED_WINDOW:
            banned.add(code)
        if age < 0.0:
            age = 0.0
        trip_w, taste_w, search_w = _KIND_WEIGHTS.get(kind, _NO_WEIGHTS)
        if want_trips and trip_w:
            trips[code] = trips.get(code, 0.0) + trip_w * exp(-age * _TRIP_RATE)
        if want_taste and taste_w:
            taste[code] = taste.get(code, 0.0) + taste_w * exp(-age * _TASTE_RATE)
        if want_search and search_w and age <= _SEARCH_WINDOW:
            searches[code] = searches.get(code, 0.0) + search_w * exp(-age * _SEARCH_RATE)
    return trips, taste, searches


#: kind -> (trip, taste, search) weights, one lookup per history item.
_KIND_WEIGHTS = {
    kind: (_TRIPS.get(kind, 0.0), _TASTE.get(kind, 0.0), _SEARCHED.get(kind, 0.0))
    for kind in {*_TRIPS, *_TASTE, *_SEARCHED}
}
_NO_WEIGHTS = (0.0, 0.0, 0.0)
_TRIP_RATE = _LN2 / _TRIP_HALF_LIFE
_TASTE_RATE = _LN2 / _TASTE_HALF_LIFE
_SEARCH_RATE = _LN2 / _SEARCH_HALF_LIFE


def _parts(prepared: _Prepared, trips: Totals, taste: Totals, searches: Totals) -> list[_Part]:
    """Each strategy's full scores (one strategy asked for: only its sources are set)."""
    cf = prepared.neighbours["also_visited"]
    cf_similarity = prepared.similarity["also_visited"]
    parts: list[_Part] = []
    if searches:
        totals = dict(searches)
        _spread(cf, searches, totals, _SPILL)
        spilled = {src: _SPILL * w for src, w in searches.items()}
        parts.append(_Part("recent_searches", totals, spilled, cf_similarity))
    if taste:
        totals = {}
        _spread(cf, taste, totals)
        parts.append(_Part("also_visited", totals, taste, cf_similarity))
    if trips:
        totals = {}
        _spread(prepared.neighbours["similar"], trips, totals)
        parts.append(_Part("similar", totals, trips, prepared.similarity["similar"]))
    return [part for part in parts if part.totals]


def _blend(
    prepared: _Prepared, trips: Totals, taste: Totals, searches: Totals, market: str
) -> tuple[Totals, list[_Part]]:
    """The blended scores in one pass over the sources' merged neighbour lists: each
    strategy divided by its sources' total weight (so a long history does not drown the
    others), weighted by BLEND, plus the market's popularity (best = BLEND weight)."""
    parts: list[_Part] = []
    for name, sources in (
        ("recent_searches", searches),
        ("also_visited", taste),
        ("similar", trips),
    ):
        if sources:
            weight = sum(sources.values())
            part = _Part(
                name,
                _EMPTY,
                sources,
                prepared.similarity["similar" if name == "similar" else "also_visited"],
            )
            part.scale = BLEND[name] / weight if weight > 0 else 0.0
            if name == "recent_searches":
                part.sources = {src: _SPILL * w for src, w in sources.items()}
            parts.append(part)
    s_search = BLEND["recent_searches"] / sum(searches.values()) if searches else 0.0
    s_taste = BLEND["also_visited"] / sum(taste.values()) if taste else 0.0
    s_trip = BLEND["similar"] / sum(trips.values()) if trips else 0.0
    combined = dict(prepared.blend_popularity[market])
    get = combined.get
    merged = prepared.merged
    for src in {**searches, **taste, **trips}:
        cf = s_search * _SPILL * searches.get(src, 0.0) + s_taste * taste.get(src, 0.0)
        content = s_trip * trips.get(src, 0.0)
        for code, cf_similarity, content_similarity in merged.get(src, ()):
            combined[code] = get(code, 0.0) + cf * cf_similarity + content * content_similarity
    for src, weight in searches.items():
        combined[src] = get(src, 0.0) + s_search * weight
    return combined, parts


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
    prepared = _prepared(model, catalogue)
    banned = set(exclude)
    market = prepared.market(market)
    chosen: list[Recommendation] = []
    clusters: set[str] = set()
    if strategy == "popularity":
        for item in history:
            if item.kind == "booking" and now - item.ts < BOOKED_WINDOW:
                banned.add(item.destination)
    else:
        trips, taste, searches = _sources(history, now, banned, strategy)
        if strategy == "blend":
            if trips or taste or searches:
                combined, parts = _blend(prepared, trips, taste, searches, market)
                _pick(combined, prepared, banned, k, closeness, chosen, clusters,
                      lambda code: _attribute(parts, prepared, market, code))  # fmt: skip
        else:
            for part in _parts(prepared, trips, taste, searches):
                _pick(part.totals, prepared, banned, k, closeness, chosen, clusters,
                      part.attribute)  # fmt: skip
    for tier in (market, ""):  # the cold start, then every market's favourites
        if len(chosen) >= k:
            break
        _pick_popular(prepared.ordered[tier], prepared, banned, k, closeness, chosen, clusters)
    return chosen


def _attribute(
    parts: Sequence[_Part], prepared: _Prepared, market: str, code: str
) -> tuple[str, str | None]:
    """The strategy contributing most to a blended destination (the first of equals, in
    the order recent_searches, also_visited, similar, popularity), and its because."""
    best = prepared.blend_popularity[market].get(code, 0.0)
    found: _Part | None = None
    for part in parts:
        value = part.value(code)
        if value > best or (found is None and value == best and value > 0):
            best, found = value, part
    if found is None:
        return "popularity", None
    return found.name, found.because(code)


def _pick(
    scores: Totals,
    prepared: _Prepared,
    banned: set[str],
    k: int,
    closeness: float,
    chosen: list[Recommendation],
    clusters: set[str],
    attribute: Callable[[str], tuple[str, str | None]],
) -> None:
    """Adds the best of `scores` to chosen, best first, one per cluster when close."""
    cluster = prepared.cluster
    taken = {r.destination for r in chosen}
    candidates = sorted(
        [(-value, code) for code, value in scores.items()
         if code in cluster and code not in banned and code not in taken]
    )  # fmt: skip
    while candidates and len(chosen) < k:
        neg, code = candidates.pop(_diverse(candidates, cluster, clusters, closeness))
        name, because = attribute(code)
        chosen.append(Recommendation(code, name, because, -neg))
        clusters.add(cluster[code])


def _pick_popular(
    ordered: list[tuple[float, str]],
    prepared: _Prepared,
    banned: set[str],
    k: int,
    closeness: float,
    chosen: list[Recommendation],
    clusters: set[str],
) -> None:
    taken = {r.destination for r in chosen}
    candidates = [pair for pair in ordered if pair[1] not in banned and pair[1] not in taken]
    cluster = prepared.cluster
    while candidates and len(chosen) < k:
        neg, code = candidates.pop(_diverse(candidates, cluster, clusters, closeness))
        chosen.append(Recommendation(code, "popularity", None, -neg))
        clusters.add(cluster[code])


def _diverse(
    candidates: list[tuple[float, str]],
    cluster: Mapping[str, str],
    clusters: set[str],
    closeness: float,
) -> int:
    """The position to take next: the best, unless its cluster is already shown and a
    candidate of a new cluster scores within `closeness` of it."""
    if cluster[candidates[0][1]] not in clusters:
        return 0
    floor = candidates[0][0] * (1.0 - closeness)  # scores are negated: floor is -min
    for position, (neg, code) in enumerate(candidates):
        if neg > floor:
            break
        if cluster[code] not in clusters:
            return position
    return 0
