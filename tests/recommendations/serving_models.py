"""Models the serving tests render with: trained by train.py from interactions whose
structure the tests know (who booked what after what), not from fixtures of numbers."""

from __future__ import annotations

import datetime as dt

from atn_content.recommendations.catalogue import Catalogue
from atn_content.recommendations.interactions import Interaction
from atn_content.recommendations.model import RecsModel
from atn_content.recommendations.train import train

#: The render time of the serving tests (a July day: the dry season).
NOW = dt.datetime(2026, 7, 15, 12, tzinfo=dt.UTC)
DAY = 86_400.0


def trips_model(pairs: int = 40, *, second: str = "tahaa") -> RecsModel:
    """Travellers who went to Bora Bora went on to `second` (also_visited: bora-bora ->
    second); Moorea and Tahiti are the French market's favourites; "known" has a stored
    history: Bora Bora flown two years ago, Rangiroa searched two days ago."""
    t0 = NOW.timestamp() - 900 * DAY
    rows: list[Interaction] = []
    for i in range(pairs):
        rid = f"traveller-{i}"
        rows.append(Interaction(rid, "bora-bora", "booking", t0 + i * DAY, "en"))
        rows.append(Interaction(rid, second, "booking", t0 + (i + 60) * DAY, "en"))
    for i in range(pairs):
        rid = f"french-{i}"
        rows.append(Interaction(rid, "moorea", "booking", t0 + i * DAY, "fr"))
        rows.append(Interaction(rid, "tahiti", "booking", t0 + (i + 30) * DAY, "fr"))
    rows.append(Interaction("known", "bora-bora", "booking", NOW.timestamp() - 730 * DAY, "en"))
    rows.append(Interaction("known", "rangiroa", "search", NOW.timestamp() - 2 * DAY, "en"))
    rows.sort(key=lambda r: r.ts)
    return train(rows, Catalogue.default(), trained_at=NOW.timestamp() - DAY)
