"""Bayesian Beta-Binomial view of conversion-type metrics: chance to beat the control,
chance to be best, and expected loss, with a uniform Beta(1, 1) prior.

Chance to beat control is exact: Evan Miller's closed form summed in log space over the
smallest of the four Beta parameters (the formula is symmetric in them), so a small arm
against a huge one costs a few terms. Only when every parameter exceeds ``EXACT_LIMIT``
(both arms have many successes and many failures) does Gauss-Legendre quadrature over the
narrower posterior replace the sum; it agrees with the closed form to 1e-8.
With two arms, chance to be best is that same exact number; with more, chance to be best
and expected loss use Monte Carlo with a fixed seed, so the same counts always give the
same numbers on every replica.

An arm with fewer than ``MIN_RECIPIENTS`` recipients gets no verdict: its posterior is
still mostly the prior, and a 97 % "chance to beat" for an arm nobody received misleads.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.special import betainc, betaincc, betaln, logsumexp

from atn_content.experiments.stats import _checks

__all__ = [
    "EXACT_LIMIT",
    "MIN_RECIPIENTS",
    "BayesArm",
    "bayes_summary",
    "beta_posteriors",
    "chance_to_beat",
]

PRIOR = (1.0, 1.0)
"""Uniform Beta prior on every arm's rate."""

#: An arm needs this many recipients for a Bayesian verdict (below it the Beta(1, 1)
#: prior still weighs 2 % or more of the posterior and one click moves the rate a point).
MIN_RECIPIENTS = 100

#: Largest smallest-parameter for which the closed form's sum (one term per unit) is used.
EXACT_LIMIT = 20_000

_NODES, _WEIGHTS = np.polynomial.legendre.leggauss(64)
#: Half-width, in standard deviations, of the range the quadrature covers.
_SPAN = 12.0


def beta_posteriors(counts: Sequence[tuple[int, int]]) -> list[tuple[float, float]]:
    """Beta(alpha, beta) posterior per arm from (n, successes)."""
    checked = [_checks.counts(f"counts[{i}]", *c) for i, c in enumerate(counts)]
    return [(PRIOR[0] + s, PRIOR[1] + n - s) for n, s in checked]


def _beta_parameters(name: str, posterior: tuple[float, float]) -> tuple[float, float]:
    a, b = (_checks.finite(name, x) for x in posterior)
    if a < 1 or b < 1 or a != round(a) or b != round(b):
        raise ValueError(
            f"{name}: Beta parameters must be whole numbers >= 1 (posteriors of counts "
            f"under the uniform prior), got ({a!r}, {b!r})"
        )
    return a, b


def chance_to_beat(control: tuple[float, float], variant: tuple[float, float]) -> float:
    """P(variant rate > control rate) for Beta(alpha, beta) posteriors with whole-number
    parameters (true of every posterior of counts under the uniform prior)."""
    a_a, b_a = _beta_parameters("control", control)
    a_b, b_b = _beta_parameters("variant", variant)
    smallest = min(a_a, b_a, a_b, b_b)
    if smallest > EXACT_LIMIT:
        return _quadrature(a_a, b_a, a_b, b_b)
    # P(X_b > X_a) = P(1 - X_b < 1 - X_a), and 1 - X ~ Beta(beta, alpha): each of the four
    # parameters can be the one the sum runs over.
    if smallest == a_b:
        value = _closed_form(a_a, b_a, a_b, b_b)
    elif smallest == a_a:
        value = 1 - _closed_form(a_b, b_b, a_a, b_a)
    elif smallest == b_a:
        value = _closed_form(b_b, a_b, b_a, a_a)
    else:
        value = 1 - _closed_form(b_a, a_a, b_b, a_b)
    return float(min(1.0, max(0.0, value)))


def _closed_form(a_a: float, b_a: float, a_b: float, b_b: float) -> float:
    """Evan Miller's sum: P(X_b > X_a), one term per unit of ``a_b``."""
    i = np.arange(round(a_b), dtype=np.float64)
    terms = betaln(a_a + i, b_a + b_b) - np.log(b_b + i) - betaln(1 + i, b_b) - betaln(a_a, b_a)
    return float(np.exp(logsumexp(terms)))


def _quadrature(a_a: float, b_a: float, a_b: float, b_b: float) -> float:
    """P(X_b > X_a) integrated over the narrower posterior, where the other's CDF is smooth."""

    def spread(a: float, b: float) -> tuple[float, float]:
        mean = a / (a + b)
        return mean, float(np.sqrt(mean * (1 - mean) / (a + b + 1)))

    (m_a, sd_a), (m_b, sd_b) = spread(a_a, b_a), spread(a_b, b_b)
    narrow_is_control = sd_a <= sd_b
    mean, sd = (m_a, sd_a) if narrow_is_control else (m_b, sd_b)
    low, high = max(0.0, mean - _SPAN * sd), min(1.0, mean + _SPAN * sd)
    x = (high - low) / 2 * _NODES + (high + low) / 2
    if narrow_is_control:
        log_density = (a_a - 1) * np.log(x) + (b_a - 1) * np.log1p(-x) - betaln(a_a, b_a)
        other = betaincc(a_b, b_b, x)  # P(X_b > x)
    else:
        log_density = (a_b - 1) * np.log(x) + (b_b - 1) * np.log1p(-x) - betaln(a_b, b_b)
        other = betainc(a_a, b_a, x)  # P(X_a < x)
    value = (high - low) / 2 * float(np.sum(_WEIGHTS * np.exp(log_density) * other))
    return float(min(1.0, max(0.0, value)))


@dataclass(frozen=True)
class BayesArm:
    name: str
    chance_to_beat_control: float | None
    """None for the control itself, and when this arm or the control is too small."""
    chance_to_be_best: float | None
    """None when this arm is too small, or fewer than two arms are large enough."""
    expected_loss: float | None
    """Expected shortfall in rate if this arm is chosen and another is truly best."""
    note: str = ""
    """Why a verdict is missing, in words for the report; "" when every verdict is there."""


def bayes_summary(
    names: Sequence[str],
    counts: Sequence[tuple[int, int]],
    draws: int = 100_000,
    seed: int = 0,
    min_recipients: int = MIN_RECIPIENTS,
) -> list[BayesArm]:
    """Per-arm Bayesian results; the first arm is the control. Arms with fewer than
    ``min_recipients`` recipients are left out, each with a note saying why."""
    if len(names) != len(counts):
        raise ValueError(f"counts: {len(counts)} arms of counts for {len(names)} names")
    posts = beta_posteriors(counts)
    _checks.positive("draws", _checks.count("draws", draws))
    _checks.count("min_recipients", min_recipients)
    sizes = [int(n) for n, _ in counts]
    eligible = [i for i, n in enumerate(sizes) if n >= min_recipients]
    best: dict[int, float] = {}
    loss: dict[int, float] = {}
    if len(eligible) == 2:
        first, second = eligible
        p = chance_to_beat(posts[first], posts[second])
        best = {first: 1 - p, second: p}
    if len(eligible) >= 2:
        rng = np.random.default_rng(seed)
        samples = np.stack([rng.beta(*posts[i], size=draws) for i in eligible])
        top = samples.max(axis=0)
        shortfall = (top[None, :] - samples).mean(axis=1)
        loss = {i: float(x) for i, x in zip(eligible, shortfall, strict=True)}
        if len(eligible) > 2:
            share = np.bincount(samples.argmax(axis=0), minlength=len(eligible)) / draws
            best = {i: float(x) for i, x in zip(eligible, share, strict=True)}
    control_ok = 0 in eligible
    arms = []
    for index, (name, post) in enumerate(zip(names, posts, strict=True)):
        beats = None
        if index > 0 and control_ok and index in eligible:
            beats = best[index] if len(eligible) == 2 else chance_to_beat(posts[0], post)
        arms.append(
            BayesArm(
                name,
                beats,
                best.get(index),
                loss.get(index),
                _note(index, names, sizes, eligible, min_recipients),
            )
        )
    return arms


def _note(
    index: int, names: Sequence[str], sizes: Sequence[int], eligible: Sequence[int], least: int
) -> str:
    if index not in eligible:
        return (
            f"No Bayesian verdict for '{names[index]}': {sizes[index]:,} recipients, "
            f"at least {least:,} needed (with fewer the prior, not the data, decides)."
        )
    missing = []
    if index > 0 and 0 not in eligible:
        missing.append(
            f"no chance to beat control '{names[0]}', which has {sizes[0]:,} recipients "
            f"(at least {least:,} needed)"
        )
    if len(eligible) < 2:
        missing.append(f"no chance to be best: fewer than two arms have {least:,} recipients")
    if not missing:
        return ""
    text = "; ".join(missing)
    return f"{text[0].upper()}{text[1:]}."
