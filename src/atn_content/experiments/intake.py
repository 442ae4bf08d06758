"""Experiment events into the store, off the request path: exposures from renders, and
delivered / open / click / conversion observations from the tracking side.

Events are queued on the EventBuffer (memory, then batches, then a disk spool when the
store is down); a request never waits on the store. Counters live under scope =
experiment key, bucket = variant key (or the rollout bucket), so results read them directly.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Annotated, Literal, Protocol

import msgspec

from atn_content.content.fields import RecipientId
from atn_content.experiments.assign import Assignment
from atn_content.store.base import Event
from atn_content.store.buffer import EventBuffer

__all__ = ["EVENT_TYPES", "ExposureSink", "Intake", "Observation"]

#: Observations the intake accepts; opens and clicks count once per recipient.
EVENT_TYPES = ("delivered", "open", "click", "conversion")


class Observation(msgspec.Struct, forbid_unknown_fields=True):
    """One thing the tracking side saw happen to one recipient's email."""

    type: Literal["delivered", "open", "click", "conversion"]
    recipient_id: RecipientId
    value: Annotated[float, msgspec.Meta(ge=-1e12, le=1e12)] = 0.0
    """Conversions: revenue in XPF (bounded so sums of squares stay finite)."""
    ts: Annotated[float, msgspec.Meta(ge=0, le=1e11)] | None = None
    event_id: Annotated[str, msgspec.Meta(max_length=256)] | None = None
    """Set for webhook events, so a replayed delivery is counted once."""
    variant: str | None = None
    """The arm the email was sent with (bandit tests, whose weights change over time)."""
    machine: bool = False
    """A machine open or click (privacy proxy, scanner): counted raw, never as human."""
    locale: str | None = None
    """The email's locale: an event outside a locale-restricted test is not counted."""


class ExposureSink(Protocol):
    """Where a render reports that a recipient got an experiment's email."""

    def exposure(self, assignment: Assignment, recipient_id: str) -> None: ...


class Intake:
    def __init__(self, buffer: EventBuffer | None, clock: Callable[[], float] = time.time):
        self.buffer = buffer
        self.clock = clock
        self.dropped = 0
        """Events seen while no buffer runs (CLI renders): nothing to send them to."""

    def record(self, event: Event) -> None:
        """Queue one event; returns at once."""
        if self.buffer is None:
            self.dropped += 1
            return
        self.buffer.add(event)

    def exposure(self, assignment: Assignment, recipient_id: str) -> None:
        """A recipient was given an email from this experiment (once per recipient)."""
        if assignment.status == "waiting":
            return
        self.record(
            Event(
                scope=assignment.experiment,
                bucket=assignment.bucket,
                metric="exposure",
                recipient_id=recipient_id,
                ts=self.clock(),
                unique=True,
            )
        )

    def observe(self, experiment: str, bucket: str, observation: Observation) -> bool:
        """Queue an observation under `bucket`; False when it is not counted as a person's.

        Opens and clicks count raw (`open`, `click`) and, unless `machine`, human too
        (`open.human`, `click.human`: what decisions read by default). A machine click
        still returns True (scanners click; the raw count is the caller's evidence).
        """
        for event in self.observation_events(experiment, bucket, observation):
            self.record(event)
        return not (observation.machine and observation.type == "open")

    def observation_events(
        self, experiment: str, bucket: str, observation: Observation
    ) -> list[Event]:
        """The Events an observation is counted as: raw, and the human twin of an open or
        click by a person; for callers that write them themselves (webhooks, durably with
        their batch)."""
        conversion = observation.type == "conversion"
        metrics: list[str] = [observation.type]
        if observation.type in ("open", "click") and not observation.machine:
            metrics.append(observation.type + ".human")
        ts = observation.ts if observation.ts is not None else self.clock()
        return [
            Event(
                scope=experiment,
                bucket=bucket,
                metric=metric,
                recipient_id=observation.recipient_id,
                ts=ts,
                value=observation.value if conversion else 0.0,
                unique=not conversion,
                # the human twin needs an id of its own
                event_id=observation.event_id + metric[len(observation.type) :]
                if observation.event_id
                else None,
            )
            for metric in metrics
        ]
