"""What the store keeps per experiment (a Record) and where it stands (its phase).

Kept apart from lifecycle.py, whose transitions need the statistics (scipy): the render
path (assign.py) reads Records and phases on every snapshot, and must not pay for scipy.
"""

from __future__ import annotations

from typing import Literal

import msgspec

from atn_content.experiments.definitions import Definition

__all__ = ["ROLLOUT", "DecisionRecord", "Phase", "Record", "phase", "rollout_end"]

Phase = Literal["draft", "running", "decision_due", "decided", "completed"]

ROLLOUT = "_rollout"
"""Counters bucket of recipients outside the test group (rollout or holdback control)."""


class DecisionRecord(msgspec.Struct):
    winner: str
    conclusive: bool
    reason: str
    decided_at: float
    by: Literal["rule", "manual"]


class Record(msgspec.Struct):
    definition: Definition
    status: Literal["draft", "running", "decided"] = "draft"
    source: str = ""
    launched_at: float | None = None
    decision_due: float | None = None
    weights: list[float] = []
    """Current allocation weights (the planned split, or the bandit's latest)."""
    weights_version: int = 0
    reweighted_at: float | None = None
    decision: DecisionRecord | None = None
    blocked: str = ""
    """Why the automatic decision did not happen (sample-ratio mismatch), if it did not."""
    planning: str = ""
    sequential_tuning: float | None = None
    """Sample size where the always-valid sequence is tightest, chosen at launch and used by
    every sequential analysis of this experiment; None in records stored before it existed
    (``sequential_tuning(record)`` then derives it from the definition)."""

    @property
    def key(self) -> str:
        return self.definition.key

    def to_dict(self) -> dict[str, object]:
        return msgspec.to_builtins(self)  # type: ignore[no-any-return]


def phase(record: Record, now: float) -> Phase:
    """Where the experiment stands; "completed" once the winner's rollout window is over
    (the template then renders as if no experiment existed)."""
    due = record.decision_due
    if record.status == "running" and due is not None and now >= due:
        return "decision_due"
    if record.decision is not None and now >= rollout_end(record):
        return "completed"
    return record.status


def rollout_end(record: Record) -> float:
    """When a decided experiment stops applying to renders of its template."""
    if record.decision is None:
        return float("inf")
    return record.decision.decided_at + record.definition.rollout_hours * 3600
