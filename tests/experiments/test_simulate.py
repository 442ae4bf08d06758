"""The simulation helpers use the same formulas as the production functions."""

from __future__ import annotations

import numpy as np
import pytest

from atn_content.experiments.simulate import report, split_z_scores, z_test_p_values
from atn_content.experiments.stats import two_proportion_test


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


def test_report_runs_small() -> None:
    lines = report(2000, recipients=20_000)
    assert len(lines) == 10
    assert lines[0].startswith("split ids=20,000")
    assert "in both tests=0" in lines[3]
    assert lines[4].startswith("A/A") and "sequential_any_look=" in lines[4]
