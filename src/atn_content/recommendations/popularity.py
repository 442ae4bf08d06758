"""The popularity baseline, per market: what recipients of one email language book,
search and click most. The cold start for recipients without history, and the baseline
every strategy is measured against. Pure maths, no I/O."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

__all__ = ["popularity_by_market"]


def popularity_by_market(
    items: npt.NDArray[np.int64],
    weights: npt.NDArray[np.float64],
    markets: npt.NDArray[np.int64],
    market_names: tuple[str, ...],
    codes: tuple[str, ...],
) -> dict[str, list[tuple[str, float]]]:
    """market -> every destination seen, best first (share of the market's weight); ""
    is every market together. Ties broken by code."""
    out: dict[str, list[tuple[str, float]]] = {}
    for index, name in enumerate(("", *market_names)):
        mask = np.ones(len(items), dtype=bool) if index == 0 else markets == index - 1
        totals = np.bincount(items[mask], weights=weights[mask], minlength=len(codes))
        total = float(totals.sum())
        if total <= 0:
            continue
        ranked = [(codes[i], round(float(totals[i]) / total, 6)) for i in np.flatnonzero(totals)]
        ranked.sort(key=lambda pair: (-pair[1], pair[0]))
        out[name] = ranked
    return out
