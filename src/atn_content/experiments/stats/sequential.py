"""Always-valid inference for the difference of two rates: safe to look at any time.

Asymptotic confidence sequences (Waudby-Smith, Ramdas et al. 2021, "Time-uniform central
limit theory"; the method GrowthBook's sequential testing uses) built on Robbins' normal
mixture boundary, the same boundary as the mixture SPRT of Johari et al. that Optimizely's
Stats Engine uses. With probability >= 1 - alpha the sequence covers the true difference
at every sample size simultaneously, so refreshing the dashboard every minute and stopping
at the first significant look keeps the false positive rate <= alpha.

The always-valid p-value at a look is the smallest alpha whose sequence excludes 0 there;
because the sequence is time-uniform for every alpha, P(p ever <= alpha) <= alpha without
needing the history of earlier looks (the running minimum is optional).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from atn_content.experiments.stats import _checks

__all__ = [
    "DEFAULT_TUNING",
    "SequentialResult",
    "mixture_rho",
    "sequential_from_moments",
    "sequential_p_values",
    "sequential_test",
]

DEFAULT_TUNING = 5000
"""Total sample size at which the sequence is tightest (GrowthBook's default)."""

Floats = npt.NDArray[np.float64]


def mixture_rho(alpha: float, tuning: float = DEFAULT_TUNING) -> float:
    """Mixture width that makes the boundary tightest at ``tuning`` observations."""
    _checks.open_unit("alpha", alpha)
    _checks.positive("tuning", tuning)
    two_log = -2 * math.log(alpha)
    return math.sqrt((two_log + math.log(two_log + 1)) / tuning)


def sequential_p_values(
    n_a: npt.ArrayLike,
    s_a: npt.ArrayLike,
    n_b: npt.ArrayLike,
    s_b: npt.ArrayLike,
    rho: float,
) -> Floats:
    """Always-valid p-values for rates, element-wise over arrays of counts (simulations)."""
    na, sa, nb, sb = (
        _checks.count_array(name, x)
        for name, x in (("n_a", n_a), ("s_a", s_a), ("n_b", n_b), ("s_b", s_b))
    )
    _checks.within("s_a", sa, na)
    _checks.within("s_b", sb, nb)
    _checks.positive("rho", rho)
    p_a, p_b = sa / na, sb / nb
    return _p_values(p_b - p_a, p_a * (1 - p_a) / na + p_b * (1 - p_b) / nb, na + nb, rho)


def _p_values(diff: Floats, variance: Floats, total: Floats, rho: float) -> Floats:
    """p = smallest alpha whose sequence excludes 0; ``variance`` is Var(diff)."""
    r2n = rho * rho * total
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        exponent = diff * diff * r2n / (2 * variance * (r2n + 1))
        p = np.sqrt(r2n + 1) * np.exp(-exponent)
    return np.minimum(np.where(variance > 0, p, 1.0), 1.0)


@dataclass(frozen=True)
class SequentialResult:
    """Difference (variant - control), its confidence sequence and always-valid p-value,
    and the confidence sequence of the relative lift (delta method, as gbstats)."""

    difference: float
    low: float
    high: float
    p_value: float
    lift_low: float | None = None
    lift_high: float | None = None


def sequential_from_moments(
    control: tuple[int, float, float],
    variant: tuple[int, float, float],
    alpha: float = 0.05,
    tuning: float = DEFAULT_TUNING,
) -> SequentialResult:
    """Always-valid comparison of means from (n, mean, variance) per arm."""
    n_a, m_a, v_a = _checks.moments("control", *control)
    n_b, m_b, v_b = _checks.moments("variant", *variant)
    rho = mixture_rho(alpha, tuning)
    if min(n_a, n_b) == 0:
        return SequentialResult(0.0, -math.inf, math.inf, 1.0)
    diff = m_b - m_a
    variance = v_a / n_a + v_b / n_b
    total = n_a + n_b
    r2n = rho * rho * total
    scale = math.sqrt(2 * (r2n + 1) / r2n * math.log(math.sqrt(r2n + 1) / alpha))
    half = math.sqrt(variance) * scale
    arr = np.array
    p = float(_p_values(arr([diff]), arr([variance]), arr([float(total)]), rho)[0])
    lift_low = lift_high = None
    if m_a != 0 and v_a > 0 and v_b > 0:
        lift = (m_b - m_a) / m_a
        lift_half = math.sqrt(v_b / (m_a**2 * n_b) + v_a * m_b**2 / (m_a**4 * n_a)) * scale
        lift_low, lift_high = lift - lift_half, lift + lift_half
    return SequentialResult(diff, diff - half, diff + half, p, lift_low, lift_high)


def sequential_test(
    control: tuple[int, int],
    variant: tuple[int, int],
    alpha: float = 0.05,
    tuning: float = DEFAULT_TUNING,
) -> SequentialResult:
    """Always-valid comparison of rates from (n, successes) for the control and a variant."""
    n_a, s_a = _checks.counts("control", *control)
    n_b, s_b = _checks.counts("variant", *variant)
    p_a = s_a / n_a if n_a else 0.0
    p_b = s_b / n_b if n_b else 0.0
    return sequential_from_moments(
        (n_a, p_a, p_a * (1 - p_a)), (n_b, p_b, p_b * (1 - p_b)), alpha, tuning
    )
