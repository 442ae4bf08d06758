"""Which arm a recipient gets for a render: a hash against definitions held in memory.

The hot path (`Assigner.assign`) reads no store: launched experiments are compiled into
allocators when the snapshot is loaded, and a background task reloads the snapshot
every few seconds, so every replica converges on the same decisions and weights.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any, Literal

from atn_content.content.formatting import recipient_zone
from atn_content.content.renderer import Variant
from atn_content.experiments.allocation import EXCLUDED, HOLDBACK, Allocator, Namespace
from atn_content.experiments.definitions import Definition, VariantSpec
from atn_content.experiments.launch_checks import variant_of
from atn_content.experiments.records import ROLLOUT, Record, phase
from atn_content.redact import redact

__all__ = ["Assigner", "Assignment", "Status", "refresh_forever"]

log = logging.getLogger(__name__)

Status = Literal["test", "holdback_control", "rollout", "waiting"]


@dataclass(frozen=True)
class Assignment:
    """What one recipient gets from one experiment."""

    experiment: str
    status: Status
    """test: in the test group; holdback_control: outside it, control before the decision;
    rollout: outside it, the decided winner; waiting: outside it, nothing to send yet."""
    variant: Variant | None
    """Passed to the renderer; None while waiting."""
    template: str
    """Template to render (another one in whole-template tests)."""
    bucket: str
    """Counters bucket for this recipient's events (variant key, or the rollout bucket)."""
    from_name: str | None = None
    send_at: dt.datetime | None = None
    decision_due: dt.datetime | None = None
    blocked: str = ""
    """Waiting only: why the decision is blocked (sample-ratio mismatch), if it is."""


@dataclass(frozen=True)
class _Arm:
    spec: VariantSpec
    variant: Variant
    template: str


@dataclass(frozen=True)
class _Live:
    definition: Definition
    allocator: Allocator
    arms: tuple[_Arm, ...]
    winner: int | None
    due: dt.datetime | None
    locales: frozenset[str] = frozenset()
    blocked: str = ""
    """Why the automatic decision did not happen, if it did not (shown to the holdback)."""
    fixed: tuple[Assignment | None, ...] = ()
    """Prebuilt answers by arm index (then the holdback's last): no allocation per render.
    None where the answer depends on the recipient (send-time arms)."""


def _arm(definition: Definition, spec: VariantSpec) -> _Arm:
    # variant_of: launch dry-renders exactly what is served here
    return _Arm(spec, variant_of(spec), spec.template or definition.template)


class Assigner:
    def __init__(self) -> None:
        self._by_template: dict[str, tuple[_Live, ...]] = {}
        self._by_key: dict[str, _Live] = {}
        self._records: dict[str, Record] = {}
        self._allocators: dict[tuple[Any, ...], Allocator] = {}
        self.skipped: dict[str, str] = {}
        """Records left out of the snapshot, by key, with the reason (logged once)."""

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(self._by_key)

    def record(self, key: str) -> Record | None:
        """The launched experiment `key` as of the last snapshot (what events are checked
        against while the store is unreachable), or None."""
        return self._records.get(key)

    def load(self, records: Iterable[Record], now: float | None = None) -> None:
        """Swap in a new snapshot of launched experiments.

        Drafts are ignored; completed ones (rollout over) only keep attributing late events.
        Running tests come first on a template, then decided ones rolling out their winner,
        newest decision first. A record that cannot be compiled (a stored date out of range)
        is logged and left out, so the rest keep serving.
        """
        moment = time.time() if now is None else now
        by_key: dict[str, _Live] = {}
        kept: dict[str, Record] = {}
        by_template: dict[str, list[_Live]] = {}
        allocators: dict[tuple[Any, ...], Allocator] = {}
        skipped: dict[str, str] = {}
        ordered = sorted(
            (r for r in records if r.status != "draft"),
            key=lambda r: (
                r.decision is not None,
                -r.decision.decided_at if r.decision else r.launched_at or 0.0,
                r.key,
            ),
        )
        for record in ordered:
            try:
                live = self._compile(record, allocators)
                completed = phase(record, moment) == "completed"
            except Exception as exc:  # one unreadable record must not hide the others
                if record.key not in self.skipped:
                    log.error("experiment %s skipped: cannot be loaded: %r", record.key, exc)
                skipped[record.key] = repr(exc)
                continue
            by_key[record.key] = live
            kept[record.key] = record
            if not completed:
                by_template.setdefault(record.definition.template, []).append(live)
        self._by_template = {t: tuple(x) for t, x in by_template.items()}
        self._by_key = by_key
        self._records = kept
        self._allocators = allocators
        self.skipped = skipped

    def _compile(self, record: Record, allocators: dict[tuple[Any, ...], Allocator]) -> _Live:
        """The in-memory form of one launched experiment (raises on an unusable record)."""
        d = record.definition
        ns = d.namespace
        spaced = (ns.name, ns.start, ns.end) if ns else None
        cache_key = (d.hash_seed, tuple(record.weights), d.test_fraction, spaced)
        allocator = self._allocators.get(cache_key) or Allocator(
            d.hash_seed,
            tuple(record.weights),
            d.test_fraction,
            Namespace(ns.name, ns.start, ns.end) if ns else None,
        )
        names = [v.key for v in d.variants]
        winner = names.index(record.decision.winner) if record.decision else None
        due = record.decision_due
        live = _Live(
            d,
            allocator,
            tuple(_arm(d, v) for v in d.variants),
            winner,
            dt.datetime.fromtimestamp(due, dt.UTC) if due is not None else None,
            blocked=record.blocked,
        )
        answers = [_assignment(live, i, {}, None) for i in range(len(d.variants))]
        answers.append(_assignment(live, HOLDBACK, {}, None))
        fixed = tuple(None if a.send_at else a for a in answers)
        allocators[cache_key] = allocator
        return replace(live, fixed=fixed, locales=frozenset(d.locales))

    def assign(
        self,
        template: str,
        recipient: Mapping[str, Any],
        locale: str | None = None,
        now: dt.datetime | None = None,
    ) -> Assignment | None:
        """The first launched experiment on `template` (and `locale`, when the experiment
        names locales) that includes the recipient, or None."""
        experiments = self._by_template.get(template)
        if not experiments:
            return None
        raw_id = recipient.get("id")
        if raw_id is None:
            return None
        recipient_id = raw_id if type(raw_id) is str else str(raw_id)
        for live in experiments:
            if live.locales and locale is not None and locale not in live.locales:
                continue
            index = live.allocator.assign(recipient_id)
            if index == EXCLUDED:
                continue
            return live.fixed[index] or _assignment(live, index, recipient, now)
        return None

    def arms(self, template: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
        """(experiment key, its variant keys) for each experiment serving `template`."""
        return tuple(
            (live.definition.key, tuple(arm.spec.key for arm in live.arms))
            for live in self._by_template.get(template, ())
        )

    def assign_arm(
        self,
        template: str,
        experiment: str,
        variant: str,
        recipient: Mapping[str, Any],
        now: dt.datetime | None = None,
    ) -> Assignment | None:
        """What a recipient in arm `variant` of `experiment` gets (the studio's variant
        picker), or None when no such arm serves `template`."""
        for live in self._by_template.get(template, ()):
            keys = [arm.spec.key for arm in live.arms]
            if live.definition.key == experiment and variant in keys:
                return _assignment(live, keys.index(variant), recipient, now)
        return None

    def bucket(self, key: str, recipient_id: str) -> str | None:
        """Counters bucket of a recipient's events in experiment `key` (None: not in it)."""
        live = self._by_key.get(key)
        if live is None:
            return None
        index = live.allocator.assign(recipient_id)
        if index >= 0:
            return live.arms[index].spec.key
        return None if index == EXCLUDED else ROLLOUT


def _assignment(
    live: _Live, index: int, recipient: Mapping[str, Any], now: dt.datetime | None
) -> Assignment:
    d = live.definition
    if index == HOLDBACK:
        if live.winner is not None:
            index, status, bucket = live.winner, "rollout", ROLLOUT
        elif d.holdback == "control":
            index, status, bucket = 0, "holdback_control", ROLLOUT
        else:
            return Assignment(
                d.key,
                "waiting",
                None,
                d.template,
                ROLLOUT,
                decision_due=live.due,
                blocked=live.blocked,
            )
    else:
        status, bucket = "test", live.arms[index].spec.key
    arm = live.arms[index]
    send_at = None
    if arm.spec.send_time is not None:
        send_at = send_time_utc(arm.spec.send_time, d.send_date, recipient.get("timezone"), now)
    return Assignment(
        d.key,
        status,  # type: ignore[arg-type]
        arm.variant,
        arm.template,
        bucket,
        arm.spec.from_name,
        send_at,
        live.due,
    )


def send_time_utc(
    local_time: str, date: str | None, timezone: object, now: dt.datetime | None = None
) -> dt.datetime:
    """The UTC instant of HH:MM in the recipient's zone: on `date`, else the next one."""
    zone = recipient_zone(timezone)
    hour, minute = (int(x) for x in local_time.split(":"))
    clock = dt.time(hour, minute)
    if date is not None:
        moment = dt.datetime.combine(dt.date.fromisoformat(date), clock, zone)
    else:
        local_now = (now or dt.datetime.now(dt.UTC)).astimezone(zone)
        moment = dt.datetime.combine(local_now.date(), clock, zone)
        if moment <= local_now:
            moment = dt.datetime.combine(local_now.date() + dt.timedelta(days=1), clock, zone)
    return moment.astimezone(dt.UTC)


async def refresh_forever(
    assigner: Assigner,
    load: Callable[[], Awaitable[Iterable[Record]]],
    interval: float,
    tick: Callable[[], Awaitable[object]] | None = None,
) -> None:
    """Background task: scheduled work (decisions, bandit weights), then a new snapshot."""
    while True:
        await asyncio.sleep(interval)
        try:
            if tick is not None:
                await tick()
            assigner.load(await load())
        except Exception as exc:  # store outage: keep serving the last snapshot
            log.warning(
                "experiments refresh failed, keeping the last snapshot: %s", redact(str(exc))
            )
