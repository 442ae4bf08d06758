"""Experiments against the store: definitions from experiments/*.toml and store documents,
launch, decide, the scheduled tick (automatic decisions, bandit reweighting) and results.

Every state change is a store document write plus an entry in the experiment's log, so
what happened, when and why (each bandit weight change with its inputs) can be read back.
Lifecycle rules themselves are pure functions in lifecycle.py.

Writes are compare-and-set on the document's version, so of two changes computed from
the same state (nine parallel decisions, a decision racing the tick, two replicas) one
is written and logged, and the other sees the new state; each experiment's scheduled
work runs on one replica at a time, the holder of its lease in the store.
"""

from __future__ import annotations

import logging
import os
import socket
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import msgspec

from atn_content.experiments import lifecycle
from atn_content.experiments.decision import ArmCounts
from atn_content.experiments.definitions import Definition
from atn_content.experiments.records import DecisionRecord, Record, phase, rollout_end
from atn_content.experiments.results import Results, build_results
from atn_content.experiments.stored import DOCUMENT_KIND, load_files, read_records
from atn_content.experiments.timeline import SNAPSHOT_SECONDS, TIMELINE_KIND, snapshot
from atn_content.store.base import Store
from atn_content.timestamps import iso

__all__ = [
    "DOCUMENT_KIND",
    "LEASE_SECONDS",
    "LOG_KIND",
    "AlreadyDecided",
    "DecisionBlocked",
    "ExperimentConflict",
    "ExperimentNotFound",
    "ExperimentService",
    "load_files",
]

log = logging.getLogger(__name__)

LOG_KIND = "experiment-log"
#: How long a replica keeps an experiment's scheduled work after its last tick; past
#: that (the replica died) another replica takes it over.
LEASE_SECONDS = 30.0
#: Tries of a decision whose state changed meanwhile (a bandit reweight, a blocked note).
_ATTEMPTS = 5


class ExperimentNotFound(LookupError):
    pass


class ExperimentConflict(ValueError):
    """The launch or decision contradicts the current state (running key, overlap)."""


class AlreadyDecided(ExperimentConflict):
    """A decision stands already (taken by someone else, perhaps a moment ago)."""

    def __init__(self, key: str, decision: DecisionRecord) -> None:
        self.decision = decision
        by = "by the rule" if decision.by == "rule" else "manually"
        super().__init__(
            f"experiment {key!r} was already decided: {decision.winner!r} ({by}, at "
            f"{iso(decision.decided_at)}); that decision stands"
        )


class DecisionBlocked(ValueError):
    """The rule refuses to decide (sample-ratio mismatch); the message says why."""


class ExperimentService:
    def __init__(
        self,
        store: Store,
        directory: Path | None = None,
        clock: Callable[[], float] = time.time,
        replica: str | None = None,
    ) -> None:
        self.store = store
        self.directory = directory
        self.clock = clock
        self.replica = replica or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        """Who holds this process's tick leases."""
        self.file_errors: list[str] = []
        self._leases: set[str] = set()
        self._snapshots: dict[str, float] = {}
        """When this replica last wrote each experiment's counters snapshot."""

    def files(self) -> dict[str, tuple[Definition, Path]]:
        if self.directory is None:
            return {}
        found, self.file_errors = load_files(self.directory)
        return found

    async def records(self) -> list[Record]:
        """Launched experiments from the store, then drafts from files, by key."""
        return await read_records(self.store, self.files())

    async def get(self, key: str) -> Record:
        return (await self._load(key))[0]

    async def _load(self, key: str) -> tuple[Record, int | None]:
        """The record and the version it was read at (None: a draft, not in the store)."""
        stored = await self.store.get_versioned(DOCUMENT_KIND, key)
        if stored is not None:
            try:
                return msgspec.convert(stored.document, Record), stored.version
            except msgspec.ValidationError as exc:
                raise ExperimentConflict(
                    f"experiment {key!r} has an unreadable record: {exc}"
                ) from None
        found = self.files().get(key)
        if found is None:
            raise ExperimentNotFound(f"no experiment {key!r}")
        definition, path = found
        planning = lifecycle.planning_sentence(definition)
        return Record(definition, source=str(path), planning=planning), None

    async def launch(self, definition: Definition, source: str) -> Record:
        existing = await self.store.get_document(DOCUMENT_KIND, definition.key)
        if existing is not None:
            raise ExperimentConflict(
                f"experiment {definition.key!r} was already launched ({existing['status']}); "
                "a key is never reused, because its counters stay attached to it"
            )
        now = self.clock()
        for other in await self.records():
            if not _overlap(definition, other.definition):
                continue
            if other.status == "running":
                raise ExperimentConflict(
                    f"experiment {other.key!r} is already running on template "
                    f"{definition.template!r} for the same recipients; give both tests the "
                    "same namespace with disjoint ranges (namespace = {name, start, end})"
                )
            if phase(other, now) == "decided":  # its winner is still rolling out
                raise ExperimentConflict(
                    f"experiment {other.key!r} is rolling out its winner on template "
                    f"{definition.template!r} to the same recipients until "
                    f"{iso(rollout_end(other))}; launch after that, or give both "
                    "tests the same namespace with disjoint ranges"
                )
        record = lifecycle.launched(definition, self.clock(), source)
        entry = {"event": "launched", "source": source, "planning": record.planning}
        if not await self._save(record, entry, None):
            raise ExperimentConflict(
                f"experiment {definition.key!r} was launched at the same moment by another "
                "request; a key is never reused, because its counters stay attached to it"
            )
        return record

    async def decide(self, key: str, winner: str | None = None, by: str = "manual") -> Record:
        """Decide now: with a winner, as told; without, by the experiment's rule.

        Raises AlreadyDecided, naming the decision that stands, when one was taken first.
        """
        for _ in range(_ATTEMPTS):
            record, version = await self._load(key)
            updated = await self._decision(record, winner, by)
            assert updated.decision is not None
            entry = {"event": "decided", **msgspec.to_builtins(updated.decision)}
            if await self._save(updated, entry, version):
                return updated
        raise ExperimentConflict(
            f"experiment {key!r} keeps changing while it is being decided; try again"
        )

    async def _decision(self, record: Record, winner: str | None, by: str) -> Record:
        key = record.key
        if record.status == "draft":
            raise ExperimentConflict(f"experiment {key!r} has not been launched")
        if record.decision is not None:
            raise AlreadyDecided(key, record.decision)
        now = self.clock()
        if winner is not None:
            names = [v.key for v in record.definition.variants]
            if winner not in names:
                raise ExperimentConflict(f"winner {winner!r} is not a variant ({', '.join(names)})")
            reason = f"'{winner}' chosen manually."
            return lifecycle.decided(record, winner, False, reason, now, "manual")
        arms = lifecycle.arm_counts(record.definition, await self.store.counters(key))
        decision = lifecycle.rule_decision(record, arms)
        if lifecycle.no_data(arms):
            raise DecisionBlocked(lifecycle.no_data(arms))
        if decision.srm_blocked or decision.winner is None:
            raise DecisionBlocked(decision.reason)
        return lifecycle.decided(
            record, decision.winner, decision.conclusive, decision.reason, now, by
        )

    async def tick(self) -> list[str]:
        """Scheduled work for every running experiment whose lease this replica holds
        (or takes); returns what it did."""
        done: list[str] = []
        for record in await self.records():
            if record.status != "running" or not await self._lease(record.key):
                continue
            try:
                done.extend(await self._tick_one(record.key))
            except Exception:  # one broken experiment must not stop the others
                log.exception("experiment %s: scheduled work failed", record.key)
        return done

    async def close(self) -> None:
        """Give up this replica's leases, so another replica takes the work over now."""
        for name in sorted(self._leases):
            await self.store.release_lease(name, self.replica)
        self._leases.clear()

    async def _lease(self, key: str) -> bool:
        name = f"experiment-tick:{key}"
        if await self.store.acquire_lease(name, self.replica, LEASE_SECONDS):
            self._leases.add(name)
            return True
        self._leases.discard(name)
        return False

    async def _tick_one(self, key: str) -> list[str]:
        record, version = await self._load(key)  # as it is now, not as listed
        if record.status != "running":
            return []
        now = self.clock()
        arms = lifecycle.arm_counts(record.definition, await self.store.counters(key))
        await self._snapshot(key, arms, now)
        reweight = lifecycle.reweighted(record, arms, now)
        if reweight is not None:
            updated, entry = reweight
            if not await self._save(updated, {"event": "weights", **entry}, version):
                return []
            return [f"{key}: weights v{updated.weights_version} {updated.weights}"]
        action = lifecycle.due_action(record, arms, now)
        if action is None:
            return []
        if action.decision is None:
            entry = {"event": "decision blocked", "reason": action.blocked}
            return [f"{key}: decision blocked"] if await self._save(action, entry, version) else []
        entry = {"event": "decided", **msgspec.to_builtins(action.decision)}
        if not await self._save(action, entry, version):
            return []  # decided (or changed) meanwhile: the next tick sees the new state
        return [f"{key}: decided {action.decision.winner}"]

    async def _snapshot(self, key: str, arms: list[ArmCounts], now: float) -> None:
        """The counters' path for the lift-over-time plot (timeline.py)."""
        if now - self._snapshots.get(key, -SNAPSHOT_SECONDS) >= SNAPSHOT_SECONDS:
            await self.store.append_log(TIMELINE_KIND, key, snapshot(arms, now))
            self._snapshots[key] = now

    async def timeline(self, key: str) -> list[dict[str, Any]]:
        """Snapshots of every arm's counts over time, oldest first."""
        return await self.store.read_log(TIMELINE_KIND, key)

    async def results(self, key: str) -> Results:
        record = await self.get(key)
        return build_results(record, await self.store.counters(key), self.clock())

    async def history(self, key: str) -> list[dict[str, Any]]:
        return await self.store.read_log(LOG_KIND, key)

    async def _save(self, record: Record, entry: dict[str, Any], version: int | None) -> bool:
        """Write the record if it is still at `version` (None: not stored yet), then log
        the change; False, with nothing written or logged, when another write came first.
        """
        written = await self.store.put_if_version(
            DOCUMENT_KIND, record.key, record.to_dict(), version
        )
        if written is None:
            log.info("experiment %s changed meanwhile; not applied: %s", record.key, entry)
            return False
        await self.store.append_log(LOG_KIND, record.key, {"ts": self.clock(), **entry})
        return True


def _overlap(a: Definition, b: Definition) -> bool:
    """Can one recipient be in both tests on the same template?"""
    if a.template != b.template:
        return False
    if a.locales and b.locales and not set(a.locales) & set(b.locales):
        return False
    if a.namespace is None or b.namespace is None or a.namespace.name != b.namespace.name:
        return True
    return a.namespace.start < b.namespace.end and b.namespace.start < a.namespace.end
