"""The statistics against reference implementations (gbstats 0.8.0, statsmodels, scipy):
expected values come from tests/experiments/stats/stats_cases.json, written by
tests/experiments/stats/oracle/make_stats_cases.py in its own environment (see its docstring).
Each test function takes the cases of the kind its name ends with."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from atn_content.experiments.stats import bayes, power, sequential
from atn_content.experiments.stats import frequentist as stats

DOCUMENT: dict[str, Any] = json.loads(
    (Path(__file__).parent / "stats_cases.json").read_text("utf-8")
)
CASES: list[dict[str, Any]] = DOCUMENT["cases"]
#: Closed forms: agreement to floating-point noise, not "about right".
CLOSE = {"rel": 1e-9, "abs": 1e-12}
#: Interval bounds found by root finding (ours and the oracle's): 1e-9.
ROOT = {"rel": 1e-7, "abs": 1e-9}


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "case" in metafunc.fixturenames:
        kind = metafunc.function.__name__.removeprefix("test_")
        chosen = [c for c in CASES if c["kind"] == kind]
        assert chosen, f"no case of kind {kind!r} in stats_cases.json"
        metafunc.parametrize("case", chosen, ids=[c["id"] for c in chosen])


def approx(value: float | None, **tolerance: float) -> Any:
    return None if value is None else pytest.approx(value, **(tolerance or CLOSE))


def test_the_case_file_is_versioned_and_covers_the_issue() -> None:
    assert DOCUMENT["version"] == 1
    assert DOCUMENT["oracle"]["gbstats"] == "0.8.0"
    assert len(CASES) >= 60
    kinds = {c["kind"] for c in CASES}
    tested = {name.removeprefix("test_") for name in globals() if name.startswith("test_")}
    assert kinds <= tested, f"kinds without a test: {kinds - tested}"
    arm_counts = {len(c["inputs"]["counts"]) for c in CASES if c["kind"] == "chance_to_be_best"}
    assert {3, 4, 5, 6, 7, 8} <= arm_counts
    ids = [(c["kind"], c["id"]) for c in CASES]
    assert len(ids) == len(set(ids))


def test_two_proportion(case: dict[str, Any]) -> None:
    inputs, want = case["inputs"], case["expected"]
    control, variant = tuple(inputs["control"]), tuple(inputs["variant"])
    alpha = inputs["alpha"]
    got = stats.two_proportion_test(control, variant, "B", 1 - alpha)
    assert got.difference == approx(want["difference"])
    assert got.statistic == approx(want["z"], rel=1e-9, abs=1e-9)
    assert got.p_value == approx(want["p_value"], rel=1e-7, abs=1e-14)
    assert (got.low, got.high) == (approx(want["low"], **ROOT), approx(want["high"], **ROOT))
    if want["lift"] is not None:
        assert got.relative_lift == approx(want["lift"])
    assert got.lift_low == approx(want["lift_low"])
    assert got.lift_high == approx(want["lift_high"])
    assert stats.wilson_interval(control[1], control[0], 1 - alpha) == tuple(
        approx(x) for x in want["wilson_control"]
    )
    assert stats.wilson_interval(variant[1], variant[0], 1 - alpha) == tuple(
        approx(x) for x in want["wilson_variant"]
    )
    # the interval agrees with the test's verdict (the Wald interval did not)
    assert (got.low > 0 or got.high < 0) == (got.p_value < alpha)
    seq = sequential.sequential_test(control, variant, alpha, inputs["tuning"])
    if want["gbstats_sequential_message"] is None:
        assert seq.low == approx(want["sequential_low"])
        assert seq.high == approx(want["sequential_high"])
        assert seq.p_value == approx(want["sequential_p_value"])
    elif want["sequential_formula"] is not None:
        # gbstats refuses when one arm has no variance; we keep its sequence (its own
        # formula) while the difference has variance, as the fixed-horizon test does
        formula = want["sequential_formula"]
        assert (seq.low, seq.high) == (approx(formula["low"]), approx(formula["high"]))
        assert seq.p_value == approx(formula["p_value"])
    else:  # no variance at all: "no evidence", as gbstats
        assert seq.p_value == 1.0
    assert seq.lift_low == approx(want["sequential_lift_low"])
    assert seq.lift_high == approx(want["sequential_lift_high"])


def test_welch(case: dict[str, Any]) -> None:
    inputs, want = case["inputs"], case["expected"]
    control, variant = tuple(inputs["control"]), tuple(inputs["variant"])
    got = stats.welch_test(control, variant, "B", 1 - inputs["alpha"])
    assert got.difference == approx(want["difference"])
    assert got.statistic == approx(want["t"])
    assert got.p_value == approx(want["p_value"], rel=1e-7, abs=1e-14)
    assert (got.low, got.high) == (approx(want["low"]), approx(want["high"]))
    assert (got.lift_low, got.lift_high) == (approx(want["lift_low"]), approx(want["lift_high"]))


def test_chance_to_beat(case: dict[str, Any]) -> None:
    counts = [tuple(case["inputs"]["control"]), tuple(case["inputs"]["variant"])]
    got = bayes.chance_to_beat(*bayes.beta_posteriors(counts))
    # the issue asks for 1e-4; the closed form and the quadrature agree to 1e-8
    assert abs(got - case["expected"]["chance_to_beat"]) <= 1e-8


def test_chance_to_be_best(case: dict[str, Any]) -> None:
    counts = [tuple(c) for c in case["inputs"]["counts"]]
    names = [f"arm{i}" for i in range(len(counts))]
    arms = bayes.bayes_summary(names, counts)
    want = case["expected"]["chance_to_be_best"]
    # two arms: exact; more: Monte Carlo with 100,000 draws (standard error <= 0.0016)
    tolerance = 1e-9 if len(counts) == 2 else 0.006
    for arm, expected in zip(arms, want, strict=True):
        assert arm.chance_to_be_best is not None
        assert abs(arm.chance_to_be_best - expected) <= tolerance, arm.name


def test_bayes_no_verdict(case: dict[str, Any]) -> None:
    counts = [tuple(c) for c in case["inputs"]["counts"]]
    names = [f"arm{i}" for i in range(len(counts))]
    arms = bayes.bayes_summary(names, counts)
    for index in case["expected"]["no_verdict"]:
        arm = arms[index]
        assert (arm.chance_to_beat_control, arm.chance_to_be_best, arm.expected_loss) == (
            None,
            None,
            None,
        )
        assert f"No Bayesian verdict for '{arm.name}'" in arm.note
    # where gbstats refuses for want of units, we give no chance to beat either
    for arm, reference in zip(arms[1:], case["expected"]["gbstats"], strict=True):
        if reference["error"] == "NO_UNITS_IN_VARIATION":
            assert arm.chance_to_beat_control is None


def test_holm(case: dict[str, Any]) -> None:
    got = stats.holm(case["inputs"]["p_values"])
    assert got == [approx(x) for x in case["expected"]["adjusted"]]


def test_srm(case: dict[str, Any]) -> None:
    inputs, want = case["inputs"], case["expected"]
    names = [f"arm{i}" for i in range(len(inputs["observed"]))]
    got = stats.sample_ratio_check(names, inputs["observed"], inputs["weights"])
    assert got.p_value == approx(want["p_value"], rel=1e-9, abs=1e-15)
    assert got.p_value == approx(want["gbstats_p_value"], rel=1e-9, abs=1e-15)
    assert got.chi_square == approx(want["chi_square"])
    assert got.blocked == (want["p_value"] < stats.SRM_THRESHOLD)


def test_power(case: dict[str, Any]) -> None:
    got = power.power_two_proportions(**case["inputs"])
    assert got == approx(case["expected"]["power"])


def test_sample_size(case: dict[str, Any]) -> None:
    assert power.sample_size(**case["inputs"]) == case["expected"]["n_control"]


def test_sequential_sample_size(case: dict[str, Any]) -> None:
    inputs = case["inputs"]
    got = power.sample_size_sequential(
        inputs["baseline"], inputs["relative_lift"], inputs["alpha"], tuning=inputs["tuning"]
    )
    assert got == case["expected"]["n_per_arm"]


def test_sequential_power(case: dict[str, Any]) -> None:
    i = case["inputs"]
    n = i["n"]
    got = power.power_sequential(n, n, i["baseline"], i["relative_lift"], i["alpha"], i["tuning"])
    assert got == approx(case["expected"]["power"])


FUNCTIONS: dict[str, Callable[..., object]] = {
    "two_proportion_test": stats.two_proportion_test,
    "wilson_interval": stats.wilson_interval,
    "sequential_test": sequential.sequential_test,
    "bayes_summary": bayes.bayes_summary,
    "sample_size": power.sample_size,
    "power_two_proportions": power.power_two_proportions,
    "sample_ratio_check": stats.sample_ratio_check,
    "welch_test": stats.welch_test,
    "holm": stats.holm,
}


def _decoded(value: Any) -> Any:
    """JSON has no NaN: the case file writes it "nan"; lists of pairs become tuples."""
    if value == "nan":
        return math.nan
    if isinstance(value, list):
        items = [_decoded(v) for v in value]
        return (
            tuple(items)
            if len(items) in (2, 3) and not isinstance(items[0], (list, tuple, str))
            else items
        )
    return value


def test_invalid(case: dict[str, Any]) -> None:
    function = FUNCTIONS[case["inputs"]["function"]]
    args = [_decoded(a) for a in case["inputs"]["args"]]
    with pytest.raises(ValueError) as caught:
        function(*args)
    assert str(caught.value).startswith(f"{case['expected']['argument']}:"), str(caught.value)
