"""What a verified webhook event becomes in the store: counters, the experiment's arm,
the suppression list. Pure: events and the assigner's snapshot in, writes out.

Counters (one scope per campaign, else per template, else per provider):
- scope "campaign:<campaign>" when the metadata names a campaign, else
  "template:<template>", else "esp:<provider>" (events sent without our metadata);
- bucket: the variant, "-" when there is none;
- metric: the kind ("delivered", "open", "click", "bounce", "complaint", "unsubscribe"),
  plus "open.human" / "click.human" for opens and clicks nobody flagged as a machine (raw
  and human-only side by side), plus "bounce.hard" / "bounce.soft";
- recipient: our recipient id, else "email:" + a SHA-256 of the address (never the
  address itself); unique per (scope, metric, recipient);
- event_id: "<provider>:<provider event id>" (suffixed for the derived metrics), so a
  retried webhook is counted once.
An event whose metadata names an experiment and our recipient id also counts for the
recipient's arm, exactly as POST /v1/experiments/{key}/events would count it, human-only
(machine opens and clicks are not sent to experiments). Hard bounces, complaints and
ESP unsubscribes put the recipient on the suppression list for every list ("*").
"""

from __future__ import annotations

import hashlib
import re

from atn_content.content.fields import ID_PATTERN
from atn_content.experiments.assign import Assigner
from atn_content.experiments.attribution import event_bucket
from atn_content.experiments.intake import Intake, Observation
from atn_content.store.base import Event, Unsubscribe, Write
from atn_content.tracking.webhooks.events import WebhookEvent

__all__ = ["ALL_LISTS", "Counted", "count", "recipient_key", "scope_of"]

#: The list id of an unsubscribe from every list (a bounce, a complaint).
ALL_LISTS = "*"
_ID = re.compile(ID_PATTERN)
_ENGAGEMENT = frozenset({"open", "click"})
_EXPERIMENT_KINDS = frozenset({"delivered", "open", "click"})
#: Kinds that suppress, and the Unsubscribe source they are recorded with.
_SOURCES = {"bounce": "bounce", "complaint": "complaint", "unsubscribe": "esp"}


class Counted:
    """The writes of a batch of events, and why some did not count for an experiment."""

    def __init__(self) -> None:
        self.writes: list[Write] = []
        self.notes: list[str] = []


def scope_of(event: WebhookEvent) -> str:
    meta = event.metadata
    if meta.get("campaign"):
        return f"campaign:{meta['campaign']}"
    if meta.get("template"):
        return f"template:{meta['template']}"
    return f"esp:{event.provider}"


def our_recipient(event: WebhookEvent) -> str | None:
    """Our recipient id when the metadata carries one that passes the id rule."""
    rid = event.recipient_id
    return rid if rid and _ID.match(rid) else None


def recipient_key(event: WebhookEvent) -> str:
    rid = our_recipient(event)
    if rid:
        return rid
    address = event.email.strip().lower()
    return f"email:{hashlib.sha256(address.encode()).hexdigest()[:32]}" if address else ""


def count(events: list[WebhookEvent], assigner: Assigner, intake: Intake) -> Counted:
    counted = Counted()
    for event in events:
        counted.writes.extend(_counters(event))
        counted.writes.extend(_experiment_events(event, assigner, intake, counted.notes))
        unsubscribe = _suppression(event)
        if unsubscribe is not None:
            counted.writes.append(unsubscribe)
    return counted


def _counters(event: WebhookEvent) -> list[Event]:
    scope, rid = scope_of(event), recipient_key(event)
    bucket = event.metadata.get("variant") or "-"
    event_id = f"{event.provider}:{event.provider_event_id}"
    metrics: list[tuple[str, str]] = [(event.kind, event_id)]
    if event.kind in _ENGAGEMENT and not event.machine:
        metrics.append((f"{event.kind}.human", f"{event_id}:human"))
    if event.kind == "bounce" and event.bounce_type:
        metrics.append((f"bounce.{event.bounce_type}", f"{event_id}:{event.bounce_type}"))
    return [
        Event(scope, bucket, metric, rid, event.ts, unique=bool(rid), event_id=eid)
        for metric, eid in metrics
    ]


def _experiment_events(
    event: WebhookEvent, assigner: Assigner, intake: Intake, notes: list[str]
) -> list[Event]:
    """What the event counts for its recipient's arm: raw, and human unless a machine's."""
    key, rid = event.metadata.get("experiment"), our_recipient(event)
    if not key or not rid or event.kind not in _EXPERIMENT_KINDS:
        return []
    record = assigner.record(key)
    if record is None or record.status == "draft":
        notes.append(f"{event.provider_event_id}: experiment {key!r} is not running here")
        return []
    observation = Observation(
        type=event.kind,  # type: ignore[arg-type]  # narrowed by _EXPERIMENT_KINDS
        recipient_id=rid,
        ts=event.ts,
        event_id=f"{event.provider}:{event.provider_event_id}",
        variant=event.metadata.get("variant"),
        machine=event.machine,
    )
    variants = {v.key for v in record.definition.variants}
    bucket, why = event_bucket(record, assigner, variants, observation)
    if bucket is None:
        notes.append(f"{event.provider_event_id}: {why}")
        return []
    return intake.observation_events(key, bucket, observation)


def _suppression(event: WebhookEvent) -> Unsubscribe | None:
    rid = our_recipient(event)
    if rid is None:
        return None
    source = _SOURCES.get(event.kind)
    if source is None or (event.kind == "bounce" and event.bounce_type != "hard"):
        return None
    return Unsubscribe(rid, ALL_LISTS, event.ts, source=source)
