"""Which counters bucket an event belongs to: the events API now, webhooks, the open pixel
and click redirects next.

Pure: a launched experiment's record, the assigner's snapshot (the hash) and the events
in; a bucket or the reason it cannot be counted out, per event. Queuing is the Intake's.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple, Protocol

from atn_content.experiments.intake import Observation
from atn_content.experiments.records import Record

__all__ = ["Attribution", "Buckets", "attribute", "event_bucket"]


class Buckets(Protocol):
    """The assigner's view of an experiment: a recipient's arm by hash (None: not in it)."""

    def bucket(self, key: str, recipient_id: str) -> str | None: ...


class Attribution(NamedTuple):
    bucket: str | None
    """Counters bucket, or None when the event cannot belong to the test."""
    reason: str
    """Why not ("" when attributed)."""


def attribute(
    record: Record, assigner: Buckets, events: Sequence[Observation]
) -> list[Attribution]:
    """One attribution per event, in order."""
    variants = {v.key for v in record.definition.variants}
    return [event_bucket(record, assigner, variants, event) for event in events]


def event_bucket(
    record: Record, assigner: Buckets, variants: set[str], event: Observation
) -> Attribution:
    """The counters bucket of one event, or None and why it cannot belong to the test.

    Bandits take the event's `variant` (weights change, so the hash today may differ from
    the send); fixed splits trust the hash, and a `variant` contradicting it is refused.
    """
    d, rid = record.definition, event.recipient_id
    if event.variant is not None and event.variant not in variants:
        return Attribution(None, f"unknown variant {event.variant!r}")
    if d.locales and event.locale is not None and event.locale not in d.locales:
        return Attribution(
            None, f"locale {event.locale!r} is not in the test ({', '.join(d.locales)})"
        )
    if d.bandit is not None and event.variant is not None:
        return Attribution(event.variant, "")
    hashed = assigner.bucket(d.key, rid)
    if hashed is None:
        return Attribution(None, f"recipient {rid!r} is not in {d.key!r}")
    if event.variant is not None and hashed in variants and hashed != event.variant:
        return Attribution(None, f"recipient {rid!r} is in arm {hashed!r}, not {event.variant!r}")
    return Attribution(hashed, "")
