"""Bayesian Beta-Binomial view of conversion-type metrics: chance to beat the control,
chance to be best, and expected loss, with a uniform Beta(1, 1) prior.

Chance to beat control is exact (Evan Miller's closed form, summed in log space); chance
to be best and expected loss use Monte Carlo with a fixed seed, so the same counts always
give the same numbers on every replica.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.special import betaln, logsumexp, ndtr

__all__ = ["BayesArm", "bayes_summary", "beta_posteriors", "chance_to_beat"]

PRIOR = (1.0, 1.0)
"""Uniform Beta prior on every arm's rate."""


def beta_posteriors(counts: Sequence[tuple[int, int]]) -> list[tuple[float, float]]:
    """Beta(alpha, beta) posterior per arm from (n, successes)."""
    return [(PRIOR[0] + s, PRIOR[1] + n - s) for n, s in counts]


#: Above this many successes the closed form's sum (one term per success) is replaced by
#: the normal approximation, whose error is then far below what the report shows.
EXACT_LIMIT = 20_000


def chance_to_beat(control: tuple[float, float], variant: tuple[float, float]) -> float:
    """P(variant rate > control rate) for Beta posteriors; the variant's alpha must be an
    integer (true with the uniform prior), the sum has that many terms."""
    a_a, b_a = control
    a_b, b_b = variant
    if a_b > EXACT_LIMIT:
        return _normal_chance_to_beat(control, variant)
    if a_b != round(a_b):
        raise ValueError(f"the closed form needs an integer alpha for the variant, got {a_b}")
    i = np.arange(round(a_b), dtype=np.float64)
    terms = betaln(a_a + i, b_a + b_b) - np.log(b_b + i) - betaln(1 + i, b_b) - betaln(a_a, b_a)
    return float(min(1.0, max(0.0, np.exp(logsumexp(terms)))))


def _normal_chance_to_beat(control: tuple[float, float], variant: tuple[float, float]) -> float:
    def moments(a: float, b: float) -> tuple[float, float]:
        mean = a / (a + b)
        return mean, mean * (1 - mean) / (a + b + 1)

    (mean_a, var_a), (mean_b, var_b) = moments(*control), moments(*variant)
    spread = float(np.sqrt(var_a + var_b))
    if spread == 0.0:
        return 0.5
    return float(ndtr((mean_b - mean_a) / spread))


@dataclass(frozen=True)
class BayesArm:
    name: str
    chance_to_beat_control: float | None
    """None for the control itself."""
    chance_to_be_best: float
    expected_loss: float
    """Expected shortfall in rate if this arm is chosen and another is truly best."""


def bayes_summary(
    names: Sequence[str],
    counts: Sequence[tuple[int, int]],
    draws: int = 100_000,
    seed: int = 0,
) -> list[BayesArm]:
    """Per-arm Bayesian results; the first arm is the control."""
    posts = beta_posteriors(counts)
    rng = np.random.default_rng(seed)
    samples = np.stack([rng.beta(a, b, size=draws) for a, b in posts])
    best = samples.max(axis=0)
    winner_share = np.bincount(samples.argmax(axis=0), minlength=len(posts)) / draws
    loss = (best[None, :] - samples).mean(axis=1)
    return [
        BayesArm(
            name,
            None if index == 0 else chance_to_beat(posts[0], post),
            float(winner_share[index]),
            float(loss[index]),
        )
        for index, (name, post) in enumerate(zip(names, posts, strict=True))
    ]
