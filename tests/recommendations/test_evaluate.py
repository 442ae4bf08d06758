"""The evaluation: the split, the metrics and the bootstrap, on data whose answer is known."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from atn_content.recommendations.catalogue import Catalogue
from atn_content.recommendations.evaluate import bootstrap_lift, evaluate, split
from atn_content.recommendations.interactions import Interaction
from atn_content.recommendations.synthetic import generate

CATALOGUE = Catalogue.default()
DAY = 86_400.0
T = 1_790_000_000.0


def test_the_split_trains_on_the_past_and_tests_each_recipient_s_next_interaction() -> None:
    rows = [
        Interaction("a", "moorea", "search", T - 5 * DAY),
        Interaction("a", "tahaa", "click", T + 3 * DAY),
        Interaction("a", "tahiti", "click", T + DAY),
        Interaction("b", "tahiti", "booking", T - DAY),
        Interaction("c", "rurutu", "search", T),
    ]
    past, following = split(rows, T)
    assert past == [rows[0], rows[3]]
    assert following == {"a": rows[2], "c": rows[4]}


def test_metrics_on_a_case_worked_by_hand() -> None:
    # Everyone in market en searched Moorea; popularity is Moorea, then Tahiti (bookings).
    rows = [Interaction(f"p{n}", "moorea", "search", T - 10 * DAY, "en") for n in range(4)]
    rows += [Interaction(f"q{n}", "tahiti", "click", T - 10 * DAY, "en") for n in range(3)]
    # Tested: p0 next searches Moorea again (hit at rank 1 for popularity and the blend);
    # q0 goes to Rurutu, which nobody knows (a miss everywhere).
    rows += [
        Interaction("p0", "moorea", "search", T + DAY, "en"),
        Interaction("q0", "rurutu", "search", T + DAY, "en"),
    ]
    result = evaluate(rows, CATALOGUE, T, resamples=50)
    popularity = result.score("popularity")
    assert (result.test_recipients, result.cold_recipients) == (2, 0)
    assert popularity.recall == pytest.approx(0.5)
    assert popularity.precision == pytest.approx(0.5 / 3)
    assert popularity.ndcg == pytest.approx(0.5)  # rank 1: 1 / log2(2)
    assert result.score("blend").recall == pytest.approx(0.5) and result.lift == 0.0


def test_the_bootstrap_interval_covers_the_truth() -> None:
    rng = np.random.default_rng(3)
    baseline = (rng.random(4000) < 0.3).astype(float)
    treatment = (rng.random(4000) < 0.45).astype(float)
    lift, low, high = bootstrap_lift(treatment, baseline, resamples=400)
    assert low < 0.5 < high and low < lift < high and high - low < 0.3
    same, low, high = bootstrap_lift(baseline, baseline, resamples=100)
    assert same == low == high == 0.0


def test_on_synthetic_data_the_blend_beats_popularity() -> None:
    start, end = dt.datetime(2025, 1, 1, tzinfo=dt.UTC), dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    rows = generate(3000, 21, start, end)
    result = evaluate(rows, CATALOGUE, dt.datetime(2025, 11, 1, tzinfo=dt.UTC).timestamp(),
                      resamples=200)  # fmt: skip
    assert result.lift_low > 0.1, result
    assert result.score("blend").coverage > result.score("popularity").coverage


def test_nothing_to_train_or_test_on_is_an_error() -> None:
    rows = [Interaction("a", "moorea", "search", T)]
    with pytest.raises(ValueError, match="nothing to train on"):
        evaluate(rows, CATALOGUE, T)
    with pytest.raises(ValueError, match="nothing to test on"):
        evaluate(rows, CATALOGUE, T + 1)
