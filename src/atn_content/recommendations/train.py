"""Training: interactions -> a RecsModel (each strategy's neighbours, popularity per
market, each recipient's recent history). Pure computation; the CLI reads the file and
stores the result."""

from __future__ import annotations

import time
from collections.abc import Sequence

import numpy as np

from atn_content.content.i18n import LOCALES
from atn_content.recommendations.catalogue import Catalogue
from atn_content.recommendations.collaborative import (
    KIND_WEIGHTS,
    SHRINK,
    interaction_matrix,
    item_similarity,
)
from atn_content.recommendations.interactions import Interaction
from atn_content.recommendations.model import HISTORY_LIMIT, HistoryItem, RecsModel
from atn_content.recommendations.popularity import popularity_by_market
from atn_content.recommendations.similarity import content_similarity, top_neighbours

__all__ = ["TOP_N", "train"]

#: Neighbours kept per destination and strategy: enough to fill 3 slots after the rules
#: (recently booked, the email's own destination, one per cluster) remove some.
TOP_N = 10
#: Bookings older than the last HISTORY_LIMIT interactions still kept (within a year).
BOOKINGS_KEPT = 10
YEAR = 365 * 86400.0


def train(
    interactions: Sequence[Interaction],
    catalogue: Catalogue,
    *,
    trained_at: float | None = None,
    top_n: int = TOP_N,
) -> RecsModel:
    """A model (version 0 until stored) from interactions on catalogue destinations.

    A recipient's market is the last one their rows name (rows without one leave it
    unknown: such a recipient's cold start is every market's popularity).
    """
    codes = catalogue.codes
    item_of = {code: i for i, code in enumerate(codes)}
    recipient_of: dict[str, int] = {}
    n = len(interactions)
    recipients = np.empty(n, dtype=np.int64)
    items = np.empty(n, dtype=np.int64)
    weights = np.empty(n, dtype=np.float64)
    kind_weight = KIND_WEIGHTS
    for row, i in enumerate(interactions):
        recipients[row] = recipient_of.setdefault(i.recipient_id, len(recipient_of))
        items[row] = item_of[i.destination]
        weights[row] = kind_weight[i.kind]
    markets_of = _markets(interactions)
    market_index = {m: k for k, m in enumerate(LOCALES)}
    row_markets = np.array(
        [market_index.get(markets_of.get(i.recipient_id, ""), -1) for i in interactions],
        dtype=np.int64,
    )
    matrix = interaction_matrix(recipients, items, weights, len(recipient_of), len(codes))
    neighbours = {
        "similar": top_neighbours(content_similarity(catalogue), codes, top_n),
        "also_visited": top_neighbours(item_similarity(matrix), codes, top_n),
    }
    return RecsModel(
        version=0,
        trained_at=time.time() if trained_at is None else trained_at,
        catalogue=codes,
        neighbours=neighbours,
        popularity=popularity_by_market(items, weights, row_markets, LOCALES, codes),
        history=_histories(interactions),
        markets=markets_of,
        interactions=n,
        params={"top_n": float(top_n), "shrink": SHRINK, "history_limit": float(HISTORY_LIMIT)},
    )


def _markets(interactions: Sequence[Interaction]) -> dict[str, str]:
    latest: dict[str, tuple[float, str]] = {}
    for i in interactions:
        if i.market:
            seen = latest.get(i.recipient_id)
            if seen is None or i.ts >= seen[0]:
                latest[i.recipient_id] = (i.ts, i.market)
    return {rid: market for rid, (_, market) in latest.items()}


def _histories(interactions: Sequence[Interaction]) -> dict[str, tuple[HistoryItem, ...]]:
    """Each recipient's last HISTORY_LIMIT interactions, newest first (ties: file order),
    and older bookings of the 12 months before their newest interaction (at most
    BOOKINGS_KEPT): ranking never suggests a trip booked within a year."""
    grouped: dict[str, list[Interaction]] = {}
    for i in interactions:
        grouped.setdefault(i.recipient_id, []).append(i)
    out: dict[str, tuple[HistoryItem, ...]] = {}
    for rid, rows in grouped.items():
        ordered = sorted(rows, key=lambda i: i.ts, reverse=True)
        kept = ordered[:HISTORY_LIMIT]
        if len(ordered) > HISTORY_LIMIT:
            since = ordered[0].ts - YEAR
            older = ordered[HISTORY_LIMIT:]
            kept += [i for i in older if i.kind == "booking" and i.ts > since][:BOOKINGS_KEPT]
        out[rid] = tuple(HistoryItem(i.destination, i.kind, i.ts) for i in kept)
    return out
