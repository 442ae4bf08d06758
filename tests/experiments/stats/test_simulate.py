"""The simulation helpers use the same formulas as the production functions."""

from __future__ import annotations

import numpy as np
import pytest

from atn_content.experiments import lifecycle
from atn_content.experiments.definitions import parse_definition
from atn_content.experiments.stats.frequentist import two_proportion_test
from atn_content.experiments.stats.simulate import (
    production_tuning,
    report,
    split_z_scores,
    z_test_p_values,
)


def test_vectorised_z_test_matches_two_proportion_test() -> None:
    cases = [(3200, 96, 3200, 131), (5000, 40, 5100, 41), (100, 0, 100, 0)]
    arrays = [np.array(col, dtype=np.float64) for col in zip(*cases, strict=True)]
    got = z_test_p_values(*arrays)
    want = [two_proportion_test((na, sa), (nb, sb)).p_value for na, sa, nb, sb in cases]
    assert got.tolist() == pytest.approx(want, rel=1e-9)


def test_split_z_scores_counts_only_tested_arms() -> None:
    arms = np.array([0, 1, 0, 1, -1, -2] * 1000)
    z = split_z_scores(arms, [1 / 3, 1 / 3])
    assert z == pytest.approx([0.0, 0.0], abs=1e-9)


def test_report_runs_small_and_ends_with_name_value_pairs() -> None:
    lines = report(300, recipients=2000)
    assert len(lines) == 16
    assert lines[0].startswith("split ids=2,000")
    assert "in both tests=0" in lines[3]
    assert lines[4].startswith("A/A") and "looks=50" in lines[4] and "tuning=50000" in lines[4]
    pairs = dict(item.split("=") for item in lines[-1].split())
    assert {"aa_sequential_max", "sequential_planned_gap_max", "experiments"} <= set(pairs)
    assert all(float(v) >= 0 for v in pairs.values())


def test_simulations_use_the_tuning_a_launch_stores() -> None:
    definition = parse_definition(
        {
            "key": "k",
            "name": "n",
            "kind": "subject",
            "template": "t",
            "decision": {"mode": "sequential"},
            "planning": {"audience": 50_000},
            "variants": [{"key": "A"}, {"key": "B", "subject": "B"}],
        }
    )
    stored = lifecycle.launched(definition, 0.0, "api").sequential_tuning
    assert production_tuning(25_000) == stored == 50_000
