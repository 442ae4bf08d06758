"""The results report (pure: a Record and its counters): what the Bayesian section is
computed on, why an arm gets no verdict, and the lift beside the difference."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest

from atn_content.experiments import lifecycle
from atn_content.experiments.definitions import parse_definition
from atn_content.experiments.records import Record
from atn_content.experiments.results import build_results

T0 = 1_795_000_000.0


def record(metric: str = "click_rate") -> Record:
    definition = parse_definition(
        {
            "key": "report",
            "name": "Report",
            "kind": "subject",
            "template": "newsletter-destination",
            "decision": {"metric": metric},
            "variants": [{"key": "A"}, {"key": "B", "subject": "Tahiti"}],
        }
    )
    return lifecycle.launched(definition, T0, "api")


def bucket(n: int, clicks: int = 0, buyers: int = 0, basket: float = 0.0) -> dict[str, Any]:
    return {
        "exposure": {"count": n},
        "click": {"count": clicks},
        "click.human": {"count": clicks},
        "conversion": {"count": buyers, "sum": buyers * basket, "sumsq": buyers * basket**2},
    }


def test_an_arm_without_recipients_gets_no_bayesian_verdict_and_the_report_says_why() -> None:
    results = build_results(record(), {"A": bucket(1000, 30), "B": bucket(0)}, T0)
    control, empty = results.bayesian
    assert empty.chance_to_beat_control is None and empty.chance_to_be_best is None
    assert "No Bayesian verdict for 'B': 0 recipients" in empty.note
    assert control.chance_to_be_best is None
    assert results.sequential[0].p_value == results.frequentist[0].p_value == 1.0
    encoded = msgspec.json.encode(results)
    assert b"NaN" not in encoded and b"Infinity" not in encoded


def test_a_revenue_test_says_its_bayesian_section_is_on_conversion_rate() -> None:
    counters = {
        "A": bucket(4000, buyers=40, basket=90_000),
        "B": bucket(4000, buyers=80, basket=95_000),
    }
    results = build_results(record("revenue_per_recipient"), counters, T0)
    assert results.bayesian_metric == "conversion_rate"
    assert "not on revenue" in results.bayesian_note
    click = build_results(record(), {"A": bucket(1000, 30), "B": bucket(1000, 40)}, T0)
    assert (click.bayesian_metric, click.bayesian_note) == ("click_rate", "")


def test_relative_lift_comes_with_its_interval_in_both_sections() -> None:
    results = build_results(record(), {"A": bucket(10_000, 300), "B": bucket(10_000, 360)}, T0)
    for section in (results.frequentist, results.sequential):
        (b,) = section
        assert b.relative_lift == pytest.approx(0.2)
        assert b.lift_low is not None and b.lift_high is not None
        assert b.lift_low < 0.2 < b.lift_high
    assert results.sequential[0].lift_low < results.frequentist[0].lift_low  # always valid
    assert "+20.0 % [" in results.decision.reason or "+20.0% [" in results.decision.reason
