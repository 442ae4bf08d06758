"""Frequentist statistics for experiment arms: rates with Wilson intervals, two-proportion
z-test, Welch t-test for revenue per recipient, Holm correction, sample-ratio mismatch.

All inputs are counts (recipients, successes, sums), so results come straight from the
counters the store keeps up to date; nothing is recounted from raw events.

The interval of a difference of rates is the score interval that inverts the same pooled
z-test (Mee 1984; Miettinen-Nurminen without their n / (n - 1) factor): it excludes 0
exactly when the test rejects, and it does not collapse at 0/n or n/n as Wald's does.
The relative lift gets its own delta-method interval, as GrowthBook's gbstats computes it
(Welch-Satterthwaite t, variance of each arm's rate p (1 - p)).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from scipy import optimize, special
from scipy import stats as sps

from atn_content.experiments.stats import _checks

__all__ = [
    "SRM_THRESHOLD",
    "Comparison",
    "RateSummary",
    "SampleRatioCheck",
    "difference_interval",
    "holm",
    "relative_lift_interval",
    "sample_moments",
    "sample_ratio_check",
    "summarise_rate",
    "two_proportion_test",
    "welch_test",
    "wilson_interval",
]

SRM_THRESHOLD = 0.001
"""Sample-ratio-mismatch p-value below which automatic decisions are blocked."""


def _z(confidence: float) -> float:
    # scipy.special's ufuncs: the same values as scipy.stats, without its ~50 us per call
    return float(special.ndtri(0.5 + _checks.open_unit("confidence", confidence) / 2))


def wilson_interval(successes: int, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson score interval for a proportion: sensible at 0 and at small n."""
    n = _checks.count("n", n)
    successes = _checks.count("successes", successes)
    if successes > n:
        raise ValueError(f"successes: {successes} is more than n = {n}")
    if n == 0:
        return (0.0, 1.0)
    z = _z(confidence)
    p = successes / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    low = 0.0 if successes == 0 else max(0.0, centre - half)
    high = 1.0 if successes == n else min(1.0, centre + half)
    return (low, high)


@dataclass(frozen=True)
class RateSummary:
    name: str
    n: int
    successes: int
    rate: float
    low: float
    high: float


def summarise_rate(name: str, n: int, successes: int, confidence: float = 0.95) -> RateSummary:
    """Rate of one arm with its Wilson interval."""
    low, high = wilson_interval(successes, n, confidence)
    return RateSummary(name, n, successes, successes / n if n else 0.0, low, high)


@dataclass(frozen=True)
class Comparison:
    """A variant against the control: absolute difference with its confidence interval,
    relative lift with its own interval, statistic and (optionally Holm-adjusted) p-value."""

    variant: str
    difference: float
    low: float
    high: float
    relative_lift: float
    statistic: float
    p_value: float
    p_adjusted: float
    lift_low: float | None = None
    """Delta-method interval of the relative lift; None without a baseline or variance."""
    lift_high: float | None = None


def two_proportion_test(
    control: tuple[int, int],
    variant: tuple[int, int],
    name: str = "variant",
    confidence: float = 0.95,
) -> Comparison:
    """Two-sided pooled z-test on (n, successes) pairs, with the score interval of the
    difference (consistent with the test) and the delta-method interval of the lift."""
    n_a, s_a = _checks.counts("control", *control)
    n_b, s_b = _checks.counts("variant", *variant)
    _checks.open_unit("confidence", confidence)
    if min(n_a, n_b) == 0:
        return _no_evidence(name)
    p_a, p_b = s_a / n_a, s_b / n_b
    pooled = (s_a + s_b) / (n_a + n_b)
    se0 = math.sqrt(pooled * (1 - pooled) * (1 / n_a + 1 / n_b))
    z = (p_b - p_a) / se0 if se0 > 0 else 0.0
    p_value = float(2 * special.ndtr(-abs(z)))
    low, high = difference_interval((n_a, s_a), (n_b, s_b), confidence)
    lift = (p_b - p_a) / p_a if p_a > 0 else math.inf if p_b > 0 else 0.0
    lifts = relative_lift_interval(
        (n_a, p_a, p_a * (1 - p_a)), (n_b, p_b, p_b * (1 - p_b)), confidence
    )
    return Comparison(name, p_b - p_a, low, high, lift, z, p_value, p_value, *lifts)


def difference_interval(
    control: tuple[int, int], variant: tuple[int, int], confidence: float = 0.95
) -> tuple[float, float]:
    """Score interval of p_variant - p_control: every difference the pooled score test
    does not reject (Mee 1984), so it excludes 0 exactly when the z-test rejects."""
    n_a, s_a = _checks.counts("control", *control)
    n_b, s_b = _checks.counts("variant", *variant)
    z_crit = _z(confidence)
    if min(n_a, n_b) == 0:
        return (-1.0, 1.0)
    observed = s_b / n_b - s_a / n_a

    def excess(delta: float) -> float:
        """|score statistic| at the hypothesis p_b - p_a = delta, minus the critical z."""
        q_a = _constrained_control_rate(n_a, s_a, n_b, s_b, delta)
        q_b = q_a + delta
        variance = q_b * (1 - q_b) / n_b + q_a * (1 - q_a) / n_a
        if variance <= 0:
            return math.inf if observed != delta else -z_crit
        return abs(observed - delta) / math.sqrt(variance) - z_crit

    # bracket each bound near the Wilson-sized guess first: a few evaluations, then a
    # root search over a narrow bracket instead of all of (-1, 1)
    guess = z_crit * math.sqrt((s_a + 1) / (n_a + 2) / n_a + (s_b + 1) / (n_b + 2) / n_b)

    def bound(sign: float) -> float:
        edge = sign * (1 - 1e-12)
        inner, step = observed, guess
        while True:
            outer = observed + sign * step
            if sign * (outer - edge) >= 0:
                if excess(edge) <= 0:
                    return sign
                outer = edge
            if excess(outer) > 0:
                low, high = sorted((inner, outer))
                return float(optimize.brentq(excess, low, high, xtol=1e-14))
            inner, step = outer, 2 * step

    return (bound(-1.0), bound(1.0))


def _constrained_control_rate(n_a: int, s_a: int, n_b: int, s_b: int, delta: float) -> float:
    """Maximum-likelihood control rate given p_b - p_a = delta: the closed-form root of
    Farrington and Manning's cubic (1990; as in Miettinen and Nurminen 1985). statsmodels
    0.15 has ``count0`` where ``nobs0`` belongs in the linear coefficient
    (statsmodels/statsmodels#10269), so its score interval is slightly off; this one
    solves the likelihood equation (checked against a numerical maximum in the oracle)."""
    total, successes = n_a + n_b, s_a + s_b
    if delta == 0:
        return successes / total
    b = (n_b + 2 * n_a) * delta - total - successes
    c = (n_a * delta - total - 2 * s_a) * delta + successes
    d = s_a * delta * (1 - delta)
    v = (b / (3 * total)) ** 3 - b * c / (6 * total**2) + d / (2 * total)
    u = math.copysign(math.sqrt(max(0.0, (b / (3 * total)) ** 2 - c / (3 * total))), v)
    cosine = 1.0 if u == 0 else max(-1.0, min(1.0, v / u**3))
    angle = (math.pi + math.acos(cosine)) / 3
    rate = 2 * u * math.cos(angle) - b / (3 * total)
    # both rates must stay in [0, 1]; at 0/n or n/n the maximum sits on that boundary
    return min(1.0 - max(0.0, delta), max(-min(0.0, delta), rate))


def relative_lift_interval(
    control: tuple[int, float, float],
    variant: tuple[int, float, float],
    confidence: float = 0.95,
) -> tuple[float | None, float | None]:
    """Delta-method interval of mean_b / mean_a - 1 from (n, mean, variance) per arm, as
    gbstats' frequentist test; (None, None) without a baseline, variance or two units."""
    n_a, m_a, v_a = _checks.moments("control", *control)
    n_b, m_b, v_b = _checks.moments("variant", *variant)
    _checks.open_unit("confidence", confidence)
    if min(n_a, n_b) < 2 or m_a == 0 or v_a <= 0 or v_b <= 0:
        return (None, None)
    q_a, q_b = v_a / n_a, v_b / n_b
    variance = q_b / m_a**2 + q_a * m_b**2 / m_a**4
    dof = (q_a + q_b) ** 2 / (q_b**2 / (n_b - 1) + q_a**2 / (n_a - 1))
    half = float(special.stdtrit(dof, 0.5 + confidence / 2)) * math.sqrt(variance)
    lift = (m_b - m_a) / m_a
    return (lift - half, lift + half)


def welch_test(
    control: tuple[int, float, float],
    variant: tuple[int, float, float],
    name: str = "variant",
    confidence: float = 0.95,
) -> Comparison:
    """Welch t-test on per-recipient means given (n, sum, sum of squares) per arm."""
    a = _checks.sums("control", *control)
    b = _checks.sums("variant", *variant)
    _checks.open_unit("confidence", confidence)
    n_a, n_b = a[0], b[0]
    if min(n_a, n_b) < 2:
        return _no_evidence(name)
    (_, m_a, v_a), (_, m_b, v_b) = sample_moments(*a), sample_moments(*b)
    q_a, q_b = v_a / n_a, v_b / n_b
    se = math.sqrt(q_a + q_b)
    diff = m_b - m_a
    if se == 0:
        return Comparison(name, diff, diff, diff, _lift(m_a, m_b), 0.0, 1.0, 1.0)
    df = (q_a + q_b) ** 2 / (q_a**2 / (n_a - 1) + q_b**2 / (n_b - 1))
    t = diff / se
    p_value = float(2 * special.stdtr(df, -abs(t)))
    half = float(special.stdtrit(df, 0.5 + confidence / 2)) * se
    lifts = relative_lift_interval((n_a, m_a, v_a), (n_b, m_b, v_b), confidence)
    lift = _lift(m_a, m_b)
    return Comparison(name, diff, diff - half, diff + half, lift, t, p_value, p_value, *lifts)


def sample_moments(n: int, total: float, squares: float) -> tuple[int, float, float]:
    """(n, mean, sample variance) from (n, sum, sum of squares); variance 0 below 2 units."""
    n, total, squares = _checks.sums("arm", n, total, squares)
    mean = total / n if n else 0.0
    variance = max(0.0, (squares - n * mean * mean) / (n - 1)) if n > 1 else 0.0
    return n, mean, variance


def _no_evidence(name: str) -> Comparison:
    """Result for arms too small to compare (no recipients yet)."""
    return Comparison(name, 0.0, -math.inf, math.inf, 0.0, 0.0, 1.0, 1.0)


def _lift(base: float, other: float) -> float:
    if base != 0:
        return (other - base) / abs(base)
    return math.inf if other > 0 else 0.0


def holm(p_values: Sequence[float]) -> list[float]:
    """Holm-Bonferroni adjusted p-values (step-down, monotone, capped at 1)."""
    p_values = _checks.probabilities("p_values", p_values)
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
    if len(observed) != len(names):
        raise ValueError(f"observed: {len(observed)} arm sizes for {len(names)} arms")
    if len(expected_weights) != len(names):
        raise ValueError(f"expected_weights: {len(expected_weights)} weights for {len(names)} arms")
    observed = [_checks.count("observed", o, f"[{i}]") for i, o in enumerate(observed)]
    for i, w in enumerate(expected_weights):
        _checks.positive("expected_weights", w, f"[{i}]")
    _checks.open_unit("threshold", threshold)
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
