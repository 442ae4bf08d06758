"""Always-valid sequential test: consistency of the p-value with the confidence sequence,
and the A/A property that matters: peeking after every batch keeps errors <= alpha."""

from __future__ import annotations

import numpy as np
import pytest

from atn_content.experiments.stats.frequentist import two_proportion_test
from atn_content.experiments.stats.sequential import (
    mixture_rho,
    sequential_from_moments,
    sequential_p_values,
    sequential_test,
)
from atn_content.experiments.stats.simulate import aa_simulation


@pytest.mark.parametrize(
    ("control", "variant"), [((3200, 96), (3200, 140)), ((10_000, 300), (10_000, 310))]
)
def test_p_value_below_alpha_exactly_when_sequence_excludes_zero(
    control: tuple[int, int], variant: tuple[int, int]
) -> None:
    for alpha in (0.01, 0.05, 0.2):
        result = sequential_test(control, variant, alpha, tuning=2 * control[0])
        excludes_zero = result.low > 0 or result.high < 0
        p_at_alpha = sequential_test(control, variant, alpha, tuning=2 * control[0]).p_value
        assert (p_at_alpha < alpha) == excludes_zero
        assert result.low < result.difference < result.high


def test_sequence_is_wider_than_the_fixed_horizon_interval() -> None:
    seq = sequential_test((5000, 150), (5000, 190))
    fixed = two_proportion_test((5000, 150), (5000, 190))
    assert seq.high - seq.low > fixed.high - fixed.low
    assert seq.p_value > fixed.p_value


def test_real_difference_becomes_significant_as_data_grows() -> None:
    small = sequential_test((1000, 30), (1000, 40))
    large = sequential_test((40_000, 1200), (40_000, 1600))
    assert small.p_value > 0.05
    assert large.p_value < 1e-6


def test_vectorised_p_values_match_scalar() -> None:
    rho = mixture_rho(0.05, 5000)
    got = sequential_p_values([3000, 8000], [90, 240], [3000, 8000], [120, 300], rho)
    want = [
        sequential_test((n, a), (n, b)).p_value for n, a, b in [(3000, 90, 120), (8000, 240, 300)]
    ]
    assert got.tolist() == pytest.approx(want, rel=1e-12)


def test_degenerate_inputs_give_no_evidence() -> None:
    assert sequential_test((0, 0), (10, 3)).p_value == 1.0
    assert sequential_test((100, 0), (100, 0)).p_value == 1.0
    assert sequential_from_moments((50, 2.0, 0.0), (50, 2.0, 0.0)).p_value == 1.0


def test_aa_peeking_every_batch_sequential_holds_naive_inflates() -> None:
    aa = aa_simulation(experiments=10_000, batch=500, looks=20, baseline=0.03, seed=11)
    slack = 3 * aa.mc_error
    assert aa.fixed_horizon <= aa.alpha + slack
    assert aa.fixed_horizon >= aa.alpha - slack
    assert aa.sequential_every_look <= aa.alpha + slack
    assert aa.naive_every_look > 2.5 * aa.alpha


def test_sequential_test_still_has_power_when_there_is_an_effect() -> None:
    rng = np.random.default_rng(5)
    n = 10_000
    s_a = rng.binomial(n, 0.03, 2000)
    s_b = rng.binomial(n, 0.03 * 1.3, 2000)
    p = sequential_p_values(n, s_a, n, s_b, mixture_rho(0.05, 2 * n))
    assert float((p < 0.05).mean()) > 0.5
