"""Write tests/experiments/stats/stats_cases.json: expected values of the experiment statistics,
computed by the reference implementations only (GrowthBook's gbstats 0.8.0, statsmodels,
scipy), never by atn_content. CI does not run this; it runs the tests the file feeds.

Oracle environment (a separate venv, so the product does not depend on these packages):

    python3 -m venv /tmp/oracle-venv
    /tmp/oracle-venv/bin/pip install gbstats==0.8.0 statsmodels scipy
    /tmp/oracle-venv/bin/python tests/experiments/stats/oracle/make_stats_cases.py

Ends with one line of name=value pairs (cases per kind).
"""

from __future__ import annotations

import json
import math
import sys
from collections import Counter
from importlib.metadata import version
from pathlib import Path
from typing import Any

import numpy as np
from gbstats.bayesian.tests import EffectBayesianABTest, EffectBayesianConfig
from gbstats.frequentist.tests import (
    FrequentistConfig,
    SequentialConfig,
    SequentialTwoSidedTTest,
    TwoSidedTTest,
)
from gbstats.models.statistics import ProportionStatistic, SampleMeanStatistic
from gbstats.utils import check_srm
from scipy import integrate, optimize
from scipy import stats as sps
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import (
    confint_proportions_2indep,
    power_proportions_2indep,
    proportion_confint,
    proportions_ztest,
)

OUT = Path(__file__).resolve().parents[1] / "stats_cases.json"
VERSION = 1
CASES: list[dict[str, Any]] = []


def add(
    kind: str, case_id: str, inputs: dict[str, Any], expected: dict[str, Any], **extra: Any
) -> None:
    CASES.append({"kind": kind, "id": case_id, "inputs": inputs, "expected": expected, **extra})


def number(x: Any) -> float | None:
    """JSON has no NaN or infinity: those become None (the test states what we answer)."""
    x = float(x)
    return x if math.isfinite(x) else None


# --- two proportions: pooled z, score interval, lift interval, Wilson, sequential ------------


def score_interval(
    control: tuple[int, int], variant: tuple[int, int], alpha: float
) -> tuple[float, float]:
    """Score interval of p_variant - p_control from its definition (Mee 1984: the
    differences the score test does not reject, no n / (n - 1) factor): the constrained
    maximum likelihood solves the likelihood equation with scipy's root finder.

    statsmodels' ``confint_proportions_2indep(method="score", correction=False)`` would be
    the reference, but its constrained MLE has ``count0`` where ``nobs0`` belongs
    (statsmodels/statsmodels#10269, open), off by up to ~6e-4 here; its value is kept in
    the case file as ``statsmodels_low_high`` for comparison."""
    (n_a, s_a), (n_b, s_b) = control, variant
    observed = s_b / n_b - s_a / n_a
    crit = sps.norm.isf(alpha / 2)

    def constrained_control_rate(delta: float) -> float:
        low, high = max(0.0, -delta), min(1.0, 1.0 - delta)

        def slope(p_a: float) -> float:  # derivative of the log-likelihood, decreasing
            p_b = p_a + delta

            def term(count: int, rate: float) -> float:
                return 0.0 if count == 0 else math.inf if rate <= 0 else count / rate

            return math.fsum(
                [
                    term(s_a, p_a),
                    -term(n_a - s_a, 1 - p_a),
                    term(s_b, p_b),
                    -term(n_b - s_b, 1 - p_b),
                ]
            )

        span = high - low
        inner_low, inner_high = low + span * 1e-13, high - span * 1e-13
        if slope(inner_low) <= 0:
            return low
        if slope(inner_high) >= 0:
            return high
        return float(optimize.brentq(slope, inner_low, inner_high, xtol=1e-16, rtol=1e-15))

    def excess(delta: float) -> float:
        q_a = constrained_control_rate(delta)
        q_b = q_a + delta
        variance = q_b * (1 - q_b) / n_b + q_a * (1 - q_a) / n_a
        if variance <= 0:
            return math.inf
        return abs(observed - delta) / math.sqrt(variance) - crit

    step = 1e-7

    def bound(sign: float) -> float:
        if sign * observed >= 1 - step:
            return sign * 1.0
        near, far = observed + sign * step, sign * (1 - 1e-12)
        if excess(far) <= 0:
            return sign * 1.0
        return float(optimize.brentq(excess, min(near, far), max(near, far), xtol=1e-15))

    return bound(-1.0), bound(1.0)


def statsmodels_score_interval(
    control: tuple[int, int], variant: tuple[int, int], alpha: float
) -> list[float | None]:
    (n_a, s_a), (n_b, s_b) = control, variant
    try:
        low, high = confint_proportions_2indep(
            s_b, n_b, s_a, n_a, method="score", compare="diff", alpha=alpha, correction=False
        )
    except ValueError:  # 0/n or n/n in both arms: its root finder meets NaN
        return [None, None]
    return [number(low), number(high)]


def two_proportion(
    case_id: str,
    control: tuple[int, int],
    variant: tuple[int, int],
    alpha: float = 0.05,
    tuning: float = 5000,
    note: str = "",
) -> None:
    (n_a, s_a), (n_b, s_b) = control, variant
    pooled = (s_a + s_b) / (n_a + n_b)
    if 0 < pooled < 1:
        z, p = proportions_ztest([s_b, s_a], [n_b, n_a])  # pooled variance under H0
        z, p = float(z), float(p)
    else:  # no variance at all: statsmodels divides by zero; no evidence either way
        z, p = 0.0, 1.0
    low, high = score_interval(control, variant, alpha)
    a, b = ProportionStatistic(n=n_a, sum=s_a), ProportionStatistic(n=n_b, sum=s_b)
    relative = TwoSidedTTest(a, b, FrequentistConfig(alpha=alpha, difference_type="relative"))
    rel = relative.compute_result()
    seq_test = SequentialTwoSidedTTest(
        a,
        b,
        SequentialConfig(
            alpha=alpha, difference_type="absolute", sequential_tuning_parameter=tuning
        ),
    )
    seq_abs = seq_test.compute_result()
    seq_rel = SequentialTwoSidedTTest(
        a,
        b,
        SequentialConfig(
            alpha=alpha, difference_type="relative", sequential_tuning_parameter=tuning
        ),
    ).compute_result()
    wilson = [
        [float(v) for v in proportion_confint(s, n, alpha=alpha, method="wilson")]
        for n, s in (control, variant)
    ]
    expected = {
        "difference": s_b / n_b - s_a / n_a,
        "z": z,
        "p_value": p,
        "low": float(low),
        "high": float(high),
        "statsmodels_low_high": statsmodels_score_interval(control, variant, alpha),
        "lift": None if s_a == 0 else (s_b / n_b - s_a / n_a) / (s_a / n_a),
        "lift_low": None if rel.error_message else number(rel.ci[0]),
        "lift_high": None if rel.error_message else number(rel.ci[1]),
        "gbstats_lift_message": rel.error_message,
        "wilson_control": wilson[0],
        "wilson_variant": wilson[1],
        "sequential_low": None if seq_abs.error_message else number(seq_abs.ci[0]),
        "sequential_high": None if seq_abs.error_message else number(seq_abs.ci[1]),
        "sequential_p_value": float(seq_abs.p_value),
        # gbstats' compute_result refuses when either arm has no variance (0/n, n/n); its
        # own formulas still apply while the difference has variance, as we do
        "sequential_formula": None
        if seq_test.variance <= 0
        else {
            "low": number(seq_test.confidence_interval[0]),
            "high": number(seq_test.confidence_interval[1]),
            "p_value": float(seq_test.p_value),
        },
        "sequential_lift_low": None if seq_rel.error_message else number(seq_rel.ci[0]),
        "sequential_lift_high": None if seq_rel.error_message else number(seq_rel.ci[1]),
        "gbstats_sequential_message": seq_abs.error_message,
    }
    inputs = {"control": list(control), "variant": list(variant), "alpha": alpha, "tuning": tuning}
    add("two_proportion", case_id, inputs, expected, note=note)


two_proportion("clicks-3200", (3200, 96), (3200, 131))
two_proportion("near-equal", (5000, 40), (5100, 41))
two_proportion(
    "wald-crosses-zero",
    (100_000, 3000),
    (1000, 42),
    note="issue 9: p = 0.027 while the Wald interval crossed 0",
)
two_proportion("zero-both", (500, 0), (500, 0), note="no variance: p = 1, no lift interval")
two_proportion("zero-control", (500, 0), (500, 7), note="no baseline: no lift")
two_proportion("zero-variant", (800, 24), (800, 0))
two_proportion("full-both", (400, 400), (400, 400))
two_proportion("zero-vs-full", (300, 0), (300, 300))
two_proportion("full-control", (300, 300), (300, 290))
two_proportion("nearly-full", (100_000, 99_990), (100_000, 99_950))
two_proportion("unequal-big-control", (1_000_000, 30_000), (1000, 45))
two_proportion("unequal-big-variant", (50, 2), (2_000_000, 61_000))
two_proportion("tiny", (20, 1), (20, 5))
two_proportion("one-each", (1, 0), (1, 1))
two_proportion("two-three", (2, 1), (3, 2))
two_proportion("open-rate", (10_000, 3500), (10_000, 3620), tuning=20_000)
two_proportion("black-friday-holm-arm", (3200, 96), (3200, 140), tuning=6400)
two_proportion("three-to-one", (48_000, 1440), (16_000, 560), tuning=64_000)
two_proportion("alpha-1pct", (20_000, 600), (20_000, 680), alpha=0.01, tuning=40_000)
two_proportion("alpha-10pct", (2000, 60), (2000, 75), alpha=0.1)
two_proportion("conversions", (250_000, 1250), (250_000, 1390), tuning=500_000)
rng = np.random.default_rng(20261201)
for i in range(8):
    n_a, n_b = (int(x) for x in rng.integers(30, 60_000, 2))
    rate = float(rng.uniform(0.002, 0.5))
    s_a = int(rng.binomial(n_a, rate))
    s_b = int(rng.binomial(n_b, min(0.99, rate * float(rng.uniform(0.8, 1.3)))))
    two_proportion(f"random-{i}", (n_a, s_a), (n_b, s_b), tuning=float(n_a + n_b))


# --- Welch t-test on revenue from (n, sum, sum of squares) ---------------------------------


def welch(
    case_id: str,
    control: tuple[int, float, float],
    variant: tuple[int, float, float],
    alpha: float = 0.05,
) -> None:
    def mean_sd(n: int, total: float, squares: float) -> tuple[float, float]:
        mean = total / n
        return mean, math.sqrt(max(0.0, (squares - n * mean * mean) / (n - 1)))

    (m_a, sd_a), (m_b, sd_b) = mean_sd(*control), mean_sd(*variant)
    t, p = sps.ttest_ind_from_stats(m_b, sd_b, variant[0], m_a, sd_a, control[0], equal_var=False)
    a = SampleMeanStatistic(n=control[0], sum=control[1], sum_squares=control[2])
    b = SampleMeanStatistic(n=variant[0], sum=variant[1], sum_squares=variant[2])
    absolute = TwoSidedTTest(a, b, FrequentistConfig(alpha=alpha, difference_type="absolute"))
    relative = TwoSidedTTest(a, b, FrequentistConfig(alpha=alpha, difference_type="relative"))
    ab, rel = absolute.compute_result(), relative.compute_result()
    expected = {
        "difference": m_b - m_a,
        "t": float(t),
        "p_value": float(p),
        "low": number(ab.ci[0]),
        "high": number(ab.ci[1]),
        "lift_low": None if rel.error_message else number(rel.ci[0]),
        "lift_high": None if rel.error_message else number(rel.ci[1]),
    }
    inputs = {"control": list(control), "variant": list(variant), "alpha": alpha}
    add("welch", case_id, inputs, expected)


def revenue_arm(seed: int, n: int, buyers: float, basket: float) -> tuple[int, float, float]:
    values = np.random.default_rng(seed).exponential(basket, n) * (
        np.random.default_rng(seed + 1).random(n) < buyers
    )
    return n, float(values.sum()), float((values * values).sum())


welch("revenue-even", revenue_arm(1, 4000, 0.01, 90_000), revenue_arm(3, 4000, 0.02, 95_000))
welch(
    "revenue-unequal", revenue_arm(5, 20_000, 0.005, 120_000), revenue_arm(7, 900, 0.006, 110_000)
)
welch("revenue-small", revenue_arm(9, 40, 0.2, 50_000), revenue_arm(11, 35, 0.3, 60_000))
welch(
    "revenue-alpha-1pct",
    revenue_arm(13, 8000, 0.01, 80_000),
    revenue_arm(15, 8000, 0.012, 80_000),
    alpha=0.01,
)
welch("revenue-same-basket", (1000, 45_000_000.0, 3.0e12), (1200, 60_000_000.0, 4.2e12))


# --- chance to beat control: numerical integration of the Beta posteriors -------------------


def chance_to_beat(
    case_id: str, control: tuple[int, int], variant: tuple[int, int], note: str = ""
) -> None:
    (n_a, s_a), (n_b, s_b) = control, variant
    post_a, post_b = sps.beta(1 + s_a, 1 + n_a - s_a), sps.beta(1 + s_b, 1 + n_b - s_b)
    narrow, wide, flip = (
        (post_a, post_b, False) if post_a.std() <= post_b.std() else (post_b, post_a, True)
    )
    low, high = narrow.ppf(1e-14), narrow.isf(1e-14)

    def integrand(x: float) -> float:
        # P(X_b > X_a): integrate over the narrower posterior, the other's CDF inside
        return narrow.pdf(x) * (wide.cdf(x) if flip else wide.sf(x))

    value, error = integrate.quad(
        integrand, low, high, points=[narrow.mean()], limit=2000, epsabs=1e-13, epsrel=1e-11
    )
    add(
        "chance_to_beat",
        case_id,
        {"control": list(control), "variant": list(variant)},
        {"chance_to_beat": value, "quad_error": error},
        note=note,
    )


chance_to_beat(
    "issue-small-control",
    (1000, 30),
    (1_000_000, 30_500),
    note="issue 9 defect 1: the normal approximation gave 0.4682",
)
chance_to_beat(
    "issue-tiny-control",
    (100, 5),
    (500_000, 25_000),
    note="issue 9 defect 1: the normal approximation gave 0.3518",
)
chance_to_beat("issue-swapped", (500_000, 25_000), (100, 5))
chance_to_beat("zero-control-large-variant", (2000, 0), (900_000, 30_000))
chance_to_beat("nearly-full", (50_000, 49_990), (60_000, 59_990))
chance_to_beat("both-large", (1_000_000, 30_000), (1_000_000, 30_400))
chance_to_beat("open-rates-unequal", (3_000_000, 1_050_000), (40_000, 14_300))
chance_to_beat("thirty-vs-two-million", (30, 1), (2_000_000, 60_000))
chance_to_beat("high-rate-large", (200_000, 25_000), (200_000, 24_000))
chance_to_beat("small-even", (1000, 30), (1000, 41))
chance_to_beat("zero-both", (1000, 0), (1000, 0))
chance_to_beat("full-both", (500, 500), (400, 400))
chance_to_beat("one-recipient", (1, 1), (1, 0))
chance_to_beat("large-failures-small-successes", (5_000_000, 40), (5_000_000, 61))
chance_to_beat("large-successes-small-failures", (80_000, 79_970), (90_000, 89_950))


# --- chance to be best, 2 to 8 arms ----------------------------------------------------------


def chance_to_be_best(case_id: str, counts: list[tuple[int, int]]) -> None:
    posts = [sps.beta(1 + s, 1 + n - s) for n, s in counts]
    values = []
    for i, post in enumerate(posts):
        others = [p for j, p in enumerate(posts) if j != i]
        low, high = post.ppf(1e-14), post.isf(1e-14)
        breaks = sorted({float(p.mean()) for p in posts if low < p.mean() < high})

        def integrand(x: float, post: Any = post, others: list[Any] = others) -> float:
            return float(post.pdf(x) * np.prod([p.cdf(x) for p in others]))

        value, _ = integrate.quad(
            integrand, low, high, points=breaks or None, limit=2000, epsabs=1e-12, epsrel=1e-10
        )
        values.append(value)
    add(
        "chance_to_be_best",
        case_id,
        {"counts": [list(c) for c in counts]},
        {"chance_to_be_best": values, "sum": sum(values)},
    )


chance_to_be_best("two-arms", [(3200, 96), (3200, 120)])
chance_to_be_best("two-arms-unequal", [(100_000, 3000), (1000, 42)])
chance_to_be_best("three-arms", [(4000, 120), (4000, 160), (4000, 118)])
chance_to_be_best("four-arms", [(3000, 90), (3000, 96), (3000, 88), (3000, 104)])
chance_to_be_best(
    "five-arms-unequal", [(10_000, 300), (2000, 70), (5000, 160), (800, 20), (10_000, 310)]
)
chance_to_be_best("six-arms", [(2500, 70 + 3 * i) for i in range(6)])
chance_to_be_best("seven-arms-open", [(5000, 1750 + 20 * i) for i in range(7)])
chance_to_be_best("eight-arms", [(1200, 36 + (i * 5) % 13) for i in range(8)])
chance_to_be_best("eight-arms-zero", [(1500, 0)] + [(1500, i) for i in range(1, 8)])


# --- Bayesian verdicts refused for empty or too small arms (issue 9 defect 2) ---------------


def no_verdict(case_id: str, counts: list[tuple[int, int]], none: list[int]) -> None:
    """gbstats refuses (0.5 with NO_UNITS_IN_VARIATION) for empty arms; we give no verdict
    for arms below the minimum of recipients, named in ``none``."""
    gb = []
    (n_a, s_a) = counts[0]
    for n_b, s_b in counts[1:]:
        result = EffectBayesianABTest(
            ProportionStatistic(n=n_a, sum=s_a),
            ProportionStatistic(n=n_b, sum=s_b),
            EffectBayesianConfig(difference_type="absolute"),
        ).compute_result()
        gb.append({"chance_to_win": float(result.chance_to_win), "error": result.error_message})
    add(
        "bayes_no_verdict",
        case_id,
        {"counts": [list(c) for c in counts]},
        {"no_verdict": none, "gbstats": gb},
    )


no_verdict("empty-variant", [(1000, 30), (0, 0)], [1])
no_verdict("empty-control", [(0, 0), (1000, 30), (1000, 35)], [0])
no_verdict("small-third-arm", [(4000, 120), (4000, 160), (20, 3)], [2])


# --- Holm ------------------------------------------------------------------------------------

for case_id, p_values in {
    "holm-3": [0.01, 0.04, 0.03],
    "holm-2-nothing": [0.5, 0.9],
    "holm-4": [0.001, 0.02, 0.049, 0.2],
    "holm-5-ties": [0.01, 0.01, 0.03, 0.03, 0.5],
    "holm-7": [0.0001, 0.004, 0.008, 0.012, 0.3, 0.6, 0.9],
    "holm-edges": [0.0, 1.0, 0.02],
}.items():
    adjusted = multipletests(p_values, method="holm")[1]
    add("holm", case_id, {"p_values": p_values}, {"adjusted": [float(x) for x in adjusted]})


# --- sample-ratio mismatch -------------------------------------------------------------------

for case_id, observed, weights in [
    ("srm-fair-3", [3210, 3190, 3200], [1, 1, 1]),
    ("srm-mismatch-2", [5000, 5400], [0.5, 0.5]),
    ("srm-weighted", [5020, 2950, 2030], [0.5, 0.3, 0.2]),
    ("srm-empty-arm", [1000, 0], [0.5, 0.5]),
    ("srm-8-arms", [1250 + (i * 37) % 90 for i in range(8)], [1] * 8),
    ("srm-nobody", [0, 0, 0], [1, 1, 1]),
]:
    total = sum(observed)
    expected_counts = [total * w / sum(weights) for w in weights]
    chi = sps.chisquare(observed, expected_counts) if total else None
    add(
        "srm",
        case_id,
        {"observed": observed, "weights": weights},
        {
            "p_value": float(chi.pvalue) if chi else 1.0,
            "chi_square": float(chi.statistic) if chi else 0.0,
            "gbstats_p_value": float(check_srm(observed, weights)),
        },
    )


# --- power and sample size of the fixed-horizon test (statsmodels) --------------------------


def fixed_power(
    n_control: float, n_variant: float, baseline: float, lift: float, alpha: float
) -> float:
    diff = baseline * (1 + lift) - baseline
    return float(
        power_proportions_2indep(
            diff, baseline, n_variant, ratio=n_control / n_variant, alpha=alpha
        ).power
    )


for case_id, args in {
    "power-3pct-15": (24_193, 24_193, 0.03, 0.15, 0.05),
    "power-bf-arm": (3200, 3200, 0.03, 0.5, 0.025),
    "power-unequal": (30_000, 10_000, 0.05, 0.1, 0.05),
    "power-open": (5000, 5000, 0.35, 0.05, 0.05),
    "power-negative-lift": (20_000, 20_000, 0.1, -0.05, 0.05),
    "power-tiny": (200, 200, 0.01, 0.3, 0.05),
}.items():
    add(
        "power",
        case_id,
        dict(
            zip(["n_control", "n_variant", "baseline", "relative_lift", "alpha"], args, strict=True)
        ),
        {"power": fixed_power(*args)},
    )


def fixed_sample_size(
    case_id: str, baseline: float, lift: float, alpha: float, target: float, ratio: float
) -> None:
    def gap(n: float) -> float:
        return fixed_power(n, ratio * n, baseline, lift, alpha) - target

    root = optimize.brentq(gap, 2, 1e9, xtol=1e-9)
    inputs = {
        "baseline": baseline,
        "relative_lift": lift,
        "alpha": alpha,
        "power": target,
        "ratio": ratio,
    }
    add("sample_size", case_id, inputs, {"n_control": math.ceil(root)})


fixed_sample_size("n-3pct-15", 0.03, 0.15, 0.05, 0.8, 1.0)
fixed_sample_size("n-textbook", 0.10, 0.20, 0.05, 0.8, 1.0)
fixed_sample_size("n-20pct-5-power90", 0.2, 0.05, 0.05, 0.9, 1.0)
fixed_sample_size("n-1pct-30", 0.01, 0.3, 0.05, 0.8, 1.0)
fixed_sample_size("n-ratio-quarter", 0.03, 0.2, 0.05, 0.8, 0.25)
fixed_sample_size("n-holm-alpha", 0.03, 0.15, 0.025, 0.8, 1.0)


# --- power of the always-valid sequence at its final look (gbstats' sequence + scipy) -------


def sequential_power(n: float, baseline: float, lift: float, alpha: float, tuning: float) -> float:
    """P(the sequence excludes 0 at n per arm): gbstats' own half-width, normal difference."""
    p1, p2 = baseline, baseline * (1 + lift)
    a = ProportionStatistic(n=int(n), sum=p1 * int(n))
    b = ProportionStatistic(n=int(n), sum=p2 * int(n))
    test = SequentialTwoSidedTTest(
        a,
        b,
        SequentialConfig(
            alpha=alpha, difference_type="absolute", sequential_tuning_parameter=tuning
        ),
    )
    low, high = test.confidence_interval
    half = (high - low) / 2
    se = math.sqrt(test.variance)
    delta = abs(p2 - p1)
    return float(sps.norm.cdf((delta - half) / se) + sps.norm.cdf((-delta - half) / se))


def sequential_sample_size(
    case_id: str, baseline: float, lift: float, alpha: float, tuning: float | None
) -> None:
    """Smallest whole n per arm with 80 % final-look power (tuning None: tuned at 2 n)."""

    def gap(n: float) -> float:
        whole = float(math.floor(n))  # gbstats takes whole recipients
        tuned = 2 * whole if tuning is None else tuning
        return sequential_power(whole, baseline, lift, alpha, tuned) - 0.8

    n = math.floor(optimize.brentq(gap, 100, 1e8, xtol=0.5))
    while gap(n) >= 0:
        n -= 1
    while gap(n) < 0:
        n += 1
    tuned = 2 * n if tuning is None else tuning
    add(
        "sequential_sample_size",
        case_id,
        {"baseline": baseline, "relative_lift": lift, "alpha": alpha, "tuning": tuning},
        {"n_per_arm": n, "power_at_n": sequential_power(n, baseline, lift, alpha, tuned)},
        note="issue 9 defect 3: analysed at GrowthBook's default tuning 5,000, the 3 % -> +15 % "
        "test needs 54,094 per arm (54,093.3 unrounded), not the 24,193 the launch sentence "
        "quoted; tuned at its own size, 46,322",
    )


sequential_sample_size("seq-n-3pct-15-growthbook-default", 0.03, 0.15, 0.05, 5000.0)
sequential_sample_size("seq-n-3pct-15-self-tuned", 0.03, 0.15, 0.05, None)
sequential_sample_size("seq-n-20pct-5-self-tuned", 0.2, 0.05, 0.05, None)
sequential_sample_size("seq-n-3pct-30-holm", 0.03, 0.3, 0.025, None)

for case_id, (n, baseline, lift, alpha, tuning) in {
    "seq-power-planned-total": (50_000, 0.03, 0.12, 0.05, 100_000.0),
    "seq-power-default-tuning": (50_000, 0.03, 0.12, 0.05, 5000.0),
    "seq-power-bf": (3200, 0.03, 0.6, 0.025, 6400.0),
}.items():
    add(
        "sequential_power",
        case_id,
        {"n": n, "baseline": baseline, "relative_lift": lift, "alpha": alpha, "tuning": tuning},
        {"power": sequential_power(n, baseline, lift, alpha, tuning)},
    )


# --- impossible inputs (issue 9 defect 4): what we must refuse, and the argument named ------

for case_id, function, args, argument in [
    ("z-test-too-many", "two_proportion_test", [[100, 3], [100, 130]], "variant"),
    ("z-test-nan", "two_proportion_test", [["nan", 3], [100, 5]], "control"),
    ("wilson-too-many", "wilson_interval", [12, 10], "successes"),
    ("sequential-too-many", "sequential_test", [[100, 3], [100, 130]], "variant"),
    ("bayes-nan", "bayes_summary", [["A", "B"], [[1000, 30], ["nan", "nan"]]], "counts[1]"),
    ("sample-size-no-lift", "sample_size", [0.1, 0.0], "relative_lift"),
    ("power-no-control", "power_two_proportions", [0, 100, 0.1, 0.1], "n_control"),
    (
        "srm-zero-weight",
        "sample_ratio_check",
        [["A", "B"], [10, 12], [0.5, 0.0]],
        "expected_weights",
    ),
    ("welch-impossible-squares", "welch_test", [[10, 100.0, 5.0], [10, 1.0, 1.0]], "control"),
    ("holm-nan", "holm", [[0.01, "nan"]], "p_values"),
]:
    add(
        "invalid",
        case_id,
        {"function": function, "args": args},
        {"argument": argument},
        note="expected by issue 9, not by an oracle: gbstats and scipy give nan, 5e-17 or a "
        "math domain error here",
    )


def main() -> None:
    document = {
        "version": VERSION,
        "description": "Expected values of atn_content.experiments statistics, computed by "
        "reference implementations; fed to tests/experiments/stats/test_stats_cases.py.",
        "generated_by": "tests/experiments/stats/oracle/make_stats_cases.py",
        "oracle": {name: version(name) for name in ("gbstats", "statsmodels", "scipy", "numpy")},
        "python": sys.version.split()[0],
        "cases": CASES,
    }
    OUT.write_text(json.dumps(document, indent=1) + "\n", encoding="utf-8")
    kinds = Counter(c["kind"] for c in CASES)
    print(f"wrote {OUT} ({len(CASES)} cases)")
    print(" ".join([f"cases={len(CASES)}", *(f"{k}={v}" for k, v in sorted(kinds.items()))]))


if __name__ == "__main__":
    main()
