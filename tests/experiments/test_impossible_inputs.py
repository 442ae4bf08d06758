"""Impossible inputs to the public maths get one clear ValueError naming the argument,
never a math domain error, a division by zero, or a quietly wrong number."""

from __future__ import annotations

import math
from collections.abc import Callable

import pytest

from atn_content.experiments.decision import ArmCounts, DecisionRule, decide
from atn_content.experiments.stats.bandit import thompson_weights
from atn_content.experiments.stats.bayes import bayes_summary, beta_posteriors, chance_to_beat
from atn_content.experiments.stats.frequentist import (
    holm,
    sample_moments,
    sample_ratio_check,
    summarise_rate,
    two_proportion_test,
    welch_test,
    wilson_interval,
)
from atn_content.experiments.stats.power import (
    describe_power,
    describe_sample_size,
    minimum_detectable_lift,
    power_sequential,
    power_two_proportions,
    sample_size,
)
from atn_content.experiments.stats.sequential import (
    mixture_rho,
    sequential_from_moments,
    sequential_p_values,
    sequential_test,
)
from atn_content.experiments.stats.simulate import (
    aa_simulation,
    power_by_simulation,
    sequential_power,
)

NAN = math.nan

CASES: list[tuple[str, Callable[[], object], str]] = [
    # successes > recipients: once a math domain error, once p = 5e-17
    ("wilson too many", lambda: wilson_interval(12, 10), "successes"),
    ("summary too many", lambda: summarise_rate("B", 10, 12), "successes"),
    ("z-test variant too many", lambda: two_proportion_test((100, 3), (100, 130)), "variant"),
    ("z-test control too many", lambda: two_proportion_test((100, 300), (100, 3)), "control"),
    ("z-test negative", lambda: two_proportion_test((100, -1), (100, 3)), "control"),
    ("sequential too many", lambda: sequential_test((100, 3), (100, 130)), "variant"),
    ("posteriors too many", lambda: beta_posteriors([(100, 3), (10, 30)]), "counts[1]"),
    ("bayes too many", lambda: bayes_summary(["A", "B"], [(100, 300), (100, 3)]), "counts[0]"),
    # NaN counts: once p = 1.0, once a 1.0 chance to be best
    ("z-test NaN", lambda: two_proportion_test((NAN, 3), (100, 5)), "control"),
    ("z-test NaN successes", lambda: two_proportion_test((100, 3), (100, NAN)), "variant"),
    ("bayes NaN", lambda: bayes_summary(["A", "B"], [(1000, 30), (NAN, NAN)]), "counts[1]"),
    ("wilson NaN", lambda: wilson_interval(NAN, 10), "successes"),
    ("wilson fraction", lambda: wilson_interval(1.5, 10), "successes"),
    ("welch NaN", lambda: welch_test((10, NAN, 1.0), (10, 1.0, 1.0)), "control"),
    ("welch squares", lambda: welch_test((10, 100.0, 5.0), (10, 1.0, 1.0)), "control"),
    (
        "moments negative variance",
        lambda: sequential_from_moments((10, 0.1, -1), (10, 0.1, 0.1)),
        "control",
    ),
    ("chance to beat NaN", lambda: chance_to_beat((NAN, 2.0), (2.0, 2.0)), "control"),
    ("chance to beat zero", lambda: chance_to_beat((1.0, 2.0), (0.0, 2.0)), "variant"),
    ("p-values vector", lambda: sequential_p_values([10], [11], [10], [1], 0.01), "s_a"),
    ("p-values rho", lambda: sequential_p_values([10], [1], [10], [1], 0.0), "rho"),
    # division by zero
    ("sample size no lift", lambda: sample_size(0.1, 0.0), "relative_lift"),
    ("power no control", lambda: power_two_proportions(0, 100, 0.1, 0.1), "n_control"),
    ("power no variant", lambda: power_sequential(100, 0, 0.1, 0.1), "n_variant"),
    (
        "srm zero weight",
        lambda: sample_ratio_check(["A", "B"], [10, 12], [0.5, 0.0]),
        "expected_weights",
    ),
    ("srm lengths", lambda: sample_ratio_check(["A", "B"], [10, 12, 3], [1, 1]), "observed"),
    ("srm negative", lambda: sample_ratio_check(["A", "B"], [10, -2], [1, 1]), "observed"),
    # other impossible settings
    ("alpha zero", lambda: two_proportion_test((100, 3), (100, 5), confidence=1.0), "confidence"),
    ("rho alpha", lambda: mixture_rho(1.5), "alpha"),
    ("rho tuning", lambda: mixture_rho(0.05, 0.0), "tuning"),
    ("baseline", lambda: sample_size(1.2, 0.1), "baseline"),
    ("baseline NaN", lambda: power_two_proportions(100, 100, NAN, 0.1), "baseline"),
    ("lift NaN", lambda: power_two_proportions(100, 100, 0.1, NAN), "relative_lift"),
    ("power target", lambda: sample_size(0.1, 0.1, power=1.0), "power"),
    ("ratio", lambda: sample_size(0.1, 0.1, ratio=0.0), "ratio"),
    ("mde alpha", lambda: minimum_detectable_lift(100, 100, 0.1, alpha=0.0), "alpha"),
    ("holm NaN", lambda: holm([0.01, NAN]), "p_values"),
    ("holm above 1", lambda: holm([0.01, 1.5]), "p_values"),
    ("describe one weight", lambda: describe_power(1000, 0.5, 0.03, weights=(1.0,)), "weights"),
    ("describe fraction", lambda: describe_power(1000, 0.0, 0.03), "test_fraction"),
    ("describe size NaN", lambda: describe_sample_size(0.03, NAN), "relative_lift"),
    ("moments impossible", lambda: sample_moments(4, 10.0, 1.0), "arm"),
    ("decide one arm", lambda: decide([ArmCounts("A", 10)], [1.0], DecisionRule()), "arms"),
    (
        "decide weights",
        lambda: decide([ArmCounts("A", 10), ArmCounts("B", 10)], [1.0], DecisionRule()),
        "planned_weights",
    ),
    (
        "decide clicks",
        lambda: decide(
            [ArmCounts("A", 10), ArmCounts("B", 10, clicks=11)], [0.5, 0.5], DecisionRule()
        ),
        "arms[1]",
    ),
    (
        "decide alpha",
        lambda: decide(
            [ArmCounts("A", 10), ArmCounts("B", 10)], [0.5, 0.5], DecisionRule(alpha=NAN)
        ),
        "rule.alpha",
    ),
    ("bandit too many", lambda: thompson_weights(["A", "B"], [(10, 1), (10, 11)], 1), "counts[1]"),
    (
        "bayes min",
        lambda: bayes_summary(["A", "B"], [(10, 1), (10, 1)], min_recipients=-1),
        "min_recipients",
    ),
    ("aa looks", lambda: aa_simulation(100, 10, looks=0), "looks"),
    ("power sim lift", lambda: power_by_simulation(100, 0.5, 1.5), "relative_lift"),
    ("sequential sim n", lambda: sequential_power(0, 0.1, 0.1), "n_per_arm"),
]


@pytest.mark.parametrize(("call", "argument"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_impossible_input_raises_a_value_error_naming_the_argument(
    call: Callable[[], object], argument: str
) -> None:
    with pytest.raises(ValueError) as caught:
        call()
    message = str(caught.value)
    assert message.startswith(f"{argument}:"), message
    assert "domain" not in message and "division" not in message


def test_possible_edges_still_answer() -> None:
    assert wilson_interval(10, 10)[1] == 1.0
    assert two_proportion_test((100, 0), (100, 0)).p_value == 1.0
    assert two_proportion_test((100.0, 3.0), (100.0, 5.0)).p_value > 0.05  # whole floats
    assert sample_ratio_check(["A", "B"], [0, 0], [1, 1]).p_value == 1.0
    assert holm([0.0, 1.0]) == [0.0, 1.0]
