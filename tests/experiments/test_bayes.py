"""Beta-Binomial results: exact chance to beat, Monte Carlo consistency, determinism."""

from __future__ import annotations

import pytest

from atn_content.experiments.bayes import bayes_summary, beta_posteriors, chance_to_beat


def test_chance_to_beat_is_symmetric_and_exact() -> None:
    a, b = (41.0, 960.0), (55.0, 946.0)
    assert chance_to_beat(a, b) + chance_to_beat(b, a) == pytest.approx(1.0, abs=1e-9)
    assert chance_to_beat(a, a) == pytest.approx(0.5, abs=1e-9)
    # Beta(1,1) vs Beta(2,1): P(Y > X) = 2/3 exactly.
    assert chance_to_beat((1.0, 1.0), (2.0, 1.0)) == pytest.approx(2 / 3, abs=1e-12)


def test_monte_carlo_agrees_with_exact_for_two_arms() -> None:
    counts = [(3200, 96), (3200, 120)]
    control, variant = bayes_summary(["A", "B"], counts, draws=200_000)
    exact = chance_to_beat(*beta_posteriors(counts))
    assert control.chance_to_beat_control is None
    assert variant.chance_to_beat_control == exact
    assert variant.chance_to_be_best == pytest.approx(exact, abs=0.005)
    assert control.chance_to_be_best + variant.chance_to_be_best == pytest.approx(1.0)


def test_expected_loss_is_smallest_for_the_likely_best_arm() -> None:
    arms = bayes_summary(["A", "B", "C"], [(4000, 120), (4000, 160), (4000, 118)])
    best = max(arms, key=lambda a: a.chance_to_be_best)
    assert best.name == "B"
    assert best.expected_loss == min(a.expected_loss for a in arms)
    assert all(a.expected_loss >= 0 for a in arms)


def test_results_are_deterministic_for_a_seed() -> None:
    counts = [(1000, 30), (1000, 33), (1000, 29)]
    names = ["A", "B", "C"]
    assert bayes_summary(names, counts, seed=3) == bayes_summary(names, counts, seed=3)


def test_closed_form_refuses_non_integer_alpha() -> None:
    with pytest.raises(ValueError, match="integer alpha"):
        chance_to_beat((1.0, 1.0), (1.5, 1.0))


def test_large_counts_use_a_normal_approximation_that_agrees_with_the_closed_form() -> None:
    from atn_content.experiments import bayes

    control, variant = (1 + 25_000, 1 + 500_000), (1 + 25_300, 1 + 500_000)
    assert variant[0] > bayes.EXACT_LIMIT
    approximate = bayes.chance_to_beat(control, variant)
    saved = bayes.EXACT_LIMIT
    try:
        bayes.EXACT_LIMIT = 10**9
        exact = bayes.chance_to_beat(control, variant)
    finally:
        bayes.EXACT_LIMIT = saved
    assert abs(approximate - exact) < 1e-4
