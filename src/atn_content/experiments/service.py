"""Experiments against the store: definitions from experiments/*.toml and store documents,
launch, decide, the scheduled tick (automatic decisions, bandit reweighting) and results.

Every state change is a store document write plus an entry in the experiment's log, so
what happened, when and why (each bandit weight change with its inputs) can be read back.
Lifecycle rules themselves are pure functions in lifecycle.py.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import msgspec

from atn_content.experiments import lifecycle
from atn_content.experiments.definitions import Definition, DefinitionError, parse_toml
from atn_content.experiments.lifecycle import Record
from atn_content.experiments.results import Results, build_results, iso
from atn_content.store.base import Store

__all__ = [
    "DOCUMENT_KIND",
    "LOG_KIND",
    "DecisionBlocked",
    "ExperimentConflict",
    "ExperimentNotFound",
    "ExperimentService",
    "load_files",
]

log = logging.getLogger(__name__)

DOCUMENT_KIND = "experiment"
LOG_KIND = "experiment-log"


class ExperimentNotFound(LookupError):
    pass


class ExperimentConflict(ValueError):
    """The launch or decision contradicts the current state (running key, overlap)."""


class DecisionBlocked(ValueError):
    """The rule refuses to decide (sample-ratio mismatch); the message says why."""


def load_files(directory: Path) -> tuple[dict[str, tuple[Definition, Path]], list[str]]:
    """Definitions in experiments/*.toml by key, and a message per broken file."""
    found: dict[str, tuple[Definition, Path]] = {}
    errors: list[str] = []
    for path in sorted(directory.glob("*.toml")) if directory.is_dir() else []:
        try:
            definition = parse_toml(path.read_text(encoding="utf-8"), str(path))
        except DefinitionError as exc:
            errors.append(str(exc))
            continue
        if definition.key in found:
            first = found[definition.key][1]
            errors.append(f"{path}: key {definition.key!r} already used by {first}")
            continue
        found[definition.key] = (definition, path)
    return found, errors


class ExperimentService:
    def __init__(
        self,
        store: Store,
        directory: Path | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.store = store
        self.directory = directory
        self.clock = clock
        self.file_errors: list[str] = []

    def files(self) -> dict[str, tuple[Definition, Path]]:
        if self.directory is None:
            return {}
        found, self.file_errors = load_files(self.directory)
        return found

    async def records(self) -> list[Record]:
        """Launched experiments from the store, then drafts from files, by key."""
        documents = await self.store.list_documents(DOCUMENT_KIND)
        stored: dict[str, Record] = {}
        for doc in documents:
            try:
                record = msgspec.convert(doc, Record)
            except msgspec.ValidationError as exc:  # one bad document must not hide the rest
                log.error("experiment document skipped, unreadable: %s", exc)
                continue
            stored[record.key] = record
        for key, (definition, path) in self.files().items():
            stored.setdefault(key, Record(definition, source=str(path), planning=""))
        return sorted(stored.values(), key=lambda r: r.key)

    async def get(self, key: str) -> Record:
        doc = await self.store.get_document(DOCUMENT_KIND, key)
        if doc is not None:
            try:
                return msgspec.convert(doc, Record)
            except msgspec.ValidationError as exc:
                raise ExperimentConflict(
                    f"experiment {key!r} has an unreadable record: {exc}"
                ) from None
        found = self.files().get(key)
        if found is None:
            raise ExperimentNotFound(f"no experiment {key!r}")
        definition, path = found
        planning = lifecycle.planning_sentence(definition)
        return Record(definition, source=str(path), planning=planning)

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
            if lifecycle.phase(other, now) == "decided":  # its winner is still rolling out
                raise ExperimentConflict(
                    f"experiment {other.key!r} is rolling out its winner on template "
                    f"{definition.template!r} to the same recipients until "
                    f"{iso(lifecycle.rollout_end(other))}; launch after that, or give both "
                    "tests the same namespace with disjoint ranges"
                )
        record = lifecycle.launched(definition, self.clock(), source)
        entry = {"event": "launched", "source": source, "planning": record.planning}
        await self._save(record, entry)
        return record

    async def decide(self, key: str, winner: str | None = None, by: str = "manual") -> Record:
        """Decide now: with a winner, as told; without, by the experiment's rule."""
        record = await self.get(key)
        if record.status == "draft":
            raise ExperimentConflict(f"experiment {key!r} has not been launched")
        if record.status == "decided" and record.decision is not None:
            raise ExperimentConflict(
                f"experiment {key!r} was already decided: {record.decision.winner!r}"
            )
        now = self.clock()
        if winner is not None:
            names = [v.key for v in record.definition.variants]
            if winner not in names:
                raise ExperimentConflict(f"winner {winner!r} is not a variant ({', '.join(names)})")
            reason = f"'{winner}' chosen manually."
            updated = lifecycle.decided(record, winner, False, reason, now, "manual")
        else:
            arms = lifecycle.arm_counts(record.definition, await self.store.counters(key))
            decision = lifecycle.rule_decision(record, arms)
            if lifecycle.no_data(arms):
                raise DecisionBlocked(lifecycle.no_data(arms))
            if decision.srm_blocked or decision.winner is None:
                raise DecisionBlocked(decision.reason)
            updated = lifecycle.decided(
                record, decision.winner, decision.conclusive, decision.reason, now, by
            )
        assert updated.decision is not None
        await self._save(updated, {"event": "decided", **msgspec.to_builtins(updated.decision)})
        return updated

    async def tick(self) -> list[str]:
        """Scheduled work for every running experiment; returns what it did."""
        done: list[str] = []
        for record in await self.records():
            if record.status != "running":
                continue
            try:
                done.extend(await self._tick_one(record))
            except Exception:  # one broken experiment must not stop the others
                log.exception("experiment %s: scheduled work failed", record.key)
        return done

    async def _tick_one(self, record: Record) -> list[str]:
        now = self.clock()
        arms = lifecycle.arm_counts(record.definition, await self.store.counters(record.key))
        reweight = lifecycle.reweighted(record, arms, now)
        if reweight is not None:
            updated, entry = reweight
            await self._save(updated, {"event": "weights", **entry})
            return [f"{record.key}: weights v{updated.weights_version} {updated.weights}"]
        action = lifecycle.due_action(record, arms, now)
        if action is None:
            return []
        if action.decision is None:
            await self._save(action, {"event": "decision blocked", "reason": action.blocked})
            return [f"{record.key}: decision blocked"]
        await self._save(action, {"event": "decided", **msgspec.to_builtins(action.decision)})
        return [f"{record.key}: decided {action.decision.winner}"]

    async def results(self, key: str) -> Results:
        record = await self.get(key)
        return build_results(record, await self.store.counters(key), self.clock())

    async def history(self, key: str) -> list[dict[str, Any]]:
        return await self.store.read_log(LOG_KIND, key)

    async def _save(self, record: Record, entry: dict[str, Any]) -> None:
        await self.store.put_document(DOCUMENT_KIND, record.key, record.to_dict())
        await self.store.append_log(LOG_KIND, record.key, {"ts": self.clock(), **entry})


def _overlap(a: Definition, b: Definition) -> bool:
    """Can one recipient be in both tests on the same template?"""
    if a.template != b.template:
        return False
    if a.locales and b.locales and not set(a.locales) & set(b.locales):
        return False
    if a.namespace is None or b.namespace is None or a.namespace.name != b.namespace.name:
        return True
    return a.namespace.start < b.namespace.end and b.namespace.start < a.namespace.end
