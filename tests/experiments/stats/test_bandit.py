"""Thompson-sampling weights: floor, determinism, explainability."""

from __future__ import annotations

import pytest

from atn_content.experiments.stats.bandit import apply_floor, thompson_weights

NAMES = ["A", "B", "C", "D"]
COUNTS = [(5000, 150), (5000, 210), (5000, 140), (5000, 90)]


def test_weights_sum_to_one_respect_the_floor_and_favour_the_best() -> None:
    result = thompson_weights(NAMES, COUNTS, seed=42)
    assert sum(result.weights) == pytest.approx(1.0)
    assert min(result.weights) >= 0.01 - 1e-12
    assert max(range(4), key=lambda i: result.weights[i]) == 1
    assert result.weights[3] == pytest.approx(0.01)


def test_same_inputs_same_weights_and_inputs_are_recorded() -> None:
    first = thompson_weights(NAMES, COUNTS, seed=42)
    again = thompson_weights(first.names, first.counts, seed=first.seed, draws=first.draws)
    assert again == first
    assert first.counts == tuple(COUNTS)
    assert first.prior == (1.0, 1.0)
    assert first.min_weight == 0.01


def test_no_data_gives_equal_weights() -> None:
    result = thompson_weights(NAMES, [(0, 0)] * 4, seed=1)
    assert result.weights == pytest.approx([0.25] * 4, abs=0.02)


def test_apply_floor_cascades() -> None:
    assert apply_floor([0.995, 0.005], 0.01) == pytest.approx([0.99, 0.01])
    floored = apply_floor([0.9, 0.0095, 0.0905, 0.0], 0.05)
    assert min(floored) >= 0.05 - 1e-12
    assert sum(floored) == pytest.approx(1.0)
    assert floored[1] == floored[3] == pytest.approx(0.05)
    with pytest.raises(ValueError):
        apply_floor([0.5] * 101, 0.01)
