"""Frequentist statistics checked against scipy's own tests and textbook values."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats as sps

from atn_content.experiments.stats.frequentist import (
    holm,
    sample_ratio_check,
    summarise_rate,
    two_proportion_test,
    welch_test,
    wilson_interval,
)


def test_wilson_interval_textbook_values() -> None:
    low, high = wilson_interval(0, 10)
    assert low == 0.0
    assert high == pytest.approx(0.2775, abs=1e-4)
    assert wilson_interval(5, 10) == pytest.approx((0.2366, 0.7634), abs=1e-4)
    assert wilson_interval(0, 0) == (0.0, 1.0)


def test_summarise_rate_uses_wilson() -> None:
    summary = summarise_rate("B", 9600, 288)
    assert summary.rate == pytest.approx(0.03)
    assert summary.low < 0.03 < summary.high
    assert (summary.low, summary.high) == wilson_interval(288, 9600)


@pytest.mark.parametrize(("a", "b"), [((3200, 96), (3200, 131)), ((5000, 40), (5100, 41))])
def test_two_proportion_test_equals_chi_square_without_correction(
    a: tuple[int, int], b: tuple[int, int]
) -> None:
    table = [[a[1], a[0] - a[1]], [b[1], b[0] - b[1]]]
    chi2, p, _, _ = sps.chi2_contingency(table, correction=False)
    result = two_proportion_test(a, b, "B")
    assert result.p_value == pytest.approx(p, rel=1e-9)
    assert result.statistic**2 == pytest.approx(chi2, rel=1e-9)
    assert result.difference == pytest.approx(b[1] / b[0] - a[1] / a[0])
    assert result.low < result.difference < result.high


def test_welch_test_from_sums_equals_scipy_on_raw_values() -> None:
    rng = np.random.default_rng(7)
    a = rng.exponential(1000, 800) * (rng.random(800) < 0.05)
    b = rng.exponential(1300, 900) * (rng.random(900) < 0.05)
    result = welch_test(
        (len(a), float(a.sum()), float((a * a).sum())),
        (len(b), float(b.sum()), float((b * b).sum())),
    )
    reference = sps.ttest_ind(b, a, equal_var=False)
    assert result.statistic == pytest.approx(reference.statistic, rel=1e-6)
    assert result.p_value == pytest.approx(reference.pvalue, rel=1e-6)
    assert result.difference == pytest.approx(b.mean() - a.mean())


def test_welch_test_without_variance_is_not_significant() -> None:
    assert welch_test((10, 0.0, 0.0), (10, 0.0, 0.0)).p_value == 1.0


def test_holm_adjustment() -> None:
    assert holm([0.01, 0.04, 0.03]) == pytest.approx([0.03, 0.06, 0.06])
    assert holm([0.5, 0.9]) == [1.0, 1.0]
    assert holm([]) == []


def test_sample_ratio_check_passes_a_fair_split() -> None:
    check = sample_ratio_check(["A", "B", "C"], [3210, 3190, 3200], [1, 1, 1])
    assert not check.blocked
    assert check.p_value > 0.5


def test_sample_ratio_mismatch_blocks_and_says_why() -> None:
    check = sample_ratio_check(["A", "B"], [5000, 5400], [0.5, 0.5])
    assert check.blocked
    assert check.p_value == pytest.approx(sps.chi2.sf(2 * 200**2 / 5200, 1), rel=1e-6)
    assert "blocked" in check.message
    assert "'B'" in check.message or "'A'" in check.message
    assert "5,400" in check.message


def test_empty_arms_give_no_evidence_instead_of_crashing() -> None:
    assert two_proportion_test((0, 0), (10, 2)).p_value == 1.0
    assert welch_test((1, 5.0, 25.0), (10, 50.0, 300.0)).p_value == 1.0


def test_difference_interval_agrees_with_the_pooled_test() -> None:
    result = two_proportion_test((100_000, 3000), (1000, 42))
    assert result.p_value == pytest.approx(0.027, abs=5e-4)
    assert result.low > 0  # the Wald interval crossed 0 here


@pytest.mark.parametrize(
    ("a", "b"), [((500, 0), (500, 0)), ((400, 400), (400, 400)), ((300, 0), (300, 300))]
)
def test_difference_interval_does_not_collapse_at_zero_or_full_arms(
    a: tuple[int, int], b: tuple[int, int]
) -> None:
    result = two_proportion_test(a, b)
    assert result.low < result.difference or result.difference == -1
    assert result.difference < result.high or result.difference == 1
    assert -1 <= result.low <= result.high <= 1


def test_verdicts_of_interval_and_test_agree_on_a_grid() -> None:
    rng = np.random.default_rng(3)
    for _ in range(400):
        n_a, n_b = (int(x) for x in rng.integers(20, 20_000, 2))
        p = rng.uniform(0.001, 0.3)
        s_a, s_b = int(rng.binomial(n_a, p)), int(rng.binomial(n_b, p * rng.uniform(0.7, 1.5)))
        result = two_proportion_test((n_a, s_a), (n_b, s_b))
        excludes_zero = result.low > 0 or result.high < 0
        assert excludes_zero == (result.p_value < 0.05), (n_a, s_a, n_b, s_b)


def test_relative_lift_has_its_own_delta_method_interval() -> None:
    result = two_proportion_test((10_000, 300), (10_000, 345))
    assert result.relative_lift == pytest.approx(0.15)
    assert result.lift_low is not None and result.lift_high is not None
    assert result.lift_low < 0.15 < result.lift_high
    assert two_proportion_test((10_000, 0), (10_000, 5)).lift_low is None  # no baseline
