"""Sample size, minimum detectable effect, the launch sentence, and a power simulation."""

from __future__ import annotations

import math

import pytest

from atn_content.experiments.stats.power import (
    describe_power,
    describe_sample_size,
    minimum_detectable_lift,
    power_sequential,
    power_two_proportions,
    reachable,
    sample_size,
    sample_size_sequential,
)
from atn_content.experiments.stats.simulate import power_by_simulation, sequential_power


def test_sample_size_close_to_published_calculators() -> None:
    # Evan Miller's calculator: 3 % baseline, 15 % relative MDE, 80 % power, 5 % -> ~24,200.
    assert sample_size(0.03, 0.15) == pytest.approx(24_200, rel=0.01)
    # Classic textbook case: 10 % vs 12 %, 80 % power, 5 % two-sided -> 3,841 per arm.
    assert sample_size(0.10, 0.20) == pytest.approx(3841, abs=5)


def test_sample_size_and_mde_are_inverse() -> None:
    n = sample_size(0.03, 0.15, power=0.8)
    assert power_two_proportions(n, n, 0.03, 0.15) == pytest.approx(0.8, abs=1e-3)
    assert minimum_detectable_lift(n, n, 0.03) == pytest.approx(0.15, rel=0.01)


def test_unequal_allocation_needs_more_recipients() -> None:
    even = sample_size(0.03, 0.2)
    lopsided = sample_size(0.03, 0.2, ratio=0.25)
    assert lopsided * 1.25 > even * 2


@pytest.mark.parametrize(("baseline", "lift"), [(0.03, 0.15), (0.2, 0.05)])
def test_power_simulation_agrees_with_formula(baseline: float, lift: float) -> None:
    n = sample_size(baseline, lift, power=0.8)
    simulated = power_by_simulation(n, baseline, lift, experiments=20_000, seed=9)
    mc_error = math.sqrt(0.8 * 0.2 / 20_000)
    assert abs(simulated - 0.8) < 3 * mc_error + 0.005


def test_launch_sentence() -> None:
    sentence = describe_power(48_000, 0.2, 0.03, "click rate", weights=(1, 1, 1))
    lift = minimum_detectable_lift(3200, 3200, 0.03, alpha=0.025)
    assert sentence == (
        "with 20 % of 48,000 recipients (9,600, 3 variants) you can detect a "
        f"{lift * 100:.0f} % relative lift in click rate "
        "(baseline 3.0 %, 5 % significance, 80 % power)"
    )
    assert 0.4 < lift < 0.6


def test_tiny_tests_say_no_realistic_lift() -> None:
    assert "no realistic lift" in describe_power(200, 0.1, 0.001)


def test_sequential_power_formula_agrees_with_final_look_simulation() -> None:
    n = sample_size(0.03, 0.15)
    simulated = sequential_power(n, 0.03, 0.15, looks=20, experiments=20_000, seed=4)
    formula = power_sequential(n, n, 0.03, 0.15, tuning=simulated.tuning)
    mc_error = math.sqrt(formula * (1 - formula) / 20_000)
    assert simulated.tuning == 2 * n  # what a launch planned at n per arm stores
    assert abs(simulated.final_look - formula) < 3 * mc_error + 0.005
    assert simulated.any_look >= simulated.final_look
    assert formula < power_two_proportions(n, n, 0.03, 0.15)


def test_sequential_plan_gives_the_planned_power() -> None:
    n = sample_size_sequential(0.03, 0.15)
    simulated = sequential_power(n, 0.03, 0.15, looks=10, experiments=8000, seed=6)
    assert abs(simulated.final_look - 0.8) < 0.02


def test_sequential_launch_sentence_needs_a_bigger_lift() -> None:
    fixed = minimum_detectable_lift(24_000, 24_000, 0.03)
    sequential = minimum_detectable_lift(24_000, 24_000, 0.03, sequential=True)
    assert sequential > fixed
    sentence = describe_power(48_000, 1.0, 0.03, sequential=True)
    assert sentence.endswith("80 % power, sequential test)")
    assert f"{sequential * 100:.0f} % relative lift" in sentence


def test_a_lift_past_100_percent_is_not_reachable() -> None:
    assert reachable(0.03, 0.15) and not reachable(0.9, 0.15)
    sentence = describe_sample_size(0.9, 0.15)
    assert "not reachable" in sentence and "103.5 %" in sentence
    assert describe_sample_size(0.03, 0.15).startswith("Detecting a 15 % relative lift needs")
    with pytest.raises(ValueError, match="100 %"):
        sample_size(0.9, 0.15)
    assert "no lift (any detectable one would need a rate over 100 %)" in describe_power(
        100, 1.0, 0.97
    )
