"""The evidence document's claims at a size that makes them tight (slow: run with
`pytest -m slow`); the default run checks the same at smaller sizes in test_sequential.py,
test_power.py and test_simulate.py."""

from __future__ import annotations

import math

import pytest

from atn_content.experiments.stats.power import (
    power_sequential,
    sample_size,
    sample_size_sequential,
)
from atn_content.experiments.stats.simulate import aa_simulation, sequential_power

pytestmark = pytest.mark.slow

EXPERIMENTS = 60_000


@pytest.mark.parametrize(("batch", "baseline"), [(500, 0.03), (100, 0.05), (2000, 0.01)])
def test_sequential_test_keeps_false_positives_below_alpha_under_50_peeks(
    batch: int, baseline: float
) -> None:
    aa = aa_simulation(EXPERIMENTS, batch, looks=50, baseline=baseline, seed=batch)
    assert aa.sequential_every_look <= aa.alpha
    assert abs(aa.fixed_horizon - aa.alpha) <= 4 * aa.mc_error
    assert aa.naive_every_look > 5 * aa.alpha


@pytest.mark.parametrize(("baseline", "lift"), [(0.03, 0.15), (0.01, 0.3)])
def test_planned_sequential_power_is_what_the_test_delivers(baseline: float, lift: float) -> None:
    n = sample_size_sequential(baseline, lift)
    simulated = sequential_power(n, baseline, lift, looks=50, experiments=EXPERIMENTS, seed=8)
    planned = power_sequential(n, n, baseline, lift, tuning=simulated.tuning)
    assert planned == pytest.approx(0.8, abs=1e-3)
    assert abs(simulated.final_look - planned) <= 0.02
    assert simulated.any_look >= simulated.final_look  # acting on the first look gains


def test_sequential_test_costs_power_at_the_fixed_horizon_size() -> None:
    n = sample_size(0.03, 0.15)
    simulated = sequential_power(n, 0.03, 0.15, looks=50, experiments=EXPERIMENTS, seed=9)
    error = math.sqrt(0.25 / EXPERIMENTS)
    assert 0.45 < simulated.any_look < 0.8 - 10 * error
