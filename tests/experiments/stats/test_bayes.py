"""Beta-Binomial results: exact chance to beat, Monte Carlo consistency, determinism."""

from __future__ import annotations

import pytest

from atn_content.experiments.stats.bayes import bayes_summary, beta_posteriors, chance_to_beat


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


def test_closed_form_refuses_non_integer_parameters() -> None:
    with pytest.raises(ValueError, match=r"^variant: Beta parameters must be whole numbers"):
        chance_to_beat((1.0, 1.0), (1.5, 1.0))


@pytest.mark.parametrize(
    ("control", "variant"),
    [
        ((1 + 25_000, 1 + 500_000), (1 + 25_300, 1 + 500_000)),
        ((1 + 21_000, 1 + 9_000_000), (1 + 400_000, 1 + 160_000_000)),  # very unequal
        ((1 + 30_000, 1 + 30_000), (1 + 21_000, 1 + 20_500)),
    ],
)
def test_large_counts_use_a_quadrature_that_agrees_with_the_closed_form(
    control: tuple[int, int], variant: tuple[int, int]
) -> None:
    from atn_content.experiments.stats import bayes

    assert min(*control, *variant) > bayes.EXACT_LIMIT
    approximate = bayes.chance_to_beat(control, variant)
    saved = bayes.EXACT_LIMIT
    try:
        bayes.EXACT_LIMIT = 10**9
        exact = bayes.chance_to_beat(control, variant)
    finally:
        bayes.EXACT_LIMIT = saved
    assert abs(approximate - exact) < 1e-9


def _integrated_chance_to_beat(control: tuple[int, int], variant: tuple[int, int]) -> float:
    """P(variant rate > control rate) by numerical integration over the control's posterior."""
    from scipy import integrate
    from scipy import stats as sps

    (a_a, b_a), (a_b, b_b) = beta_posteriors([control, variant])
    posterior = sps.beta(a_a, b_a)
    low, high = posterior.ppf(1e-13), posterior.isf(1e-13)
    value, _ = integrate.quad(
        lambda x: posterior.pdf(x) * sps.beta.sf(x, a_b, b_b),
        low,
        high,
        epsabs=1e-13,
        limit=500,
        points=[posterior.mean()],
    )
    return float(value)


ASYMMETRIC = [
    ((1000, 30), (1_000_000, 30_500)),  # the issue: 0.4682 instead of 0.4908
    ((100, 5), (500_000, 25_000)),  # the issue: 0.3518 instead of 0.3930
    ((500_000, 25_000), (100, 5)),
    ((2000, 0), (900_000, 30_000)),
    ((50_000, 49_990), (60_000, 59_990)),  # nearly every recipient converts
    ((1_000_000, 30_000), (1_000_000, 30_400)),  # both large
    ((3_000_000, 1_050_000), (40_000, 14_300)),  # open rates, very unequal arms
    ((30, 1), (2_000_000, 60_000)),
    ((200_000, 25_000), (200_000, 24_000)),
]


@pytest.mark.parametrize(("control", "variant"), ASYMMETRIC)
def test_chance_to_beat_agrees_with_numerical_integration_on_asymmetric_arms(
    control: tuple[int, int], variant: tuple[int, int]
) -> None:
    got = chance_to_beat(*beta_posteriors([control, variant]))
    assert abs(got - _integrated_chance_to_beat(control, variant)) <= 1e-4


def test_issue_cases_give_the_integrated_value() -> None:
    assert chance_to_beat(*beta_posteriors([(1000, 30), (1_000_000, 30_500)])) == pytest.approx(
        0.4908, abs=1e-4
    )
    assert chance_to_beat(*beta_posteriors([(100, 5), (500_000, 25_000)])) == pytest.approx(
        0.3930, abs=1e-4
    )


def test_an_empty_arm_gets_no_bayesian_verdict_and_says_why() -> None:
    control, empty = bayes_summary(["A", "B"], [(1000, 30), (0, 0)])
    assert empty.chance_to_beat_control is None
    assert empty.chance_to_be_best is None and empty.expected_loss is None
    assert "'B'" in empty.note and "0 recipients" in empty.note
    assert control.chance_to_be_best is None  # best of one arm is no verdict either
    assert "fewer than two arms" in control.note


def test_a_too_small_arm_is_left_out_of_chance_to_be_best() -> None:
    from atn_content.experiments.stats.bayes import MIN_RECIPIENTS

    counts = [(4000, 120), (4000, 160), (MIN_RECIPIENTS - 1, 50)]
    a, b, c = bayes_summary(["A", "B", "C"], counts)
    assert c.chance_to_be_best is None and c.chance_to_beat_control is None
    assert f"at least {MIN_RECIPIENTS}" in c.note
    assert a.chance_to_be_best is not None and b.chance_to_be_best is not None
    assert a.chance_to_be_best + b.chance_to_be_best == pytest.approx(1.0)
    # a too-small control: nobody gets a chance to beat it
    small_control = bayes_summary(["A", "B", "C"], [(10, 1), (4000, 160), (4000, 120)])
    assert all(arm.chance_to_beat_control is None for arm in small_control)
    assert "control 'A'" in small_control[1].note


def test_with_two_arms_chance_to_be_best_is_the_exact_chance_to_beat() -> None:
    counts = [(3200, 96), (3200, 120)]
    control, variant = bayes_summary(["A", "B"], counts, draws=1000)
    exact = chance_to_beat(*beta_posteriors(counts))
    assert variant.chance_to_be_best == variant.chance_to_beat_control == exact
    assert control.chance_to_be_best == 1 - exact
