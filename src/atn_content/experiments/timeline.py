"""An experiment's counters over time: a snapshot of every arm's counts, written by the
tick at most every SNAPSHOT_SECONDS, and the cumulative lift read back from them.

The counters themselves only hold totals; the studio's lift-over-time plot needs the path,
so the tick keeps one. Each point is the sequential comparison the decision uses, computed
on that moment's totals: the always-valid interval may be looked at as often as anyone
likes (the reason it is always valid).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from atn_content.experiments import lifecycle
from atn_content.experiments.decision import ArmCounts
from atn_content.experiments.records import Record
from atn_content.experiments.results import compare

__all__ = ["SNAPSHOT_SECONDS", "TIMELINE_KIND", "LiftPoint", "lift_path", "snapshot", "thinned"]

TIMELINE_KIND = "experiment-counts"
SNAPSHOT_SECONDS = 900.0
#: Points a plot needs at most; older snapshots are thinned evenly beyond that.
MAX_POINTS = 200


def snapshot(arms: Sequence[ArmCounts], now: float) -> dict[str, Any]:
    return {"ts": now, "arms": [asdict(arm) for arm in arms]}


@dataclass(frozen=True)
class LiftPoint:
    ts: float
    variant: str
    lift: float | None
    low: float | None
    high: float | None
    recipients: int


def thinned(snapshots: Sequence[dict[str, Any]], most: int = MAX_POINTS) -> list[dict[str, Any]]:
    """At most `most` snapshots, evenly spread, the first and the last kept."""
    if len(snapshots) <= most:
        return list(snapshots)
    step = (len(snapshots) - 1) / (most - 1)
    return [snapshots[round(i * step)] for i in range(most)]


def lift_path(record: Record, snapshots: Sequence[dict[str, Any]]) -> list[LiftPoint]:
    """Each variant's relative lift over the control and its always-valid interval, per
    snapshot (snapshots whose arms no longer match the definition are skipped)."""
    definition = record.definition
    rule = definition.decision
    names = [v.key for v in definition.variants]
    tuning = lifecycle.sequential_tuning(record)
    points = []
    for shot in thinned(snapshots):
        try:
            arms = [ArmCounts(**arm) for arm in shot["arms"]]
        except (KeyError, TypeError):
            continue
        if [a.name for a in arms] != names:
            continue
        total = sum(a.recipients for a in arms)
        for comparison in compare(arms, rule.metric, rule.alpha, sequential=True, tuning=tuning):
            points.append(
                LiftPoint(
                    float(shot["ts"]),
                    comparison.variant,
                    comparison.relative_lift,
                    comparison.lift_low,
                    comparison.lift_high,
                    total,
                )
            )
    return points
