"""Frequentist statistics for experiment arms: rates with Wilson intervals, two-proportion
z-test, Welch t-test for revenue per recipient, Holm correction, sample-ratio mismatch.

All inputs are counts (recipients, successes, sums), so results come straight from the
counters the store keeps up to date; nothing is recounted from raw events.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from scipy import stats as sps

__all__ = [
    "SRM_THRESHOLD",
    "Comparison",
    "RateSummary",
    "SampleRatioCheck",
    "holm",
    "sample_ratio_check",
    "summarise_rate",
    "two_proportion_test",
    "welch_test",
    "wilson_interval",
]

SRM_THRESHOLD = 0.001
"""Sample-ratio-mismatch p-value below which automatic decisions are blocked."""


def _z(confidence: float) -> float:
    return float(sps.norm.ppf(0.5 + confidence / 2))


def wilson_interval(successes: int, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson score interval for a proportion: sensible at 0 and at small n."""
    if n <= 0:
        return (0.0, 1.0)
    z = _z(confidence)
    p = successes / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return (max(0.0, centre - half), min(1.0, centre + half))


@dataclass(frozen=True)
class RateSummary:
    name: str
    n: int
    successes: int
    rate: float
    low: float
    high: float


def summarise_rate(name: str, n: int, successes: int, confidence: float = 0.95) -> RateSummary:
    low, high = wilson_interval(successes, n, confidence)
    return RateSummary(name, n, successes, successes / n if n else 0.0, low, high)


@dataclass(frozen=True)
class Comparison:
    """A variant against the control: absolute difference with its confidence interval,
    relative lift, statistic and (optionally Holm-adjusted) p-value."""

    variant: str
    difference: float
    low: float
    high: float
    relative_lift: float
    statistic: float
    p_value: float
    p_adjusted: float


def two_proportion_test(
    control: tuple[int, int],
    variant: tuple[int, int],
    name: str = "variant",
    confidence: float = 0.95,
) -> Comparison:
    """Two-sided z-test (pooled variance) on (n, successes) pairs; unpooled interval."""
    (n_a, s_a), (n_b, s_b) = control, variant
    if min(n_a, n_b) == 0:
        return _no_evidence(name)
    p_a, p_b = s_a / n_a, s_b / n_b
    pooled = (s_a + s_b) / (n_a + n_b)
    se0 = math.sqrt(pooled * (1 - pooled) * (1 / n_a + 1 / n_b))
    z = (p_b - p_a) / se0 if se0 > 0 else 0.0
    p_value = float(2 * sps.norm.sf(abs(z)))
    se = math.sqrt(p_a * (1 - p_a) / n_a + p_b * (1 - p_b) / n_b)
    half = _z(confidence) * se
    lift = (p_b - p_a) / p_a if p_a > 0 else math.inf if p_b > 0 else 0.0
    diff = p_b - p_a
    return Comparison(name, diff, diff - half, diff + half, lift, z, p_value, p_value)


def welch_test(
    control: tuple[int, float, float],
    variant: tuple[int, float, float],
    name: str = "variant",
    confidence: float = 0.95,
) -> Comparison:
    """Welch t-test on per-recipient means given (n, sum, sum of squares) per arm."""

    def moments(n: int, total: float, squares: float) -> tuple[float, float]:
        mean = total / n
        return mean, max(0.0, (squares - n * mean * mean) / (n - 1))

    n_a, n_b = control[0], variant[0]
    if min(n_a, n_b) < 2:
        return _no_evidence(name)
    m_a, v_a = moments(*control)
    m_b, v_b = moments(*variant)
    q_a, q_b = v_a / n_a, v_b / n_b
    se = math.sqrt(q_a + q_b)
    diff = m_b - m_a
    if se == 0:
        return Comparison(name, diff, diff, diff, _lift(m_a, m_b), 0.0, 1.0, 1.0)
    df = (q_a + q_b) ** 2 / (q_a**2 / (n_a - 1) + q_b**2 / (n_b - 1))
    t = diff / se
    p_value = float(2 * sps.t.sf(abs(t), df))
    half = float(sps.t.ppf(0.5 + confidence / 2, df)) * se
    return Comparison(name, diff, diff - half, diff + half, _lift(m_a, m_b), t, p_value, p_value)


def _no_evidence(name: str) -> Comparison:
    """Result for arms too small to compare (no recipients yet)."""
    return Comparison(name, 0.0, -math.inf, math.inf, 0.0, 0.0, 1.0, 1.0)


def _lift(base: float, other: float) -> float:
    if base != 0:
        return (other - base) / abs(base)
    return math.inf if other > 0 else 0.0


def holm(p_values: Sequence[float]) -> list[float]:
    """Holm-Bonferroni adjusted p-values (step-down, monotone, capped at 1)."""
    order = sorted(range(len(p_values)), key=lambda i: p_values[i])
    adjusted = [0.0] * len(p_values)
    running = 0.0
    m = len(p_values)
    for rank, index in enumerate(order):
        running = max(running, min(1.0, (m - rank) * p_values[index]))
        adjusted[index] = running
    return adjusted


@dataclass(frozen=True)
class SampleRatioCheck:
    chi_square: float
    p_value: float
    blocked: bool
    message: str


def sample_ratio_check(
    names: Sequence[str],
    observed: Sequence[int],
    expected_weights: Sequence[float],
    threshold: float = SRM_THRESHOLD,
) -> SampleRatioCheck:
    """Chi-square goodness of fit of arm sizes to the planned weights.

    A mismatch means recipients were lost or mis-routed unevenly (a broken send, a filter
    applied to one arm), so any comparison between arms is suspect.
    """
    total = sum(observed)
    weight_sum = sum(expected_weights)
    expected = [total * w / weight_sum for w in expected_weights]
    if total == 0:
        return SampleRatioCheck(0.0, 1.0, False, "No recipients yet: nothing to check.")
    chi2, p = sps.chisquare(observed, expected)
    chi2, p = float(chi2), float(p)
    if p >= threshold:
        msg = f"Arm sizes match the planned split (chi-square p = {p:.3g})."
        return SampleRatioCheck(chi2, p, False, msg)
    worst = max(range(len(names)), key=lambda i: abs(observed[i] - expected[i]) / expected[i])
    shares = ", ".join(
        f"{n} {o:,} ({o / total:.1%} vs {e / total:.1%} planned)"
        for n, o, e in zip(names, observed, expected, strict=True)
    )
    msg = (
        f"Automatic decision blocked: the arms' sizes do not match the planned split "
        f"(chi-square p = {p:.2g} < {threshold:g}); {shares}. Arm '{names[worst]}' is the "
        f"furthest off. Check the sending and tracking of that arm before trusting any result."
    )
    return SampleRatioCheck(chi2, p, True, msg)
