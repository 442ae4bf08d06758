"""One sequential tuning, chosen at launch and stored with the experiment, used by the
launch sentence, decide() and the results alike (pure: no store)."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest

from atn_content.experiments import lifecycle
from atn_content.experiments.decision import ArmCounts
from atn_content.experiments.definitions import Definition, parse_definition
from atn_content.experiments.records import Record
from atn_content.experiments.results import build_results
from atn_content.experiments.stats.power import (
    minimum_detectable_lift,
    power_sequential,
    sample_size,
    sample_size_sequential,
)
from atn_content.experiments.stats.sequential import sequential_test

T0 = 1_795_000_000.0


def definition(mode: str = "sequential", **planning: Any) -> Definition:
    return parse_definition(
        {
            "key": "seq",
            "name": "Sequential subject",
            "kind": "subject",
            "template": "newsletter-destination",
            "test_fraction": 0.5,
            "decision": {"mode": mode, "horizon_hours": 48},
            "planning": {"baseline_rate": 0.03, **planning},
            "variants": [{"key": "A"}, {"key": "B", "subject": "Tahiti"}],
        }
    )


def counters(arms: dict[str, tuple[int, int]]) -> dict[str, dict[str, dict[str, float]]]:
    return {
        k: {"exposure": {"count": n}, "click": {"count": c}, "click.human": {"count": c}}
        for k, (n, c) in arms.items()
    }


def test_launch_stores_the_tuning_of_the_planned_comparison() -> None:
    record = lifecycle.launched(definition(audience=200_000), T0, "api")
    # 50 % of 200,000 tested, control + variant = 100,000 recipients in the comparison
    assert record.sequential_tuning == 100_000
    no_audience = lifecycle.launched(definition(), T0, "api")
    per_arm = sample_size_sequential(0.03, 0.15, 0.05)
    assert no_audience.sequential_tuning == 2 * per_arm


def test_decide_and_results_analyse_with_the_stored_tuning() -> None:
    record = lifecycle.launched(definition(audience=200_000), T0, "api")
    arms = {"A": (50_000, 1500), "B": (50_000, 1640)}
    want = sequential_test(arms["A"], arms["B"], 0.05, tuning=100_000).p_value
    decision = lifecycle.rule_decision(
        record, lifecycle.arm_counts(record.definition, counters(arms))
    )
    assert decision.comparisons[0].p_value == pytest.approx(want, rel=1e-12)
    results = build_results(record, counters(arms), T0 + 60)
    assert results.sequential[0].p_value == pytest.approx(want, rel=1e-12)
    assert results.sequential_tuning == 100_000
    default = sequential_test(arms["A"], arms["B"], 0.05).p_value  # GrowthBook's 5,000
    assert default != pytest.approx(want, rel=1e-3)


def test_planned_sequential_power_holds_for_the_test_as_analysed() -> None:
    record = lifecycle.launched(definition(audience=200_000), T0, "api")
    n = 50_000
    lift = minimum_detectable_lift(n, n, 0.03, sequential=True, tuning=record.sequential_tuning)
    assert power_sequential(n, n, 0.03, lift, tuning=record.sequential_tuning) == pytest.approx(
        0.8, abs=1e-4
    )
    assert f"detect a {lift * 100:.0f} % relative lift" in record.planning


def test_launch_sentence_quotes_the_sequential_sample_size() -> None:
    record = lifecycle.launched(definition(), T0, "api")
    fixed = sample_size(0.03, 0.15)
    sequential = sample_size_sequential(0.03, 0.15, 0.05)
    assert sequential > 1.5 * fixed
    assert f"needs about {sequential:,} recipients per arm" in record.planning
    assert "sequential test" in record.planning
    assert f"{fixed:,}" not in record.planning
    tuned = sample_size_sequential(0.03, 0.15, 0.05, tuning=record.sequential_tuning)
    assert tuned == sequential  # self-consistent: planned at the size it is tuned for
    fixed_record = lifecycle.launched(definition("fixed_horizon"), T0, "api")
    assert f"needs about {fixed:,} recipients per arm" in fixed_record.planning


def test_a_record_stored_before_the_tuning_field_still_loads_and_gets_one() -> None:
    record = lifecycle.launched(definition(audience=200_000), T0, "api")
    stored = record.to_dict()
    del stored["sequential_tuning"]
    old = msgspec.convert(stored, Record)
    assert old.sequential_tuning is None
    assert lifecycle.sequential_tuning(old) == 100_000
    arms = lifecycle.arm_counts(old.definition, counters({"A": (900, 30), "B": (900, 40)}))
    assert isinstance(arms[0], ArmCounts)
    p = lifecycle.rule_decision(old, arms).comparisons[0].p_value
    assert p == pytest.approx(sequential_test((900, 30), (900, 40), tuning=100_000).p_value)
