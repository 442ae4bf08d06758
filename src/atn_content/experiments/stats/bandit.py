"""Thompson-sampling weights for recurring campaigns (multi-armed bandit mode).

Each arm's weight is its posterior probability of being the best arm (Beta-Binomial,
uniform prior), estimated by Monte Carlo with a recorded seed, then floored at a minimum
weight so no arm starves and the estimate of every arm keeps improving. The result carries
every input, so any past allocation can be recomputed and explained.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from atn_content.experiments.stats import _checks
from atn_content.experiments.stats.bayes import PRIOR

__all__ = ["BanditWeights", "apply_floor", "thompson_weights"]

MIN_WEIGHT = 0.01
"""Smallest share any arm receives (1 %)."""


@dataclass(frozen=True)
class BanditWeights:
    names: tuple[str, ...]
    weights: tuple[float, ...]
    """Allocation weights, summing to 1, each >= ``min_weight``."""
    chance_to_be_best: tuple[float, ...]
    """Raw Thompson probabilities before the floor."""
    counts: tuple[tuple[int, int], ...]
    """(recipients, successes) per arm: the data the weights came from."""
    prior: tuple[float, float]
    seed: int
    draws: int
    min_weight: float


def apply_floor(weights: Sequence[float], min_weight: float) -> list[float]:
    """Raise weights below ``min_weight`` to it and scale the others down to sum to 1.

    Scaling can push another arm below the floor, so repeat until none is (at most one
    pass per arm).
    """
    if min_weight * len(weights) > 1:
        raise ValueError(f"{len(weights)} arms cannot each get {min_weight:.0%}")
    total = float(sum(weights))
    result = [w / total for w in weights]
    floored: set[int] = set()
    while True:
        newly = {i for i, w in enumerate(result) if w < min_weight and i not in floored}
        if not newly:
            return result
        floored |= newly
        free = 1 - min_weight * len(floored)
        rest = sum(w for i, w in enumerate(result) if i not in floored)
        result = [min_weight if i in floored else w * free / rest for i, w in enumerate(result)]


def thompson_weights(
    names: Sequence[str],
    counts: Sequence[tuple[int, int]],
    seed: int,
    draws: int = 20_000,
    min_weight: float = MIN_WEIGHT,
) -> BanditWeights:
    """Allocation weights from (recipients, successes) per arm; same inputs, same output."""
    if len(names) != len(counts):
        raise ValueError(f"counts: {len(counts)} arms of counts for {len(names)} names")
    counts = [_checks.counts(f"counts[{i}]", *c) for i, c in enumerate(counts)]
    _checks.positive("draws", _checks.count("draws", draws))
    if not 0 <= _checks.finite("min_weight", min_weight) * len(counts) <= 1:
        raise ValueError(f"min_weight: {len(counts)} arms cannot each get {min_weight!r}")
    rng = np.random.default_rng(seed)
    samples = np.stack([rng.beta(PRIOR[0] + s, PRIOR[1] + n - s, size=draws) for n, s in counts])
    best = np.bincount(samples.argmax(axis=0), minlength=len(counts)) / draws
    raw = tuple(float(x) for x in best)
    return BanditWeights(
        names=tuple(names),
        weights=tuple(apply_floor(raw, min_weight)),
        chance_to_be_best=raw,
        counts=tuple((int(n), int(s)) for n, s in counts),
        prior=PRIOR,
        seed=seed,
        draws=draws,
        min_weight=min_weight,
    )
