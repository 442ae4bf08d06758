"""The store protocol every backend implements, and the event shape it records.

Two implementations (SQLite, the embedded default; Redis, production) pass one
contract test suite (tests/store/test_contract.py). Nothing on the request hot path
waits on a store: events reach it in batches through the EventBuffer.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any, Protocol, runtime_checkable

import msgspec

from atn_content.content.content_types import CONTENT_TYPES

__all__ = [
    "CONTENT_TYPES",
    "FREQUENCIES",
    "MAX_ABS_VALUE",
    "UNSUBSCRIBE_REASONS",
    "UNSUBSCRIBE_SOURCES",
    "Event",
    "InvalidEvent",
    "Preferences",
    "Store",
    "StoreUnavailable",
    "SuppressionEntry",
    "Unsubscribe",
    "Versioned",
    "Write",
    "validate_event",
    "validate_write",
]

#: Largest |value| an event may carry. Revenue in XPF never comes near it, and it keeps
#: sums and sums of squares finite in every backend (1e15 squared is 1e30).
MAX_ABS_VALUE = 1e15


class StoreUnavailable(Exception):
    """The backend cannot be reached; callers spool and retry instead of failing."""


class InvalidEvent(ValueError):
    """A write no backend can hold; the only writes ever set aside instead of retried."""


class Event(msgspec.Struct, frozen=True, tag="event", tag_field="write"):
    """One thing that happened to one recipient, counted under (scope, bucket, metric).

    scope: what the counters belong to, e.g. an experiment key ("bf-2026-subject").
    bucket: the sub-division counted separately, e.g. a variant key ("B").
    metric: "exposure", "delivered", "open", "click", "conversion", ...
    unique: when true, only the first event of this (scope, metric, recipient_id) counts
        towards the counters (unique openers, unique clickers); later ones are ignored.
    event_id: when set, a second event with the same id (a replayed webhook) is ignored.
        Ids are remembered per scope; an empty string means no id.
    value: an amount summed with the count (revenue in XPF); sum and sum of squares kept.
    ts: seconds since the epoch, UTC.
    """

    scope: str
    bucket: str
    metric: str
    recipient_id: str
    ts: float
    value: float = 0.0
    unique: bool = True
    event_id: str | None = None


class Versioned(msgspec.Struct, frozen=True):
    """A document and the version it was read at (for `put_if_version`).

    A document gets version 1 when created and one more at every write; a document
    written before versions existed reads as version 0. Deleting a document forgets its
    version (kinds that are compare-and-set are never deleted).
    """

    document: dict[str, Any]
    version: int


#: How often a recipient wants marketing emails; "never" suppresses every list.
FREQUENCIES = ("weekly", "monthly", "never")

#: Why a recipient left ("" when they did not say).
UNSUBSCRIBE_REASONS = ("", "too-frequent", "not-relevant", "never-signed-up", "other")

#: Where an unsubscribe came from: our link or page, the preference centre, or the ESP
#: (an unsubscribe made elsewhere, a hard bounce, a spam complaint).
UNSUBSCRIBE_SOURCES = ("link", "preference-centre", "esp", "bounce", "complaint")


class Unsubscribe(msgspec.Struct, frozen=True, tag="unsubscribe", tag_field="write"):
    """A recipient left a list (one-click, the confirmation page, the preference centre,
    or imported from the ESP); applying it twice changes nothing (the first is kept), so a
    replayed one is harmless. list_id "*" means every list. Spool lines from before
    reason and source existed load with the defaults."""

    recipient_id: str
    list_id: str
    ts: float
    reason: str = ""
    source: str = "link"


class Preferences(msgspec.Struct, frozen=True, tag="preferences", tag_field="write"):
    """What a recipient chose in the preference centre: how often, which content types
    they keep, and the page's language. The latest ts wins; an older one changes nothing."""

    recipient_id: str
    frequency: str
    topics: tuple[str, ...]
    locale: str
    ts: float


class SuppressionEntry(msgspec.Struct, frozen=True):
    """One line of the suppression feed (GET /v1/suppressions, the render-time snapshot).

    id and ts are the store's: id a sequence, ts when the store recorded the line (never
    earlier than the line before), so (ts, id) orders the feed and a late replayed write
    still lands after every cursor already handed out. at is when the person acted.
    kind "unsubscribe" carries list_id, reason, source; "preferences" carries frequency,
    topics, locale; "erasure" names nobody: recipient_hash is the keyed hash of the id.
    """

    id: int
    ts: float
    kind: str
    at: float
    recipient_id: str = ""
    recipient_hash: str = ""
    list_id: str = ""
    reason: str = ""
    source: str = ""
    frequency: str = ""
    topics: tuple[str, ...] = ()
    locale: str = ""


Write = Event | Unsubscribe | Preferences
"""What the EventBuffer and its spool carry: writes that can wait for the store. Each
kind is tagged in its JSON ("write": "event" | "unsubscribe" | "preferences"); a spool
line without the tag is an Event from before there were other kinds."""


def validate_write(write: Write) -> None:
    """Raise InvalidEvent for a write no backend can hold (see validate_event)."""
    if isinstance(write, Event):
        validate_event(write)
    elif isinstance(write, Unsubscribe):
        _validate_unsubscribe(write)
    else:
        _validate_preferences(write)


def _check_text(kind: str, name: str, value: object) -> None:
    if not isinstance(value, str) or not value:
        raise InvalidEvent(f"{kind} {name} must be a non-empty string")


def _check_ts(kind: str, ts: object) -> None:
    if isinstance(ts, bool) or not isinstance(ts, (int, float)):
        raise InvalidEvent(f"{kind} ts must be a number, got {ts!r}")
    if not math.isfinite(ts):
        raise InvalidEvent(f"{kind} ts must be finite")


def _check_choice(kind: str, name: str, value: object, choices: tuple[str, ...]) -> None:
    if value not in choices:
        raise InvalidEvent(f"{kind} {name} must be one of {', '.join(map(repr, choices))}")


def _validate_unsubscribe(write: Unsubscribe) -> None:
    for name in ("recipient_id", "list_id"):
        _check_text("unsubscribe", name, getattr(write, name))
    _check_ts("unsubscribe", write.ts)
    _check_choice("unsubscribe", "reason", write.reason, UNSUBSCRIBE_REASONS)
    _check_choice("unsubscribe", "source", write.source, UNSUBSCRIBE_SOURCES)


def _validate_preferences(write: Preferences) -> None:
    _check_text("preferences", "recipient_id", write.recipient_id)
    _check_text("preferences", "locale", write.locale)
    _check_ts("preferences", write.ts)
    _check_choice("preferences", "frequency", write.frequency, FREQUENCIES)
    if not isinstance(write.topics, tuple):
        raise InvalidEvent("preferences topics must be a list of content types")
    for topic in write.topics:
        _check_choice("preferences", "topics", topic, CONTENT_TYPES)
    if len(set(write.topics)) != len(write.topics):
        raise InvalidEvent("preferences topics must not repeat a content type")


def validate_event(event: Event) -> None:
    """Raise InvalidEvent for what no backend can hold; pure, so it runs before any write.

    Both stores call it on the whole batch before writing, and the EventBuffer calls it
    to decide what to set aside: an event passing it is retried until the store takes it.
    """
    if not isinstance(event.scope, str) or not event.scope:
        raise InvalidEvent("event scope must be a non-empty string")
    for name in ("bucket", "metric", "recipient_id"):
        if not isinstance(getattr(event, name), str):
            raise InvalidEvent(f"event {name} must be a string")
    if "|" in event.metric:
        raise InvalidEvent(f"metric {event.metric!r} must not contain '|'")
    value = event.value
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InvalidEvent(f"event value must be a number, got {value!r}")
    if not math.isfinite(value) or abs(value) > MAX_ABS_VALUE:
        raise InvalidEvent(f"event value must be finite and at most {MAX_ABS_VALUE:g} in size")
    if event.event_id is not None and not isinstance(event.event_id, str):
        raise InvalidEvent("event_id must be a string")


@runtime_checkable
class Store(Protocol):
    """Persistence for counters, documents and unsubscribes."""

    async def ping(self) -> None:
        """Raise StoreUnavailable when the backend cannot be reached."""

    async def close(self) -> None: ...

    async def warnings(self) -> list[str]:
        """What an operator should fix although the store works (shown on /healthz), e.g.
        a Redis that keeps nothing across a restart. Raises StoreUnavailable."""

    async def record(self, events: Sequence[Event]) -> int:
        """Record a batch atomically per event; update counters; return how many counted.

        The result equals applying the events one by one in batch order: an event whose
        event_id was seen is dropped first (and claims nothing); then a unique event whose
        (scope, metric, recipient_id) was already counted is dropped. Events with
        unique=False always count and do not claim the recipient for later unique ones.
        Raises InvalidEvent, having written nothing, when any event fails validate_event;
        StoreUnavailable when the backend cannot take writes now (unreachable, read-only
        replica, out of memory, ...): the same batch may then be sent again, and event ids
        make that harmless.
        """

    async def counters(self, scope: str) -> dict[str, dict[str, dict[str, float]]]:
        """Counters of one scope: {bucket: {metric: {"count", "sum", "sumsq"}}}.

        Kept up to date as events arrive (never recounted), so reading is O(buckets).
        """

    async def put_document(self, kind: str, key: str, document: Mapping[str, Any]) -> None:
        """Create or replace a JSON document (experiment definitions, decisions, ...)."""

    async def get_document(self, kind: str, key: str) -> dict[str, Any] | None: ...

    async def get_versioned(self, kind: str, key: str) -> Versioned | None:
        """A document with its current version, or None when there is none."""

    async def put_if_version(
        self, kind: str, key: str, document: Mapping[str, Any], version: int | None
    ) -> int | None:
        """Compare-and-set: write only if the stored version is still `version` (None:
        only if no document exists); the new version, or None when another write came
        first (nothing written). Atomic across every process sharing the store.
        """

    async def list_documents(self, kind: str) -> list[dict[str, Any]]:
        """Every document of a kind, ordered by key."""

    async def delete_document(self, kind: str, key: str) -> bool: ...

    async def append_log(self, kind: str, key: str, entry: Mapping[str, Any]) -> None:
        """Append an entry to an ordered log (bandit weight history, audit trail)."""

    async def read_log(self, kind: str, key: str) -> list[dict[str, Any]]:
        """Entries of a log, oldest first."""

    async def unsubscribe(
        self,
        recipient_id: str,
        list_id: str,
        ts: float,
        reason: str = "",
        source: str = "link",
    ) -> None:
        """Record an unsubscribe; a repeat keeps the first one, its time, reason and source
        (idempotent, so replays and retries are harmless)."""

    async def is_unsubscribed(self, recipient_id: str, list_id: str) -> bool: ...

    async def unsubscribes(self, recipient_id: str) -> list[Unsubscribe]:
        """Every list a recipient left, ordered by list id."""

    async def set_preferences(self, preferences: Preferences) -> bool:
        """Keep a recipient's preferences if they are newer (a later ts) than the stored
        ones: True when kept, False when an equal or later choice is already there."""

    async def get_preferences(self, recipient_id: str) -> Preferences | None:
        """The recipient's latest preferences, or None when they never chose."""

    async def suppressions(
        self, after: int = 0, limit: int = 100, since: float | None = None
    ) -> list[SuppressionEntry]:
        """Feed lines with an id above `after` (and ts >= since), in (ts, id) order."""

    async def erase_recipient(self, recipient_id: str, recipient_hash: str, ts: float) -> None:
        """Forget everything held under the recipient id (unsubscribes, preferences,
        consents, unique-event claims, their feed lines) and add one "erasure" feed line
        naming only the hash. Idempotent."""

    async def recipient_claims(self, recipient_id: str) -> list[tuple[str, str]]:
        """(scope, metric) pairs where a unique event of the recipient was counted."""

    async def acquire_lease(self, name: str, holder: str, seconds: float) -> bool:
        """Hold lease `name` for `seconds` (True), unless another holder has it (False).

        The holder renews by acquiring again; an unrenewed lease expires, so work guarded
        by it moves to another replica when its holder dies.
        """

    async def release_lease(self, name: str, holder: str) -> None:
        """Give up a lease this holder has (no effect on another holder's lease)."""
