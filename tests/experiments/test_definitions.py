"""Experiment definitions: the shipped files parse, and every mistake names its field."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest

from atn_content.experiments.definitions import (
    DefinitionError,
    parse_definition,
    parse_json,
    parse_toml,
)
from atn_content.experiments.service import load_files

ROOT = Path(__file__).resolve().parents[2]


def minimal(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "key": "bf-2026-subject",
        "name": "Black Friday subject",
        "kind": "subject",
        "template": "newsletter-destination",
        "variants": [
            {"key": "A", "subject": "Black Friday : -30 % vers Tahiti"},
            {"key": "B", "subject": "Votre Polynésie à -30 %"},
        ],
    }
    data.update(overrides)
    return data


def fields_of(data: dict[str, Any]) -> list[str]:
    with pytest.raises(DefinitionError) as caught:
        parse_definition(data)
    return [field for field, _ in caught.value.problems]


def test_the_black_friday_example_reads_as_the_issue_describes_it() -> None:
    found, errors = load_files(ROOT / "experiments")
    assert errors == []
    bf = found["bf-2026-subject"][0]
    assert [v.subject for v in bf.variants] == [
        "Black Friday : -30 % vers Tahiti",
        "Votre Polynésie à -30 %",
        "48 h pour rêver de Bora Bora",
    ]
    assert bf.test_fraction == 0.2
    assert bf.template == "newsletter-destination"
    assert (bf.decision.metric, bf.decision.horizon_hours) == ("click_rate", 4)
    assert bf.weights == pytest.approx([1 / 3] * 3)


def test_shipped_examples_cover_cta_and_send_time_in_disjoint_namespace_halves() -> None:
    found, _ = load_files(ROOT / "experiments")
    kinds = {d.kind: d for d, _ in found.values()}
    assert {"subject", "cta", "send_time"} <= set(kinds)
    cta, send = kinds["cta"], kinds["send_time"]
    assert cta.namespace is not None and send.namespace is not None
    assert cta.namespace.name == send.namespace.name
    assert cta.namespace.end <= send.namespace.start
    assert all(v.send_time for v in send.variants)


def test_relative_weights_become_fractions_and_seed_defaults_to_key() -> None:
    data = minimal(variants=[{"key": "A", "weight": 2}, {"key": "B", "subject": "x"}])
    definition = parse_definition(data)
    assert definition.weights == pytest.approx([2 / 3, 1 / 3])
    assert definition.hash_seed == "bf-2026-subject"
    assert parse_definition(minimal(seed="gb-exp")).hash_seed == "gb-exp"


def test_json_and_toml_give_the_same_definition() -> None:
    data = minimal()
    toml = (
        'key = "bf-2026-subject"\nname = "Black Friday subject"\nkind = "subject"\n'
        'template = "newsletter-destination"\n'
        '[[variants]]\nkey = "A"\nsubject = "Black Friday : -30 % vers Tahiti"\n'
        '[[variants]]\nkey = "B"\nsubject = "Votre Polynésie à -30 %"\n'
    )
    assert parse_json(json.dumps(data)) == parse_toml(toml)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"variants": [{"key": "A", "subject": "x"}]}, "variants"),
        ({"variants": [{"key": f"v{i}", "subject": "x"} for i in range(9)]}, "variants"),
        ({"variants": [{"key": "A"}, {"key": "B"}]}, "variants[1].subject"),
        ({"variants": [{"key": "A"}, {"key": "A", "subject": "x"}]}, "variants[1].key"),
        (
            {"variants": [{"key": "A"}, {"key": "B", "subject": "x", "weight": 0}]},
            "variants[1].weight",
        ),
        ({"variants": [{"key": "A"}, {"key": "B", "subjet": "x"}]}, "variants[1].subjet"),
        ({"test_fraction": 1.5}, "test_fraction"),
        ({"test_fraction": "lots"}, "test_fraction"),
        ({"key": "Black Friday!"}, "key"),
        ({"kind": "colour"}, "kind"),
        ({"decision": {"alpha": 0.7}}, "decision.alpha"),
        ({"decision": {"metric": "likes"}}, "decision.metric"),
        ({"decision": {"horizon_hours": 0}}, "decision.horizon_hours"),
        ({"namespace": {"name": "n", "start": 0.6, "end": 0.4}}, "namespace"),
        ({"bandit": {}, "test_fraction": 0.2}, "test_fraction"),
        ({"planning": {"baseline_rate": 3}}, "planning.baseline_rate"),
        ({"send_date": "2026-11-27"}, "send_date"),
        ({"decision": {"horizon_hours": 1e8}}, "decision.horizon_hours"),
        ({"decision": {"horizon_hours": math.inf}}, "decision.horizon_hours"),
        ({"rollout_hours": 1e12}, "rollout_hours"),
        ({"bandit": {"interval_minutes": 1e12}, "test_fraction": 1}, "bandit.interval_minutes"),
        ({"bandit": {"interval_minutes": 1e-9}, "test_fraction": 1}, "bandit.interval_minutes"),
        ({"decision": {"alpha": 1e-300}}, "decision.alpha"),
        ({"planning": {"audience": 1}}, "planning.audience"),
        ({"test_fraction": 1e-9, "planning": {"audience": 48_000}}, "test_fraction"),
        ({"test_fraction": 0.01, "planning": {"audience": 100}}, "test_fraction"),
        (
            {"variants": [{"key": "A", "weight": 1e-300}, {"key": "B", "subject": "x"}]},
            "variants[0].weight",
        ),
        (
            {"variants": [{"key": "A", "weight": math.inf}, {"key": "B", "subject": "x"}]},
            "variants[0].weight",
        ),
        ({"planning": {"baseline_rate": 1e-12}}, "planning.baseline_rate"),
        (
            {"kind": "from_name", "variants": [{"key": "A"}, {"key": "B", "from_name": "x" * 101}]},
            "variants[1].from_name",
        ),
    ],
)
def test_each_mistake_is_reported_at_its_field(overrides: dict[str, Any], field: str) -> None:
    assert field in fields_of(minimal(**overrides))


def test_missing_required_field_is_named() -> None:
    data = minimal()
    del data["template"]
    assert fields_of(data) == ["template"]


def test_send_time_variants_need_a_local_clock_time() -> None:
    data = minimal(
        kind="send_time",
        variants=[{"key": "am", "send_time": "07:00"}, {"key": "pm", "send_time": "7pm"}],
    )
    assert fields_of(data) == ["variants[1].send_time"]
    data["variants"][1]["send_time"] = "19:00"
    assert parse_definition(data).variants[1].send_time == "19:00"


def test_several_problems_are_all_reported_with_the_source() -> None:
    with pytest.raises(DefinitionError) as caught:
        parse_definition(minimal(test_fraction=0, decision={"alpha": 0}), "experiments/x.toml")
    message = str(caught.value)
    assert message.startswith("experiments/x.toml: ")
    assert "test_fraction" in message and "decision.alpha" in message


def test_broken_toml_and_json_are_definition_errors() -> None:
    with pytest.raises(DefinitionError, match="not valid TOML"):
        parse_toml('key = "unterminated')
    with pytest.raises(DefinitionError, match="not valid JSON"):
        parse_json(b"{")
    with pytest.raises(DefinitionError, match="JSON object"):
        parse_json(b"[1, 2]")


def test_bounds_accept_their_edges_and_explain_themselves() -> None:
    edges = minimal(
        decision={"horizon_hours": 24 * 365, "alpha": 0.001},
        rollout_hours=24 * 365,
        test_fraction=0.02,
        planning={"audience": 100},
    )
    assert parse_definition(edges).decision.horizon_hours == 24 * 365
    with pytest.raises(DefinitionError) as caught:
        parse_definition(minimal(decision={"horizon_hours": 1e8}))
    assert "at most a year" in str(caught.value)
