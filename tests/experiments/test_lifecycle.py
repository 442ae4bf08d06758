"""Lifecycle through the service on real stores (SQLite file, own redis-server): launch,
decision at the horizon or sequentially, SRM blocking, bandit reweighting, results."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import msgspec
import pytest

from atn_content.experiments.definitions import Definition, parse_definition
from atn_content.experiments.lifecycle import counts_of
from atn_content.experiments.service import (
    DecisionBlocked,
    ExperimentConflict,
    ExperimentService,
)
from atn_content.experiments.stats.bandit import thompson_weights
from atn_content.store import Event, Store

ROOT = Path(__file__).resolve().parents[2]
T0 = 1_795_000_000.0
HOUR = 3600.0


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> float:
        return self.now


def subject_test(**overrides: Any) -> Definition:
    data: dict[str, Any] = {
        "key": "bf-test",
        "name": "Black Friday subject",
        "kind": "subject",
        "template": "newsletter-destination",
        "test_fraction": 0.2,
        "decision": {"metric": "click_rate", "horizon_hours": 4},
        "planning": {"audience": 48_000, "baseline_rate": 0.03},
        "variants": [
            {"key": "A", "subject": "Black Friday : -30 % vers Tahiti"},
            {"key": "B", "subject": "Votre Polynésie à -30 %"},
            {"key": "C", "subject": "48 h pour rêver de Bora Bora"},
        ],
    }
    data.update(overrides)
    return parse_definition(data)


async def feed(
    store: Store, key: str, arms: dict[str, tuple[int, int]], bucket_prefix: str = ""
) -> None:
    """recipients and clickers per arm, as exposures and unique clicks."""
    events = []
    for arm, (n, clicks) in arms.items():
        for i in range(n):
            rid = f"{arm}-{i}"
            events.append(Event(key, bucket_prefix + arm, "exposure", rid, T0))
            if i < clicks:  # a person's click: raw and human, as tracking records it
                events.append(Event(key, bucket_prefix + arm, "click", rid, T0 + 60))
                events.append(Event(key, bucket_prefix + arm, "click.human", rid, T0 + 60))
    for start in range(0, len(events), 2000):
        await store.record(events[start : start + 2000])


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def service(store: Store, clock: Clock) -> ExperimentService:
    return ExperimentService(store, ROOT / "experiments", clock)


async def test_launch_records_the_plan_and_refuses_a_second_launch(
    service: ExperimentService,
) -> None:
    record = await service.launch(subject_test(), "api")
    assert record.status == "running"
    assert record.decision_due == T0 + 4 * HOUR
    assert "With 20 % of 48,000 recipients (9,600, 3 variants) you can detect a" in record.planning
    assert (await service.get("bf-test")).status == "running"
    with pytest.raises(ExperimentConflict, match="already launched"):
        await service.launch(subject_test(), "api")
    log = await service.history("bf-test")
    assert [e["event"] for e in log] == ["launched"]


async def test_overlapping_tests_on_one_template_need_disjoint_namespaces(
    service: ExperimentService,
) -> None:
    await service.launch(subject_test(), "api")
    with pytest.raises(ExperimentConflict, match="namespace"):
        await service.launch(subject_test(key="bf-other"), "api")
    half = {"name": "newsletter", "start": 0.0, "end": 0.5}
    other = {"name": "newsletter", "start": 0.5, "end": 1.0}
    await service.launch(subject_test(key="cta-a", template="t2", namespace=half), "api")
    await service.launch(subject_test(key="cta-b", template="t2", namespace=other), "api")
    with pytest.raises(ExperimentConflict):
        await service.launch(subject_test(key="cta-c", template="t2", namespace=half), "api")
    await service.launch(subject_test(key="fr-only", template="t3", locales=["fr"]), "api")
    await service.launch(subject_test(key="ja-only", template="t3", locales=["ja"]), "api")
    with pytest.raises(ExperimentConflict):
        await service.launch(subject_test(key="all", template="t3"), "api")


async def test_files_are_drafts_until_launched(service: ExperimentService) -> None:
    records = {r.key: r for r in await service.records()}
    assert records["bf-2026-subject"].status == "draft"
    with pytest.raises(ExperimentConflict, match="not been launched"):
        await service.decide("bf-2026-subject")


async def test_fixed_horizon_decides_at_the_horizon_only(
    service: ExperimentService, store: Store, clock: Clock
) -> None:
    await service.launch(subject_test(), "api")
    await feed(store, "bf-test", {"A": (3000, 90), "B": (3000, 180), "C": (3000, 95)})
    clock.now = T0 + 3.9 * HOUR
    assert await service.tick() == []
    assert (await service.results("bf-test")).decision.phase == "running"
    clock.now = T0 + 4 * HOUR
    assert (await service.results("bf-test")).decision.phase == "decision_due"
    assert await service.tick() == ["bf-test: decided B"]
    record = await service.get("bf-test")
    assert record.status == "decided" and record.decision is not None
    assert (record.decision.winner, record.decision.conclusive, record.decision.by) == (
        "B",
        True,
        "rule",
    )
    assert "'B' beats control 'A' on click rate" in record.decision.reason
    assert [e["event"] for e in await service.history("bf-test")] == ["launched", "decided"]
    assert await service.tick() == []


async def test_inconclusive_test_rolls_out_the_fallback_and_says_so(
    service: ExperimentService, store: Store, clock: Clock
) -> None:
    definition = subject_test(decision={"horizon_hours": 4, "fallback": "best_observed"})
    await service.launch(definition, "api")
    await feed(store, "bf-test", {"A": (3000, 90), "B": (3000, 96), "C": (3000, 88)})
    clock.now = T0 + 5 * HOUR
    await service.tick()
    decision = (await service.get("bf-test")).decision
    assert decision is not None
    assert (decision.winner, decision.conclusive) == ("B", False)
    assert decision.reason.startswith("Inconclusive")
    assert "best observed" in decision.reason


async def test_sample_ratio_mismatch_blocks_the_automatic_decision(
    service: ExperimentService, store: Store, clock: Clock
) -> None:
    await service.launch(subject_test(), "api")
    await feed(store, "bf-test", {"A": (3000, 90), "B": (3000, 180), "C": (2000, 60)})
    clock.now = T0 + 4 * HOUR
    assert await service.tick() == ["bf-test: decision blocked"]
    record = await service.get("bf-test")
    assert record.status == "running" and record.decision is None
    assert "Automatic decision blocked" in record.blocked and "'C'" in record.blocked
    assert await service.tick() == []  # said once, not at every tick
    results = await service.results("bf-test")
    assert results.sample_ratio.blocked and results.decision.reason == record.blocked
    with pytest.raises(DecisionBlocked, match="planned split"):
        await service.decide("bf-test")
    manual = await service.decide("bf-test", winner="B")
    assert manual.decision is not None and manual.decision.by == "manual"


async def test_sequential_test_stops_early_when_the_evidence_is_clear(
    service: ExperimentService, store: Store, clock: Clock
) -> None:
    definition = subject_test(decision={"mode": "sequential", "horizon_hours": 48})
    await service.launch(definition, "api")
    await feed(store, "bf-test", {"A": (3000, 90), "B": (3000, 300), "C": (3000, 92)})
    clock.now = T0 + HOUR
    assert await service.tick() == ["bf-test: decided B"]
    decision = (await service.get("bf-test")).decision
    assert decision is not None and "always-valid sequential test" in decision.reason


async def test_sequential_test_waits_while_the_evidence_is_weak(
    service: ExperimentService, store: Store, clock: Clock
) -> None:
    definition = subject_test(decision={"mode": "sequential", "horizon_hours": 48})
    await service.launch(definition, "api")
    await feed(store, "bf-test", {"A": (3000, 90), "B": (3000, 110), "C": (3000, 92)})
    clock.now = T0 + HOUR
    assert await service.tick() == []


async def test_bandit_reweights_on_schedule_and_logs_how(
    service: ExperimentService, store: Store, clock: Clock
) -> None:
    definition = subject_test(
        test_fraction=1.0, bandit={"interval_minutes": 60, "min_weight": 0.05}
    )
    await service.launch(definition, "api")
    await feed(store, "bf-test", {"A": (500, 10), "B": (500, 40), "C": (500, 12)})
    clock.now = T0 + 30 * 60
    assert await service.tick() == []
    clock.now = T0 + 61 * 60
    assert len(await service.tick()) == 1
    record = await service.get("bf-test")
    assert record.weights_version == 1 and record.status == "running"
    assert record.weights[1] > 0.8 and min(record.weights) >= 0.05 - 1e-12
    entry = (await service.history("bf-test"))[-1]
    assert entry["event"] == "weights" and entry["previous"] == pytest.approx([1 / 3] * 3)
    again = thompson_weights(
        ["A", "B", "C"],
        [tuple(c) for c in entry["counts"]],
        seed=entry["seed"],
        draws=entry["draws"],
        min_weight=entry["min_weight"],
    )
    assert list(again.weights) == record.weights == entry["weights"]
    assert await service.tick() == []  # not again before the next interval


async def test_results_come_from_counters_with_intervals_and_holm(
    service: ExperimentService, store: Store
) -> None:
    await service.launch(subject_test(), "api")
    await feed(store, "bf-test", {"A": (3000, 90), "B": (3000, 150), "C": (3000, 100)})
    await feed(store, "bf-test", {"_rollout": (500, 0)})
    await store.record(
        [
            Event("bf-test", "B", "conversion", "B-1", T0, value=120_000.0, unique=False),
            Event("bf-test", "B", "conversion", "B-1", T0, value=80_000.0, unique=False),
        ]
    )
    results = await service.results("bf-test")
    arms = {a.variant: a for a in results.arms}
    assert (arms["B"].recipients, arms["B"].clicks, arms["B"].conversions) == (3000, 150, 2)
    assert arms["B"].revenue == 200_000.0
    assert arms["B"].click_rate.low < 0.05 < arms["B"].click_rate.high
    assert results.rollout.recipients == 500
    freq = {c.variant: c for c in results.frequentist}
    assert set(freq) == {"B", "C"}
    assert all(c.p_adjusted >= c.p_value for c in freq.values())
    assert freq["B"].p_adjusted < 0.05 < freq["C"].p_adjusted
    seq = {c.variant: c for c in results.sequential}
    assert seq["B"].p_value >= freq["B"].p_value  # always valid costs some power
    bayes = {b.variant: b for b in results.bayesian}
    assert bayes["A"].chance_to_beat_control is None
    assert bayes["B"].chance_to_be_best > 0.9
    assert not results.sample_ratio.blocked
    assert results.decision.reason.startswith("Decision due ")
    encoded = msgspec.json.encode(results)  # the API can send it as is
    assert b"Infinity" not in encoded and b"NaN" not in encoded


async def test_no_recipients_by_the_horizon_is_reported_not_decided(
    service: ExperimentService, clock: Clock
) -> None:
    await service.launch(subject_test(), "api")
    clock.now = T0 + 5 * HOUR
    assert await service.tick() == ["bf-test: decision blocked"]
    record = await service.get("bf-test")
    assert record.decision is None and record.blocked.startswith("Nothing to decide on")
    with pytest.raises(DecisionBlocked, match="Nothing to decide on"):
        await service.decide("bf-test")


async def test_a_rollout_occupies_its_template_until_it_ends(
    service: ExperimentService, clock: Clock
) -> None:
    await service.launch(subject_test(), "api")
    await service.decide("bf-test", winner="B")
    clock.now = T0 + HOUR
    with pytest.raises(ExperimentConflict, match=r"'bf-test' is rolling out .* until 20"):
        await service.launch(subject_test(key="bf-next"), "api")
    clock.now = T0 + 72 * HOUR  # rollout_hours (default 72) after the decision
    assert (await service.launch(subject_test(key="bf-next"), "api")).status == "running"


async def test_events_without_exposure_cannot_break_results_or_decisions(
    service: ExperimentService, store: Store, clock: Clock
) -> None:
    await service.launch(subject_test(test_fraction=1.0), "api")
    await feed(store, "bf-test", {"A": (300, 10), "B": (300, 10), "C": (300, 10)})
    await store.record(
        [
            Event("bf-test", "B", m, f"en-{i}", T0)
            for i in range(400)
            for m in ("click", "click.human")
        ]
    )
    assert counts_of("B", {"exposure": {"count": 2}, "click.human": {"count": 5}}).clicks == 2
    results = await service.results("bf-test")
    arms = {a.variant: a for a in results.arms}
    assert (arms["B"].recipients, arms["B"].clicks, arms["B"].click_rate.rate) == (300, 300, 1)
    clock.now = T0 + 5 * HOUR
    assert await service.tick() == ["bf-test: decided B"]
