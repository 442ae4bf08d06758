"""Synthetic interactions with a documented, planted structure, for tests, the evaluation
and the benchmark. SYNTHETIC: nothing here was learnt from customers.

What is planted (and so what a good model can find):
- markets (fr 40 %, en 35 %, ja 25 % of recipients) mix the personas differently
  (MARKET_PERSONAS) and favour some places (MARKET_TASTE: ja Bora Bora, Tahiti, Moorea;
  fr the Marquesas; en Bora Bora and Los Angeles); nobody travels to their own gateway;
- personas, one per recipient: honeymooners, divers, families, culture and hiking
  lovers, city hoppers, each drawn to the destinations whose catalogue activities match
  (PERSONA_ACTIVITIES), so content similarity and co-visitation both carry signal;
- a personal taste per recipient (Dirichlet noise around the persona's mix);
- seasonality: a trip is planned for a month three months ahead, twice as likely to a
  place whose best_months include it; market peaks (fr July-August, ja May, August,
  December; en December-March) make some months busier;
- a funnel per trip: 1-3 searches days apart, 0-2 clicks, a booking for 35 % of trips; an
  unbooked trip is searched again at the next trip with probability 0.4 (people come
  back to a place they did not book);
- noise: with probability 0.4 per trip, one click at a random time on a destination drawn
  from every market's and persona's mix (seed 14, 20,000 recipients: 253,270 rows).
- some recipients plan no trip in the period and have no rows (529 of 20,000 at seed 14).

What it cannot prove: that real recipients behave like this. A strategy winning here
shows the code finds structure that is there, not that the structure exists in Air
Tahiti Nui's data; the lift on real interaction files must be measured on them
(`atn-content recs evaluate FILE`).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import numpy.typing as npt

from atn_content.recommendations.catalogue import Catalogue
from atn_content.recommendations.interactions import Interaction

__all__ = [
    "MARKETS",
    "MARKET_PERSONAS",
    "MARKET_TASTE",
    "PERSONAS",
    "PERSONA_ACTIVITIES",
    "generate",
]

DAY = 86_400.0
#: Share of recipients per market.
MARKETS = {"fr": 0.40, "en": 0.35, "ja": 0.25}
PERSONAS = ("honeymoon", "diver", "family", "culture", "city")
#: Catalogue activities (or, for "city", the kind gateway-city) each persona goes for.
PERSONA_ACTIVITIES: dict[str, frozenset[str]] = {
    "honeymoon": frozenset({"honeymoon", "luxury", "lagoon"}),
    "diver": frozenset({"diving", "snorkelling"}),
    "family": frozenset({"family", "whales", "snorkelling"}),
    "culture": frozenset({"culture", "hiking", "art"}),
    "city": frozenset({"city", "shopping"}),
}
#: Persona mix per market (same order as PERSONAS).
MARKET_PERSONAS: dict[str, tuple[float, ...]] = {
    "fr": (0.20, 0.25, 0.15, 0.30, 0.10),
    "en": (0.35, 0.25, 0.20, 0.10, 0.10),
    "ja": (0.50, 0.15, 0.20, 0.05, 0.10),
}
#: Places a market likes more than its personas alone say (multipliers).
MARKET_TASTE: dict[str, dict[str, float]] = {
    "fr": {"nuku-hiva": 2.0, "hiva-oa": 2.0, "tahiti": 1.5, "los-angeles": 1.5},
    "en": {"bora-bora": 2.0, "los-angeles": 0.0, "seattle": 0.0, "moorea": 1.5},
    "ja": {"bora-bora": 2.5, "tahiti": 2.0, "moorea": 2.0, "tokyo": 0.0},
}
_HOME = {"fr": "paris"}
#: Months a market travels more (multipliers of the trip rate).
_PEAKS: dict[str, dict[int, float]] = {
    "fr": {7: 2.0, 8: 2.0},
    "ja": {5: 2.0, 8: 1.5, 12: 1.5},
    "en": {12: 1.5, 1: 1.5, 2: 1.5, 3: 1.5},
}
_BOOK = 0.35
_COME_BACK = 0.4
_NOISE = 0.4
#: Mean trips planned per recipient per year.
_TRIPS_PER_YEAR = 2.5


def _affinities(catalogue: Catalogue) -> npt.NDArray[np.float64]:
    """market x persona x destination: how likely a trip goes there (rows sum to 1)."""
    codes = catalogue.codes
    out = np.zeros((len(MARKETS), len(PERSONAS), len(codes)))
    for m, market in enumerate(MARKETS):
        for p, persona in enumerate(PERSONAS):
            wanted = PERSONA_ACTIVITIES[persona]
            for d, destination in enumerate(catalogue):
                if persona == "city":
                    match = 3.0 if destination.kind == "gateway-city" else 0.1
                else:
                    match = 0.05 + len(wanted & destination.activities)
                    if destination.kind == "gateway-city":
                        match *= 0.1
                taste = MARKET_TASTE[market].get(destination.code, 1.0)
                if _HOME.get(market) == destination.code:
                    taste = 0.0
                out[m, p, d] = match * taste
            out[m, p] /= out[m, p].sum()
    return out


def _seasons(catalogue: Catalogue) -> npt.NDArray[np.float64]:
    """month (0-11) x destination: 2 in a best month, 1 otherwise."""
    out = np.ones((12, len(catalogue)))
    for d, destination in enumerate(catalogue):
        for month in destination.best_months:
            out[month - 1, d] = 2.0
    return out


def generate(
    n_recipients: int,
    seed: int,
    start: dt.datetime,
    end: dt.datetime,
    catalogue: Catalogue | None = None,
) -> list[Interaction]:
    """Interactions of n_recipients between start and end (aware datetimes), sorted by
    time; the same arguments give the same list."""
    catalogue = catalogue or Catalogue.default()
    if start.tzinfo is None or end.tzinfo is None or end <= start:
        raise ValueError("start and end must be aware datetimes, start before end")
    rng = np.random.default_rng(seed)
    codes = catalogue.codes
    affinities = _affinities(catalogue)
    seasons = _seasons(catalogue)
    t0, t1 = start.timestamp(), end.timestamp()
    years = (t1 - t0) / (365 * DAY)
    markets = list(MARKETS)
    market_of = rng.choice(len(markets), size=n_recipients, p=list(MARKETS.values()))
    overall = affinities.mean(axis=(0, 1))
    overall_cdf = np.cumsum(overall / overall.sum())
    width = len(str(max(n_recipients - 1, 0)))
    rows: list[Interaction] = []
    for r in range(n_recipients):
        m = int(market_of[r])
        market = markets[m]
        persona = rng.choice(len(PERSONAS), p=MARKET_PERSONAS[market])
        base = affinities[m, persona]
        personal = base * rng.dirichlet(np.full(len(codes), 2.0))
        personal /= personal.sum()
        rid = f"syn-{market}-{r:0{width}d}"
        n_trips = rng.poisson(_TRIPS_PER_YEAR * years) + 1
        moments = np.sort(rng.uniform(t0, t1, size=n_trips))
        unbooked: int | None = None
        for moment in moments:
            month = (dt.datetime.fromtimestamp(moment, dt.UTC).month + 2) % 12  # 3 months ahead
            if rng.random() > _PEAKS[market].get(month + 1, 1.0) / 2.0:
                continue  # off-peak months plan half as many trips as peak ones
            if unbooked is not None and rng.random() < _COME_BACK:
                place = unbooked
            else:
                weights = personal * seasons[month]
                place = int(np.searchsorted(np.cumsum(weights / weights.sum()), rng.random()))
                place = min(place, len(codes) - 1)
            ts = float(moment)
            for _ in range(int(rng.integers(1, 4))):
                rows.append(Interaction(rid, codes[place], "search", ts, market))
                ts += float(rng.exponential(2.0)) * DAY
            for _ in range(int(rng.integers(0, 3))):
                rows.append(Interaction(rid, codes[place], "click", ts, market))
                ts += float(rng.exponential(1.0)) * DAY
            if rng.random() < _BOOK:
                rows.append(Interaction(rid, codes[place], "booking", ts, market))
                unbooked = None
            else:
                unbooked = place
            if rng.random() < _NOISE:
                noise = int(np.searchsorted(overall_cdf, rng.random()))
                noise_ts = float(rng.uniform(t0, t1))
                rows.append(
                    Interaction(rid, codes[min(noise, len(codes) - 1)], "click", noise_ts, market)
                )
    rows = [i for i in rows if i.ts < t1]
    rows.sort(key=lambda i: (i.ts, i.recipient_id))
    return rows
