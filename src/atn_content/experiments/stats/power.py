"""Sample size and minimum detectable effect for comparing two rates, and the sentence the
launch screen shows ("with 20 % of 48,000 recipients ... you can detect ...").

Formulas are the normal approximation for a two-sided, pooled two-proportion z-test (the
test in ``stats.two_proportion_test``) and for the always-valid sequence of ``sequential``;
``simulate.power_by_simulation`` and ``simulate.sequential_power`` check them.
With more than one variant the planning alpha is divided by the number of comparisons,
matching the first (strictest) step of the Holm correction applied at analysis.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from scipy import optimize
from scipy import stats as sps

from atn_content.experiments.stats import _checks
from atn_content.experiments.stats.sequential import mixture_rho

__all__ = [
    "REALISTIC_LIFT",
    "describe_power",
    "describe_sample_size",
    "minimum_detectable_lift",
    "power_sequential",
    "power_two_proportions",
    "reachable",
    "sample_size",
    "sample_size_sequential",
]

REALISTIC_LIFT = 1.0
"""Above this relative lift (doubling the rate) the launch sentence says the test is too small."""


def power_two_proportions(
    n_control: float, n_variant: float, baseline: float, relative_lift: float, alpha: float = 0.05
) -> float:
    """Probability that the two-sided pooled z-test rejects at the given true lift."""
    p1, p2 = _rates(n_control, n_variant, baseline, relative_lift, alpha)
    pooled = (n_control * p1 + n_variant * p2) / (n_control + n_variant)
    se0 = math.sqrt(pooled * (1 - pooled) * (1 / n_control + 1 / n_variant))
    se1 = math.sqrt(p1 * (1 - p1) / n_control + p2 * (1 - p2) / n_variant)
    z_alpha = float(sps.norm.ppf(1 - alpha / 2))
    delta = abs(p2 - p1)
    return float(
        sps.norm.cdf((delta - z_alpha * se0) / se1) + sps.norm.cdf((-delta - z_alpha * se0) / se1)
    )


def power_sequential(
    n_control: float,
    n_variant: float,
    baseline: float,
    relative_lift: float,
    alpha: float = 0.05,
    tuning: float | None = None,
) -> float:
    """Probability that the always-valid confidence sequence excludes 0 at the planned
    final sample (a lower bound on its power when someone also peeks earlier).

    ``tuning`` defaults to the planned total, where the sequence is tightest; pass the
    experiment's stored tuning to plan for the test exactly as it will be analysed.
    """
    p1, p2 = _rates(n_control, n_variant, baseline, relative_lift, alpha)
    total = n_control + n_variant
    rho = mixture_rho(alpha, total if tuning is None else tuning)
    variance = p1 * (1 - p1) / n_control + p2 * (1 - p2) / n_variant
    r2n = rho * rho * total
    half = math.sqrt(variance * 2 * (r2n + 1) / r2n * math.log(math.sqrt(r2n + 1) / alpha))
    delta, se = abs(p2 - p1), math.sqrt(variance)
    return float(sps.norm.cdf((delta - half) / se) + sps.norm.cdf((-delta - half) / se))


def _rates(
    n_control: float, n_variant: float, baseline: float, relative_lift: float, alpha: float
) -> tuple[float, float]:
    """Checked planning inputs; the control's and the variant's rate."""
    _checks.positive("n_control", n_control)
    _checks.positive("n_variant", n_variant)
    _checks.open_unit("baseline", baseline)
    _checks.relative_lift("relative_lift", relative_lift)
    _checks.open_unit("alpha", alpha)
    lifted = baseline * (1 + relative_lift)
    if not 0 < lifted < 1:
        raise ValueError(
            f"relative_lift: {relative_lift:.0%} on a baseline of {baseline:.1%} gives "
            f"{lifted:.1%}, which is not a rate in (0 %, 100 %)"
        )
    return baseline, lifted


def reachable(baseline: float, relative_lift: float) -> bool:
    """Can a rate of ``baseline`` rise by ``relative_lift`` and stay below 100 %?"""
    return 0 < baseline * (1 + relative_lift) < 1


def sample_size(
    baseline: float,
    relative_lift: float,
    alpha: float = 0.05,
    power: float = 0.8,
    ratio: float = 1.0,
) -> int:
    """Control-arm size (each variant gets ``ratio`` times it) to reach ``power``.

    Raises ValueError when the lifted rate would reach 100 % (see ``reachable``).
    """
    p1, p2 = _rates(1, 1, baseline, relative_lift, alpha)
    _checks.open_unit("power", power)
    _checks.positive("ratio", ratio)
    if relative_lift == 0:
        raise ValueError("relative_lift: must not be 0 (there is no difference to detect)")
    pooled = (p1 + ratio * p2) / (1 + ratio)
    z_a = float(sps.norm.ppf(1 - alpha / 2))
    z_b = float(sps.norm.ppf(power))
    spread = z_a * math.sqrt(pooled * (1 - pooled) * (1 + 1 / ratio)) + z_b * math.sqrt(
        p1 * (1 - p1) + p2 * (1 - p2) / ratio
    )
    return math.ceil((spread / (p2 - p1)) ** 2)


def sample_size_sequential(
    baseline: float,
    relative_lift: float,
    alpha: float = 0.05,
    power: float = 0.8,
    tuning: float | None = None,
) -> int:
    """Recipients per arm (two equal arms) for the always-valid test to reach ``power`` at
    its final look. ``tuning`` None: tuned at that very size (twice the answer), which is
    what a launch without a planned audience stores."""
    fixed = sample_size(baseline, relative_lift, alpha, power)
    if tuning is not None:
        _checks.positive("tuning", tuning)

    def gap(n: float) -> float:
        tuned = 2 * n if tuning is None else tuning
        return power_sequential(n, n, baseline, relative_lift, alpha, tuned) - power

    high = 2.0 * fixed
    while gap(high) < 0:
        high *= 2
    return math.ceil(float(optimize.brentq(gap, fixed / 2, high, xtol=1e-3)))


def minimum_detectable_lift(
    n_control: float,
    n_variant: float,
    baseline: float,
    alpha: float = 0.05,
    power: float = 0.8,
    sequential: bool = False,
    tuning: float | None = None,
) -> float:
    """Smallest positive relative lift detected with probability ``power``; sequential
    with the experiment's ``tuning`` (None: the planned total)."""
    _rates(n_control, n_variant, baseline, 0.0, alpha)
    _checks.open_unit("power", power)
    top = (1 - 1e-9) / baseline - 1

    def gap(lift: float) -> float:
        if sequential:
            found = power_sequential(n_control, n_variant, baseline, lift, alpha, tuning)
        else:
            found = power_two_proportions(n_control, n_variant, baseline, lift, alpha)
        return found - power

    if gap(top) < 0:
        return math.inf
    return float(optimize.brentq(gap, 1e-9, top, xtol=1e-6))


def describe_power(
    list_size: int,
    test_fraction: float,
    baseline: float,
    metric: str = "click rate",
    weights: Sequence[float] = (0.5, 0.5),
    alpha: float = 0.05,
    power: float = 0.8,
    sequential: bool = False,
    tuning: float | None = None,
) -> str:
    """The launch-time sentence for a test group of ``test_fraction`` of the list.

    The first weight is the control's; the smallest variant arm sets the detectable lift.
    ``sequential`` plans for the always-valid test (safe to peek, needs more recipients)
    tuned at ``tuning`` (None: the planned control + variant total).
    """
    _checks.positive("list_size", _checks.count("list_size", list_size))
    if not 0 < _checks.finite("test_fraction", test_fraction) <= 1:
        raise ValueError(f"test_fraction: must be in (0, 1], got {test_fraction!r}")
    if len(weights) < 2:
        raise ValueError(f"weights: a test needs at least 2 arms, got {len(weights)}")
    for i, w in enumerate(weights):
        _checks.positive("weights", w, f"[{i}]")
    tested = round(list_size * test_fraction)
    total_weight = sum(weights)
    n_control = tested * weights[0] / total_weight
    n_variant = tested * min(weights[1:]) / total_weight
    comparisons = len(weights) - 1
    lift = minimum_detectable_lift(
        n_control, n_variant, baseline, alpha / comparisons, power, sequential, tuning
    )
    if math.isinf(lift) and not reachable(baseline, REALISTIC_LIFT):
        lift_text = "no lift (any detectable one would need a rate over 100 %)"
    elif lift > REALISTIC_LIFT:
        lift_text = f"no realistic lift (it would take more than {_pct(REALISTIC_LIFT)})"
    else:
        lift_text = f"a {_pct(lift)} relative lift"
    return (
        f"with {_pct(test_fraction)} of {list_size:,} recipients ({tested:,}, "
        f"{len(weights)} variants) you can detect {lift_text} in {metric} "
        f"(baseline {_pct(baseline, 1)}, {_pct(alpha)} significance, {_pct(power)} power"
        f"{', sequential test' if sequential else ''})"
    )


def describe_sample_size(
    baseline: float,
    relative_lift: float,
    alpha: float = 0.05,
    sequential: bool = False,
    tuning: float | None = None,
) -> str:
    """The launch sentence's second half: recipients per arm for a given lift with the
    test the experiment will run (``sequential`` at ``tuning``), or why that lift is not
    reachable (the lifted rate would be 100 % or more)."""
    _checks.open_unit("baseline", baseline)
    _checks.relative_lift("relative_lift", relative_lift)
    target = baseline * (1 + relative_lift)
    if not reachable(baseline, relative_lift):
        return (
            f"A {_pct(relative_lift)} relative lift is not reachable: from a baseline of "
            f"{_pct(baseline, 1)} it would need a rate of {_pct(target, 1)} (over 100 %)."
        )
    if sequential:
        per_arm = sample_size_sequential(baseline, relative_lift, alpha, tuning=tuning)
    else:
        per_arm = sample_size(baseline, relative_lift, alpha)
    return (
        f"Detecting a {_pct(relative_lift)} relative lift needs about {per_arm:,} "
        f"recipients per arm{' with the sequential test' if sequential else ''}."
    )


def _pct(value: float, decimals: int = 0) -> str:
    """French-style percentage with a space before the sign, as the marketers write it."""
    return f"{value * 100:.{decimals}f} %"
