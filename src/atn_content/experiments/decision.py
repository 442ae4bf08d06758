"""The decision rule: from an experiment's counters to "roll out X" with a reason a
marketer can read.

Rates are per recipient (intention to treat), not per delivered email: a subject line
that trips spam filters lowers delivery, and that loss belongs to the variant.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Literal

from atn_content.experiments.stats import _checks
from atn_content.experiments.stats.frequentist import (
    Comparison,
    SampleRatioCheck,
    holm,
    sample_moments,
    sample_ratio_check,
    two_proportion_test,
    welch_test,
)
from atn_content.experiments.stats.sequential import DEFAULT_TUNING, sequential_from_moments

__all__ = ["ArmCounts", "Decision", "DecisionRule", "Metric", "decide"]

Metric = Literal["open_rate", "click_rate", "conversion_rate", "revenue_per_recipient"]

_LABELS: dict[str, str] = {
    "open_rate": "open rate",
    "click_rate": "click rate",
    "conversion_rate": "conversion rate",
    "revenue_per_recipient": "revenue per recipient",
}


@dataclass(frozen=True)
class ArmCounts:
    """Counters of one arm; revenue as sum and sum of squares for the Welch test."""

    name: str
    recipients: int
    delivered: int = 0
    opens: int = 0
    clicks: int = 0
    conversions: int = 0
    revenue: float = 0.0
    revenue_squares: float = 0.0
    opens_raw: int = 0
    """Every open, machine ones included (`opens` is what the decision reads)."""
    clicks_raw: int = 0

    def successes(self, metric: Metric) -> int:
        return {"open_rate": self.opens, "click_rate": self.clicks}.get(metric, self.conversions)

    def value(self, metric: Metric) -> float:
        if metric == "revenue_per_recipient":
            return self.revenue / self.recipients if self.recipients else 0.0
        return self.successes(metric) / self.recipients if self.recipients else 0.0


@dataclass(frozen=True)
class DecisionRule:
    metric: Metric = "click_rate"
    mode: Literal["fixed_horizon", "sequential"] = "fixed_horizon"
    alpha: float = 0.05
    fallback: Literal["control", "best_observed"] = "control"
    tuning: float = DEFAULT_TUNING
    """Sequential mode only: sample size where the confidence sequence is tightest (an
    experiment passes the tuning stored at launch: ``lifecycle.sequential_tuning``)."""


@dataclass(frozen=True)
class Decision:
    winner: str | None
    """Arm to roll out; None only when the sample-ratio check blocks the decision."""
    conclusive: bool
    srm_blocked: bool
    reason: str
    comparisons: tuple[Comparison, ...]
    srm: SampleRatioCheck


def _compare(control: ArmCounts, arm: ArmCounts, rule: DecisionRule) -> Comparison:
    if rule.metric == "revenue_per_recipient":
        a = (control.recipients, control.revenue, control.revenue_squares)
        b = (arm.recipients, arm.revenue, arm.revenue_squares)
        fixed = welch_test(a, b, arm.name, 1 - rule.alpha)
        if rule.mode == "fixed_horizon":
            return fixed
        moments = [sample_moments(*x) for x in (a, b)]
    else:
        a2 = (control.recipients, control.successes(rule.metric))
        b2 = (arm.recipients, arm.successes(rule.metric))
        fixed = two_proportion_test(a2, b2, arm.name, 1 - rule.alpha)
        if rule.mode == "fixed_horizon":
            return fixed
        rates = [s / n if n else 0.0 for n, s in (a2, b2)]
        moments = [(n, p, p * (1 - p)) for (n, _), p in zip((a2, b2), rates, strict=True)]
    seq = sequential_from_moments(moments[0], moments[1], rule.alpha, rule.tuning)
    return replace(
        fixed,
        low=seq.low,
        high=seq.high,
        p_value=seq.p_value,
        p_adjusted=seq.p_value,
        lift_low=seq.lift_low,
        lift_high=seq.lift_high,
    )


def decide(
    arms: Sequence[ArmCounts], planned_weights: Sequence[float], rule: DecisionRule
) -> Decision:
    """Pick the arm to roll out. The first arm is the control.

    A variant wins when it beats the control significantly (Holm-adjusted when there are
    several variants); the best such variant is chosen. The control wins when it beats every
    variant significantly. Otherwise the result is inconclusive and the rule's fallback
    (the control, or the best observed arm) is rolled out, and the reason says so.
    """
    _check(arms, planned_weights, rule)
    names = [a.name for a in arms]
    srm = sample_ratio_check(names, [a.recipients for a in arms], planned_weights)
    if srm.blocked:
        return Decision(None, False, True, srm.message, (), srm)
    control, variants = arms[0], arms[1:]
    raw = [_compare(control, arm, rule) for arm in variants]
    adjusted = holm([c.p_value for c in raw]) if len(raw) > 1 else [c.p_value for c in raw]
    comparisons = tuple(replace(c, p_adjusted=p) for c, p in zip(raw, adjusted, strict=True))
    label = _LABELS[rule.metric]
    method = "always-valid sequential test" if rule.mode == "sequential" else "fixed-horizon test"
    winners = [c for c in comparisons if c.p_adjusted < rule.alpha and c.difference > 0]
    losers = [c for c in comparisons if c.p_adjusted < rule.alpha and c.difference < 0]
    if winners:
        best = max(winners, key=lambda c: c.difference)
        reason = (
            f"'{best.variant}' beats control '{control.name}' on {label} "
            f"({_fmt(rule.metric, control.value(rule.metric))} -> "
            f"{_fmt(rule.metric, control.value(rule.metric) + best.difference)}, "
            f"{_lift_text(best)}; p = {best.p_adjusted:.3g} < {rule.alpha:g}, {method})."
        )
        return Decision(best.variant, True, False, reason, comparisons, srm)
    if variants and len(losers) == len(comparisons):
        reason = (
            f"Control '{control.name}' beats every variant on {label} "
            f"(largest p = {max(c.p_adjusted for c in losers):.3g} < {rule.alpha:g}, {method})."
        )
        return Decision(control.name, True, False, reason, comparisons, srm)
    if rule.fallback == "best_observed":
        chosen = max(arms, key=lambda a: a.value(rule.metric)).name
        how = "the best observed arm"
    else:
        chosen = control.name
        how = "the control"
    smallest = min((c.p_adjusted for c in comparisons), default=1.0)
    reason = (
        f"Inconclusive: no variant differs significantly from control on {label} "
        f"(smallest p = {smallest:.3g}, alpha {rule.alpha:g}, {method}); "
        f"rolling out {how}, '{chosen}', as the rule's fallback."
    )
    return Decision(chosen, False, False, reason, comparisons, srm)


def _check(arms: Sequence[ArmCounts], weights: Sequence[float], rule: DecisionRule) -> None:
    """Impossible inputs are a ValueError naming the argument, before any statistic."""
    if len(arms) < 2:
        raise ValueError(f"arms: a test needs at least 2 arms, got {len(arms)}")
    if len(weights) != len(arms):
        raise ValueError(f"planned_weights: {len(weights)} weights for {len(arms)} arms")
    for i, w in enumerate(weights):
        _checks.positive("planned_weights", w, f"[{i}]")
    _checks.open_unit("rule.alpha", rule.alpha)
    _checks.positive("rule.tuning", rule.tuning)
    for i, arm in enumerate(arms):
        where = f"arms[{i}]"
        recipients = _checks.count(where, arm.recipients, "recipients")
        for field in ("delivered", "opens", "clicks", "conversions"):
            value = _checks.count(where, getattr(arm, field), field)
            if value > recipients:
                raise ValueError(f"{where}: {value} {field} out of {recipients} recipients")
        _checks.sums(where, recipients, arm.revenue, arm.revenue_squares)


def _lift_text(c: Comparison) -> str:
    """ "+12.0 % [+3.1 %, +20.9 %]": the relative lift with its interval when it has one."""
    if c.lift_low is None or c.lift_high is None:
        return f"{c.relative_lift:+.1%}"
    return f"{c.relative_lift:+.1%} [{c.lift_low:+.1%}, {c.lift_high:+.1%}]"


def _fmt(metric: Metric, value: float) -> str:
    return f"{value:,.2f}" if metric == "revenue_per_recipient" else f"{value:.2%}"
