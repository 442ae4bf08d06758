"""The results report of one experiment, built from its counters only (never a recount):
per-arm counts and rates with Wilson intervals, frequentist (Holm when > 2 arms),
always-valid sequential (with the tuning stored at launch), Bayesian (labelled with the
metric it is computed on, and a note for each arm too small for a verdict), the
sample-ratio check and the decision status.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import msgspec

from atn_content.experiments import lifecycle, records
from atn_content.experiments.decision import ArmCounts, Metric
from atn_content.experiments.lifecycle import Counters
from atn_content.experiments.records import ROLLOUT, Record
from atn_content.experiments.stats.bayes import bayes_summary
from atn_content.experiments.stats.frequentist import (
    holm,
    sample_moments,
    sample_ratio_check,
    two_proportion_test,
    welch_test,
    wilson_interval,
)
from atn_content.experiments.stats.sequential import DEFAULT_TUNING, sequential_from_moments
from atn_content.timestamps import iso

__all__ = ["ArmResult", "Comparison", "Results", "build_results"]

#: Monte Carlo draws for chance-to-be-best: ~5 ms for 8 arms, error ~0.3 points.
BAYES_DRAWS = 20_000


class Rate(msgspec.Struct):
    rate: float
    low: float
    high: float


class ArmResult(msgspec.Struct):
    variant: str
    weight: float | None
    recipients: int
    delivered: int
    opens: int
    clicks: int
    conversions: int
    revenue: float
    open_rate: Rate
    click_rate: Rate
    conversion_rate: Rate
    revenue_per_recipient: float
    opens_raw: int = 0
    """Every open and click, machines included; `opens`/`clicks` are what the decision
    counts (people only unless the definition says decision.events = "raw")."""
    clicks_raw: int = 0


class Comparison(msgspec.Struct):
    """A variant against the control: the absolute difference with its interval (score
    interval, or the confidence sequence) and the relative lift with its own (delta
    method); None where a bound is unbounded or undefined (no baseline, no variance)."""

    variant: str
    difference: float
    low: float | None
    high: float | None
    relative_lift: float | None
    p_value: float
    p_adjusted: float
    lift_low: float | None = None
    lift_high: float | None = None


class BayesResult(msgspec.Struct):
    variant: str
    chance_to_beat_control: float | None
    chance_to_be_best: float | None
    expected_loss: float | None
    note: str = ""
    """Why a verdict is missing (an arm below the minimum of recipients), else ""."""


class SampleRatio(msgspec.Struct):
    applicable: bool
    p_value: float | None
    blocked: bool
    message: str


class DecisionStatus(msgspec.Struct):
    phase: str
    due: str | None
    winner: str | None
    conclusive: bool | None
    reason: str
    decided_at: str | None = None
    by: str | None = None


class Results(msgspec.Struct):
    key: str
    name: str
    kind: str
    template: str
    metric: str
    mode: str
    alpha: float
    test_fraction: float
    launched_at: str | None
    planning: str
    arms: list[ArmResult]
    rollout: ArmResult
    frequentist: list[Comparison]
    sequential: list[Comparison]
    bayesian: list[BayesResult]
    sample_ratio: SampleRatio
    decision: DecisionStatus
    weights_version: int
    sequential_tuning: float = DEFAULT_TUNING
    """Tuning of the sequential section (and of sequential decisions), chosen at launch."""
    bayesian_metric: str = ""
    """The metric the Bayesian section is computed on (conversion rate for revenue tests)."""
    bayesian_note: str = ""


def _finite(x: float) -> float | None:
    return x if math.isfinite(x) else None


def _arm(arm: ArmCounts, weight: float | None) -> ArmResult:
    def rate(successes: int) -> Rate:
        low, high = wilson_interval(successes, arm.recipients)
        return Rate(successes / arm.recipients if arm.recipients else 0.0, low, high)

    return ArmResult(
        arm.name,
        weight,
        arm.recipients,
        arm.delivered,
        arm.opens,
        arm.clicks,
        arm.conversions,
        arm.revenue,
        rate(arm.opens),
        rate(arm.clicks),
        rate(arm.conversions),
        arm.value("revenue_per_recipient"),
        arm.opens_raw,
        arm.clicks_raw,
    )


def compare(
    arms: Sequence[ArmCounts],
    metric: Metric,
    alpha: float,
    sequential: bool,
    tuning: float = DEFAULT_TUNING,
) -> list[Comparison]:
    """Every variant against the control (first arm); Holm-adjusted when > 1 variant."""
    control, out = arms[0], []
    for arm in arms[1:]:
        if metric == "revenue_per_recipient":
            a = (control.recipients, control.revenue, control.revenue_squares)
            b = (arm.recipients, arm.revenue, arm.revenue_squares)
            fixed = welch_test(a, b, arm.name, 1 - alpha)
            m_a, m_b = sample_moments(*a), sample_moments(*b)
        else:
            a2 = (control.recipients, control.successes(metric))
            b2 = (arm.recipients, arm.successes(metric))
            fixed = two_proportion_test(a2, b2, arm.name, 1 - alpha)
            m_a, m_b = _rate_moments(*a2), _rate_moments(*b2)
        low, high, p = fixed.low, fixed.high, fixed.p_value
        lift_low, lift_high = fixed.lift_low, fixed.lift_high
        if sequential:
            seq = sequential_from_moments(m_a, m_b, alpha, tuning)
            low, high, p = seq.low, seq.high, seq.p_value
            lift_low, lift_high = seq.lift_low, seq.lift_high
        lift = _finite(fixed.relative_lift)
        out.append(
            Comparison(
                arm.name,
                fixed.difference,
                _finite(low),
                _finite(high),
                lift,
                p,
                p,
                _optional(lift_low),
                _optional(lift_high),
            )
        )
    adjusted = holm([c.p_value for c in out]) if len(out) > 1 else [c.p_value for c in out]
    return [msgspec.structs.replace(c, p_adjusted=q) for c, q in zip(out, adjusted, strict=True)]


def _optional(x: float | None) -> float | None:
    return None if x is None else _finite(x)


def _rate_moments(n: int, successes: int) -> tuple[int, float, float]:
    p = successes / n if n else 0.0
    return n, p, p * (1 - p)


def build_results(record: Record, counters: Counters, now: float) -> Results:
    definition, rule = record.definition, record.definition.decision
    arms = lifecycle.arm_counts(definition, counters)
    rollout = lifecycle.counts_of(
        "rollout", counters.get(ROLLOUT, {}), definition.decision.events == "human"
    )
    revenue = rule.metric == "revenue_per_recipient"
    bayes_metric: Metric = "conversion_rate" if revenue else rule.metric
    bayes_note = (
        "Computed on conversion rate (buyers per recipient), not on revenue: the "
        "Beta-Binomial model needs a yes/no outcome. Revenue is compared in the "
        "frequentist and sequential sections."
        if revenue
        else ""
    )
    tuning = lifecycle.sequential_tuning(record)
    names = [a.name for a in arms]
    bayes = bayes_summary(
        names, [(a.recipients, a.successes(bayes_metric)) for a in arms], draws=BAYES_DRAWS
    )
    if definition.bandit is None:
        srm_check = sample_ratio_check(names, [a.recipients for a in arms], definition.weights)
        srm = SampleRatio(True, srm_check.p_value, srm_check.blocked, srm_check.message)
    else:
        srm = SampleRatio(False, None, False, "Not applicable: bandit weights change over time.")
    return Results(
        key=definition.key,
        name=definition.name,
        kind=definition.kind,
        template=definition.template,
        metric=rule.metric,
        mode=rule.mode,
        alpha=rule.alpha,
        test_fraction=definition.test_fraction,
        launched_at=iso(record.launched_at),
        planning=record.planning or lifecycle.planning_sentence(definition, tuning),
        arms=[_arm(a, w) for a, w in zip(arms, record.weights or definition.weights, strict=True)],
        rollout=_arm(rollout, None),
        frequentist=compare(arms, rule.metric, rule.alpha, sequential=False),
        sequential=compare(arms, rule.metric, rule.alpha, sequential=True, tuning=tuning),
        bayesian=[
            BayesResult(
                b.name, b.chance_to_beat_control, b.chance_to_be_best, b.expected_loss, b.note
            )
            for b in bayes
        ],
        sample_ratio=srm,
        decision=_status(record, arms, now),
        weights_version=record.weights_version,
        sequential_tuning=tuning,
        bayesian_metric=bayes_metric,
        bayesian_note=bayes_note,
    )


def _status(record: Record, arms: Sequence[ArmCounts], now: float) -> DecisionStatus:
    phase = records.phase(record, now)
    due = iso(record.decision_due)
    if record.decision is not None:
        d = record.decision
        return DecisionStatus(phase, due, d.winner, d.conclusive, d.reason, iso(d.decided_at), d.by)
    if phase == "draft":
        return DecisionStatus(phase, None, None, None, "Not launched yet.")
    if record.definition.bandit is not None:
        return DecisionStatus(phase, None, None, None, "Bandit mode: no final decision.")
    preview = lifecycle.rule_decision(record, arms)
    if preview.srm_blocked:
        return DecisionStatus(phase, due, None, None, preview.reason)
    when = "due now" if phase == "decision_due" else f"due {due}"
    reason = f"Decision {when}; if taken now: {preview.reason}"
    return DecisionStatus(phase, due, None, None, reason)
