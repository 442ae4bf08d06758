"""Monte Carlo checks of the experiment maths, vectorised with numpy so that hundreds of
thousands of simulated experiments take seconds. Tests call these with modest sizes (the
long runs carry the ``slow`` marker); docs/EXPERIMENTS-EVIDENCE.md records a larger run
(``python -m atn_content.experiments.stats.simulate``).

Every sequential simulation uses the production setting: the tuning a launch stores for
an experiment of the simulated size (``lifecycle.planned_tuning``), the always-valid
p-value ``decide()`` computes, alpha 0.05, and looks at evenly spaced sample sizes.
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy import stats as sps

from atn_content.experiments.stats import _checks
from atn_content.experiments.stats.sequential import mixture_rho, sequential_p_values

__all__ = [
    "AAResult",
    "SequentialPower",
    "aa_simulation",
    "power_by_simulation",
    "production_tuning",
    "sequential_power",
    "split_z_scores",
    "z_test_p_values",
]

Floats = npt.NDArray[np.float64]
#: Experiments simulated at once (bounds memory: chunk x looks x 8 bytes per array).
CHUNK = 20_000


def production_tuning(n_per_arm: int, alpha: float = 0.05) -> float:
    """The tuning a launch stores for a two-arm sequential test planned at ``n_per_arm``
    recipients per arm (the path ``POST /v1/experiments`` takes)."""
    from atn_content.experiments.definitions import parse_definition
    from atn_content.experiments.lifecycle import planned_tuning

    definition = parse_definition(
        {
            "key": "simulated",
            "name": "simulated",
            "kind": "subject",
            "template": "simulated",
            "decision": {"mode": "sequential", "alpha": alpha},
            "planning": {"audience": max(100, 2 * n_per_arm)},
            "variants": [{"key": "A"}, {"key": "B", "subject": "B"}],
        }
    )
    return planned_tuning(definition)


def _design(
    experiments: int,
    n_per_arm: int,
    looks: int,
    baseline: float,
    relative_lift: float,
    alpha: float,
) -> None:
    """Checked simulation inputs (ValueError naming the argument)."""
    _checks.positive("experiments", _checks.count("experiments", experiments))
    _checks.positive("n_per_arm", _checks.count("n_per_arm", n_per_arm))
    _checks.positive("looks", _checks.count("looks", looks))
    _checks.open_unit("baseline", baseline)
    lifted = baseline * (1 + _checks.relative_lift("relative_lift", relative_lift))
    if not 0 < lifted < 1:
        raise ValueError(f"relative_lift: gives a rate of {lifted!r}, not one in (0, 1)")
    _checks.open_unit("alpha", alpha)


def _look_sizes(n_per_arm: int, looks: int) -> npt.NDArray[np.int64]:
    """Cumulative recipients per arm at each look, evenly spaced, the last exactly n."""
    sizes = np.round(n_per_arm * np.arange(1, looks + 1) / looks).astype(np.int64)
    return np.maximum(sizes, 1)


def _cumulative_successes(
    rng: np.random.Generator, sizes: npt.NDArray[np.int64], rate: float, experiments: int
) -> Floats:
    increments = np.diff(sizes, prepend=0)
    draws = rng.binomial(increments[None, :], rate, size=(experiments, len(sizes)))
    return np.asarray(draws.cumsum(axis=1), dtype=np.float64)


def _chunks(experiments: int) -> Iterator[int]:
    for start in range(0, experiments, CHUNK):
        yield min(CHUNK, experiments - start)


def split_z_scores(arms: npt.NDArray[np.integer], expected: Sequence[float]) -> list[float]:
    """Per arm, z of a one-sample proportion test of its share against the planned share.

    ``arms`` holds one arm index per recipient (``HOLDBACK``/``EXCLUDED`` negative);
    ``expected`` is the planned share of all recipients for arm 0, 1, ...
    """
    total = len(arms)
    counts = np.bincount(arms[arms >= 0], minlength=len(expected))
    return [
        float((count - total * p) / math.sqrt(total * p * (1 - p)))
        for count, p in zip(counts, expected, strict=True)
    ]


def z_test_p_values(n_a: Floats, s_a: Floats, n_b: Floats, s_b: Floats) -> Floats:
    """Two-sided pooled two-proportion z-test, element-wise (as stats.two_proportion_test)."""
    pooled = (s_a + s_b) / (n_a + n_b)
    se = np.sqrt(pooled * (1 - pooled) * (1 / n_a + 1 / n_b))
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(se > 0, (s_b / n_b - s_a / n_a) / se, 0.0)
    return np.asarray(2 * sps.norm.sf(np.abs(z)), dtype=np.float64)


@dataclass(frozen=True)
class AAResult:
    """False positive rates over ``experiments`` A/A tests and the Monte Carlo standard
    error of a rate equal to alpha."""

    experiments: int
    looks: int
    alpha: float
    tuning: float
    fixed_horizon: float
    sequential_every_look: float
    naive_every_look: float
    mc_error: float


def aa_simulation(
    experiments: int = 10_000,
    batch: int = 500,
    looks: int = 50,
    baseline: float = 0.03,
    alpha: float = 0.05,
    seed: int = 1,
    tuning: float | None = None,
) -> AAResult:
    """A/A tests: both arms share ``baseline``; ``batch`` recipients per arm arrive between
    looks. A test "fires" when a look's p-value is below alpha. The sequential test is
    tuned as production tunes a test planned at ``batch * looks`` per arm, unless
    ``tuning`` says otherwise."""
    _checks.positive("batch", _checks.count("batch", batch))
    _checks.positive("looks", _checks.count("looks", looks))
    _design(experiments, batch * looks, looks, baseline, 0.0, alpha)
    rng = np.random.default_rng(seed)
    n_per_arm = batch * looks
    tuned = production_tuning(n_per_arm, alpha) if tuning is None else tuning
    rho = mixture_rho(alpha, tuned)
    sizes = _look_sizes(n_per_arm, looks)
    fixed = sequential = naive = 0
    for size in _chunks(experiments):
        s_a = _cumulative_successes(rng, sizes, baseline, size)
        s_b = _cumulative_successes(rng, sizes, baseline, size)
        n = np.broadcast_to(sizes.astype(np.float64), s_a.shape)
        z = z_test_p_values(n, s_a, n, s_b)
        fixed += int((z[:, -1] < alpha).sum())
        naive += int((z < alpha).any(axis=1).sum())
        sequential += int((sequential_p_values(n, s_a, n, s_b, rho) < alpha).any(axis=1).sum())
    return AAResult(
        experiments=experiments,
        looks=looks,
        alpha=alpha,
        tuning=tuned,
        fixed_horizon=fixed / experiments,
        sequential_every_look=sequential / experiments,
        naive_every_look=naive / experiments,
        mc_error=math.sqrt(alpha * (1 - alpha) / experiments),
    )


def power_by_simulation(
    n_per_arm: int,
    baseline: float,
    relative_lift: float,
    alpha: float = 0.05,
    experiments: int = 10_000,
    seed: int = 2,
) -> float:
    """Share of simulated experiments with a true lift where the z-test rejects."""
    _design(experiments, n_per_arm, 1, baseline, relative_lift, alpha)
    rng = np.random.default_rng(seed)
    s_a = rng.binomial(n_per_arm, baseline, size=experiments).astype(np.float64)
    s_b = rng.binomial(n_per_arm, baseline * (1 + relative_lift), size=experiments)
    n = np.full(experiments, float(n_per_arm))
    return float((z_test_p_values(n, s_a, n, s_b.astype(np.float64)) < alpha).mean())


@dataclass(frozen=True)
class SequentialPower:
    """Share of experiments with a true lift that the sequential test flags at its final
    look (what planning promises) and at any of ``looks`` looks (what a team that acts on
    the first significant look gets)."""

    final_look: float
    any_look: float
    tuning: float


def sequential_power(
    n_per_arm: int,
    baseline: float,
    relative_lift: float,
    looks: int = 50,
    alpha: float = 0.05,
    experiments: int = 10_000,
    seed: int = 3,
    tuning: float | None = None,
) -> SequentialPower:
    """The always-valid test on experiments with a true lift, looked at ``looks`` times up
    to ``n_per_arm`` per arm, tuned as production (or at ``tuning``)."""
    _design(experiments, n_per_arm, looks, baseline, relative_lift, alpha)
    rng = np.random.default_rng(seed)
    tuned = production_tuning(n_per_arm, alpha) if tuning is None else tuning
    rho = mixture_rho(alpha, tuned)
    sizes = _look_sizes(n_per_arm, looks)
    final = anywhere = 0
    for size in _chunks(experiments):
        s_a = _cumulative_successes(rng, sizes, baseline, size)
        s_b = _cumulative_successes(rng, sizes, baseline * (1 + relative_lift), size)
        n = np.broadcast_to(sizes.astype(np.float64), s_a.shape)
        rejected = sequential_p_values(n, s_a, n, s_b, rho) < alpha
        final += int(rejected[:, -1].sum())
        anywhere += int(rejected.any(axis=1).sum())
    return SequentialPower(final / experiments, anywhere / experiments, tuned)


#: A/A designs (recipients per arm between looks, looks, baseline): 50 peeks each.
AA_DESIGNS = ((500, 50, 0.03), (100, 50, 0.05), (2000, 50, 0.01))
#: (baseline, relative lift, target power) planned with sample_size / sample_size_sequential.
POWER_DESIGNS = ((0.03, 0.15, 0.8), (0.2, 0.05, 0.9), (0.01, 0.3, 0.8))
#: Launch-sentence designs: list size (100 % tested, two arms) and baseline.
AUDIENCE_DESIGNS = ((100_000, 0.03), (48_000, 0.35))
LOOKS = 50


def report(experiments: int, recipients: int = 1_000_000) -> list[str]:
    """The evidence report's lines: splits, namespaces, A/A error rates, power; the last
    line is one line of name=value pairs."""
    from atn_content.experiments.allocation import Allocator, Namespace
    from atn_content.experiments.stats.power import (
        minimum_detectable_lift,
        power_sequential,
        power_two_proportions,
        sample_size,
        sample_size_sequential,
    )

    lines = []
    ids = [f"{i}.{i * 7919 % 104729}@atn.example" for i in range(recipients)]
    for weights, fraction in (((0.5, 0.5), 1.0), ((1 / 3,) * 3, 1.0), ((0.5, 0.3, 0.2), 0.2)):
        arms = Allocator("evidence", weights, fraction).assign_many(ids)
        z = split_z_scores(arms, [w * fraction for w in weights])
        lines.append(
            f"split ids={len(ids):,} weights={[round(w, 3) for w in weights]} "
            f"test_fraction={fraction}: z per arm={[round(v, 2) for v in z]} (limit 3.29)"
        )
    first = Allocator("ns-a", (0.5, 0.5), 1.0, Namespace("evidence", 0.0, 0.5)).assign_many(ids)
    second = Allocator("ns-b", (0.5, 0.5), 1.0, Namespace("evidence", 0.5, 1.0)).assign_many(ids)
    both = int(((first >= 0) & (second >= 0)).sum())
    lines.append(
        f"namespace ids={len(ids):,}: in both tests={both}, "
        f"in first={float((first >= 0).mean()):.4f}, in second={float((second >= 0).mean()):.4f}"
    )
    aa_rows = []
    for batch, looks, baseline in AA_DESIGNS:
        aa = aa_simulation(experiments, batch, looks, baseline, seed=batch + looks)
        aa_rows.append(aa)
        lines.append(
            f"A/A baseline={baseline:.0%} batch={batch}/arm looks={looks} "
            f"tuning={aa.tuning:.0f} experiments={experiments}: fixed={aa.fixed_horizon:.4f} "
            f"sequential_any_look={aa.sequential_every_look:.4f} "
            f"naive_any_look={aa.naive_every_look:.4f} (alpha={aa.alpha}, "
            f"MC error={aa.mc_error:.4f})"
        )
    fixed_gaps, ratios, planned_gaps = [], [], []
    for baseline, lift, target in POWER_DESIGNS:
        n = sample_size(baseline, lift, power=target)
        simulated = power_by_simulation(n, baseline, lift, experiments=experiments)
        formula = power_two_proportions(n, n, baseline, lift)
        seq = sequential_power(n, baseline, lift, LOOKS, experiments=experiments)
        fixed_gaps.append(abs(simulated - formula))
        ratios.append(seq.any_look / simulated)
        lines.append(
            f"fixed-horizon plan baseline={baseline:.0%} lift={lift:.0%} n/arm={n}: "
            f"formula={formula:.4f} simulated={simulated:.4f} "
            f"(MC error={math.sqrt(target * (1 - target) / experiments):.4f}); sequential "
            f"at the same n, tuning={seq.tuning:.0f}: final_look_formula="
            f"{power_sequential(n, n, baseline, lift, tuning=seq.tuning):.4f} "
            f"final_look={seq.final_look:.4f} any_of_{LOOKS}_looks={seq.any_look:.4f}"
        )
    for baseline, lift, target in POWER_DESIGNS:
        n = sample_size_sequential(baseline, lift, power=target)
        seq = sequential_power(n, baseline, lift, LOOKS, experiments=experiments, seed=5)
        planned = power_sequential(n, n, baseline, lift, tuning=seq.tuning)
        planned_gaps.append(abs(seq.final_look - planned))
        lines.append(
            f"sequential plan baseline={baseline:.0%} lift={lift:.0%} n/arm={n} "
            f"({n / sample_size(baseline, lift, power=target):.2f}x fixed) "
            f"tuning={seq.tuning:.0f}: planned={planned:.4f} simulated_final_look="
            f"{seq.final_look:.4f} simulated_any_of_{LOOKS}_looks={seq.any_look:.4f}"
        )
    for audience, baseline in AUDIENCE_DESIGNS:
        n = audience // 2
        tuning = production_tuning(n)
        lift = minimum_detectable_lift(n, n, baseline, sequential=True, tuning=tuning)
        seq = sequential_power(n, baseline, lift, LOOKS, experiments=experiments, seed=7)
        planned = power_sequential(n, n, baseline, lift, tuning=tuning)
        planned_gaps.append(abs(seq.final_look - planned))
        lines.append(
            f"launch sentence audience={audience:,} baseline={baseline:.0%} sequential: "
            f"detectable lift={lift:.1%} tuning={tuning:.0f}: planned={planned:.4f} "
            f"simulated_final_look={seq.final_look:.4f} "
            f"simulated_any_of_{LOOKS}_looks={seq.any_look:.4f}"
        )
    lines.append(
        f"experiments={experiments} looks={LOOKS} "
        f"aa_sequential_max={max(a.sequential_every_look for a in aa_rows):.4f} "
        f"aa_fixed_max={max(a.fixed_horizon for a in aa_rows):.4f} "
        f"aa_naive_min={min(a.naive_every_look for a in aa_rows):.4f} "
        f"fixed_power_gap_max={max(fixed_gaps):.4f} "
        f"sequential_vs_fixed_power_min={min(ratios):.3f} "
        f"sequential_planned_gap_max={max(planned_gaps):.4f}"
    )
    return lines


def main(argv: Sequence[str] | None = None) -> None:
    """Print the evidence report's numbers (see docs/EXPERIMENTS-EVIDENCE.md); the last
    line is one line of name=value pairs."""
    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--experiments", type=int, default=100_000)
    parser.add_argument("--recipients", type=int, default=1_000_000)
    args = parser.parse_args(argv)
    for line in report(args.experiments, args.recipients):
        print(line)


if __name__ == "__main__":
    main()
