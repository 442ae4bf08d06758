"""An experiment's life as pure data: draft -> running (test phase) -> decision due ->
decided (the winner rolls out to the rest of the list).

A Record (records.py) is what the store keeps per experiment (one JSON document); the functions here
compute the next Record from the current one and the counters, with no I/O, so every
transition is testable and every replica computes the same one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Literal

import msgspec

from atn_content.experiments.decision import ArmCounts, Decision, DecisionRule, decide
from atn_content.experiments.definitions import Definition
from atn_content.experiments.records import DecisionRecord, Record, phase
from atn_content.experiments.stats.bandit import thompson_weights
from atn_content.experiments.stats.power import (
    describe_power,
    describe_sample_size,
    reachable,
    sample_size_sequential,
)
from atn_content.experiments.stats.sequential import DEFAULT_TUNING
from atn_content.timestamps import utc_iso

__all__ = [
    "BASELINES",
    "arm_counts",
    "counts_of",
    "decided",
    "due_action",
    "launched",
    "no_data",
    "planned_tuning",
    "planning_sentence",
    "reweighted",
    "rule_decision",
    "sequential_tuning",
]

Counters = Mapping[str, Mapping[str, Mapping[str, float]]]

#: Relative lift the launch sentence sizes the test for.
PLANNED_LIFT = 0.15

#: Planning baselines when the definition gives none: typical for ATN newsletters.
BASELINES = {
    "open_rate": 0.35,
    "click_rate": 0.03,
    "conversion_rate": 0.005,
    "revenue_per_recipient": 0.005,
}


def _baseline(definition: Definition) -> float:
    metric = definition.decision.metric
    return definition.planning.baseline_rate or BASELINES[metric]


def planned_tuning(definition: Definition) -> float:
    """The sequential tuning a launch chooses: the planned size of one comparison (control
    plus the smallest variant) when the audience is known, else twice the per-arm size the
    sequential test needs for the planned lift (GrowthBook's advice: tune to the expected
    sample). Planning, ``decide()`` and the results all use it."""
    weights = definition.weights
    audience = definition.planning.audience
    if audience is not None:
        tested = round(audience * definition.test_fraction)
        return float(max(2, round(tested * (weights[0] + min(weights[1:])))))
    baseline = _baseline(definition)
    if not reachable(baseline, PLANNED_LIFT):
        return float(DEFAULT_TUNING)
    alpha = definition.decision.alpha / (len(weights) - 1)
    return float(2 * sample_size_sequential(baseline, PLANNED_LIFT, alpha))


def sequential_tuning(record: Record) -> float:
    """The tuning this experiment is analysed with (stored at launch, or for older records
    and drafts the one a launch would store)."""
    if record.sequential_tuning is not None:
        return record.sequential_tuning
    return planned_tuning(record.definition)


def planning_sentence(definition: Definition, tuning: float | None = None) -> str:
    """The launch-time sample size / detectable effect sentence, for the test the decision
    mode runs (sequential: at ``tuning``, default ``planned_tuning(definition)``)."""
    if definition.bandit is not None:
        return "Bandit mode: weights follow the results; no fixed sample size."
    rule = definition.decision
    metric = rule.metric
    baseline = _baseline(definition)
    label = metric.replace("_", " ") if metric != "revenue_per_recipient" else "conversion rate"
    weights = definition.weights
    comparisons = len(weights) - 1
    sequential = rule.mode == "sequential"
    tuned = (tuning or planned_tuning(definition)) if sequential else None
    need = describe_sample_size(
        baseline, PLANNED_LIFT, rule.alpha / comparisons, sequential=sequential, tuning=tuned
    )
    if definition.planning.audience is None:
        return f"{need} Set planning.audience to see what this list can detect."
    sentence = describe_power(
        definition.planning.audience,
        definition.test_fraction,
        baseline,
        label,
        weights,
        rule.alpha,
        sequential=sequential,
        tuning=tuned,
    )
    return f"{sentence[0].upper()}{sentence[1:]}. {need}"


def launched(definition: Definition, now: float, source: str) -> Record:
    due = None if definition.bandit else now + definition.decision.horizon_hours * 3600
    tuning = planned_tuning(definition)
    return Record(
        definition=definition,
        status="running",
        source=source,
        launched_at=now,
        decision_due=due,
        weights=definition.weights,
        reweighted_at=now if definition.bandit else None,
        planning=planning_sentence(definition, tuning),
        sequential_tuning=tuning,
    )


def counts_of(
    name: str, bucket: Mapping[str, Mapping[str, float]], human: bool = True
) -> ArmCounts:
    """One bucket's counters as an arm; recipients are unique exposures.

    Opens and clicks are the human ones (`open.human`, `click.human`) unless `human` is
    False; the raw counts ride along either way.

    Counts are capped at the recipients: an event whose exposure was never recorded (a
    render outside the service, a lost exposure) cannot push a rate past 100 %, which the
    statistics (Beta posteriors, z-tests) cannot take.
    """

    def get(metric: str, field: str = "count") -> float:
        return bucket.get(metric, {}).get(field, 0.0)

    recipients = max(0, int(get("exposure")))

    def capped(metric: str) -> int:
        return min(recipients, max(0, int(get(metric))))

    return ArmCounts(
        name=name,
        recipients=recipients,
        delivered=capped("delivered"),
        opens=capped("open.human" if human else "open"),
        clicks=capped("click.human" if human else "click"),
        conversions=capped("conversion"),
        revenue=get("conversion", "sum"),
        revenue_squares=get("conversion", "sumsq"),
        opens_raw=capped("open"),
        clicks_raw=capped("click"),
    )


def arm_counts(definition: Definition, counters: Counters) -> list[ArmCounts]:
    """Counters of the test arms, control first."""
    human = definition.decision.events == "human"
    return [counts_of(v.key, counters.get(v.key, {}), human) for v in definition.variants]


def rule_decision(record: Record, arms: Sequence[ArmCounts]) -> Decision:
    rule = record.definition.decision
    return decide(
        arms,
        record.definition.weights,
        DecisionRule(
            metric=rule.metric,
            mode=rule.mode,
            alpha=rule.alpha,
            fallback=rule.fallback,
            tuning=sequential_tuning(record),
        ),
    )


def decided(
    record: Record, winner: str, conclusive: bool, reason: str, now: float, by: str
) -> Record:
    manual: Literal["rule", "manual"] = "manual" if by == "manual" else "rule"
    decision = DecisionRecord(winner, conclusive, reason, now, manual)
    return msgspec.structs.replace(record, status="decided", decision=decision, blocked="")


def due_action(record: Record, arms: Sequence[ArmCounts], now: float) -> Record | None:
    """The automatic decision a tick takes, or None when nothing changes.

    Fixed-horizon tests decide at the horizon; sequential ones as soon as the always-valid
    test is conclusive, else at the horizon with the fallback. A sample-ratio mismatch
    blocks the decision and the record says why.
    """
    rule = record.definition.decision
    if record.status != "running" or record.definition.bandit or not rule.automatic:
        return None
    at_horizon = phase(record, now) == "decision_due"
    if not at_horizon and rule.mode != "sequential":
        return None
    decision = rule_decision(record, arms)
    reason = decision.reason if decision.srm_blocked else no_data(arms) if at_horizon else ""
    if reason:
        return None if reason == record.blocked else msgspec.structs.replace(record, blocked=reason)
    if decision.winner is None or not (at_horizon or decision.conclusive):
        return None
    return decided(record, decision.winner, decision.conclusive, decision.reason, now, "rule")


def no_data(arms: Sequence[ArmCounts]) -> str:
    """Why a decision is impossible for lack of data, or "" when there is some."""
    if any(a.recipients for a in arms):
        return ""
    return (
        "Nothing to decide on: no recipient of the test group has been recorded (exposures "
        "are recorded when /v1/render serves a test variant)."
    )


def reweighted(
    record: Record, arms: Sequence[ArmCounts], now: float
) -> tuple[Record, dict[str, object]] | None:
    """Bandit mode: new Thompson weights when the interval has passed, with the log entry
    that explains them (inputs, seed, raw and floored weights)."""
    bandit = record.definition.bandit
    if bandit is None or record.status != "running":
        return None
    last = record.reweighted_at or record.launched_at or now
    if now - last < bandit.interval_minutes * 60:
        return None
    version = record.weights_version + 1
    counts = [(a.recipients, a.successes(bandit.metric)) for a in arms]
    names = [a.name for a in arms]
    result = thompson_weights(names, counts, seed=version, min_weight=bandit.min_weight)
    entry: dict[str, object] = {
        "at": utc_iso(now),
        "version": version,
        "metric": bandit.metric,
        "previous": record.weights,
        "weights": list(result.weights),
        "chance_to_be_best": list(result.chance_to_be_best),
        "counts": [list(c) for c in result.counts],
        "seed": result.seed,
        "draws": result.draws,
        "min_weight": result.min_weight,
    }
    updated = msgspec.structs.replace(
        record, weights=list(result.weights), weights_version=version, reweighted_at=now
    )
    return updated, entry
