"""Monte Carlo checks of the experiment maths, vectorised with numpy so that tens of
thousands of simulated experiments take seconds. Tests call these with modest sizes;
docs/EXPERIMENTS-EVIDENCE.md records a larger run (``python -m
atn_content.experiments.simulate``).
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy import stats as sps

from atn_content.experiments.sequential import mixture_rho, sequential_p_values

__all__ = [
    "AAResult",
    "aa_simulation",
    "power_by_simulation",
    "sequential_power",
    "split_z_scores",
    "z_test_p_values",
]

Floats = npt.NDArray[np.float64]


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
    fixed_horizon: float
    sequential_every_look: float
    naive_every_look: float
    mc_error: float


def aa_simulation(
    experiments: int = 10_000,
    batch: int = 500,
    looks: int = 20,
    baseline: float = 0.03,
    alpha: float = 0.05,
    seed: int = 1,
) -> AAResult:
    """A/A tests: both arms share ``baseline``; ``batch`` recipients per arm arrive between
    looks. A test "fires" when a look's p-value is below alpha. The sequential test is
    tuned to the planned total sample (2 * batch * looks)."""
    rng = np.random.default_rng(seed)
    shape = (experiments, looks)
    s_a = rng.binomial(batch, baseline, size=shape).cumsum(axis=1).astype(np.float64)
    s_b = rng.binomial(batch, baseline, size=shape).cumsum(axis=1).astype(np.float64)
    n = np.broadcast_to(batch * np.arange(1, looks + 1, dtype=np.float64), shape)
    naive = z_test_p_values(n, s_a, n, s_b)
    rho = mixture_rho(alpha, tuning=2 * batch * looks)
    seq = sequential_p_values(n, s_a, n, s_b, rho)
    return AAResult(
        experiments=experiments,
        looks=looks,
        alpha=alpha,
        fixed_horizon=float((naive[:, -1] < alpha).mean()),
        sequential_every_look=float((seq < alpha).any(axis=1).mean()),
        naive_every_look=float((naive < alpha).any(axis=1).mean()),
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
    rng = np.random.default_rng(seed)
    s_a = rng.binomial(n_per_arm, baseline, size=experiments).astype(np.float64)
    s_b = rng.binomial(n_per_arm, baseline * (1 + relative_lift), size=experiments)
    n = np.full(experiments, float(n_per_arm))
    return float((z_test_p_values(n, s_a, n, s_b.astype(np.float64)) < alpha).mean())


def sequential_power(
    n_per_arm: int,
    baseline: float,
    relative_lift: float,
    looks: int = 20,
    alpha: float = 0.05,
    experiments: int = 10_000,
    seed: int = 3,
) -> float:
    """Share of experiments with a true lift that the sequential test flags at any of
    ``looks`` evenly spaced looks (the price of being safe to peek)."""
    rng = np.random.default_rng(seed)
    batch = n_per_arm // looks
    shape = (experiments, looks)
    s_a = rng.binomial(batch, baseline, size=shape).cumsum(axis=1)
    s_b = rng.binomial(batch, baseline * (1 + relative_lift), size=shape).cumsum(axis=1)
    n = np.broadcast_to(batch * np.arange(1, looks + 1, dtype=np.float64), shape)
    p = sequential_p_values(n, s_a, n, s_b, mixture_rho(alpha, 2 * batch * looks))
    return float((p < alpha).any(axis=1).mean())


def report(experiments: int, recipients: int = 1_000_000) -> list[str]:
    """The evidence report's lines: splits, namespaces, A/A error rates, power."""
    from atn_content.experiments.allocation import Allocator, Namespace
    from atn_content.experiments.power import (
        power_sequential,
        power_two_proportions,
        sample_size,
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
    for batch, looks, baseline in ((500, 20, 0.03), (100, 50, 0.05), (2000, 10, 0.01)):
        aa = aa_simulation(experiments, batch, looks, baseline, seed=batch + looks)
        lines.append(
            f"A/A baseline={baseline:.0%} batch={batch}/arm looks={looks} "
            f"experiments={experiments}: fixed={aa.fixed_horizon:.4f} "
            f"sequential_any_look={aa.sequential_every_look:.4f} "
            f"naive_any_look={aa.naive_every_look:.4f} (alpha={aa.alpha}, "
            f"MC error={aa.mc_error:.4f})"
        )
    for baseline, lift, target in ((0.03, 0.15, 0.8), (0.2, 0.05, 0.9), (0.01, 0.3, 0.8)):
        n = sample_size(baseline, lift, power=target)
        simulated = power_by_simulation(n, baseline, lift, experiments=experiments)
        formula = power_two_proportions(n, n, baseline, lift)
        error = math.sqrt(target * (1 - target) / experiments)
        peeking = sequential_power(n, baseline, lift, 20, experiments=experiments)
        lines.append(
            f"power baseline={baseline:.0%} lift={lift:.0%} n/arm={n}: "
            f"formula={formula:.4f} simulated={simulated:.4f} (MC error={error:.4f}) "
            f"sequential_final_look_formula={power_sequential(n, n, baseline, lift):.4f} "
            f"sequential_20_looks={peeking:.4f}"
        )
    return lines


def main(argv: Sequence[str] | None = None) -> None:
    """Print the evidence report's numbers (see docs/EXPERIMENTS-EVIDENCE.md)."""
    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--experiments", type=int, default=100_000)
    parser.add_argument("--recipients", type=int, default=1_000_000)
    args = parser.parse_args(argv)
    for line in report(args.experiments, args.recipients):
        print(line)


if __name__ == "__main__":
    main()
