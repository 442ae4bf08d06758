"""The suppression list renders read: in memory, fed from the store's suppression feed.

Like the experiments' Assigner: no render waits on the store. The snapshot reads the feed
from its cursor every few seconds (the whole feed at start-up), and keeps what it has
through a store outage. This process's own writes (an unsubscribe or preferences saved
by a page, an import) reach it at once through the EventBuffer's listener, before the
store has them. Recipients are held under their keyed hash (consent/hashing.py), the
form an erasure leaves, so one lookup answers for the living and the erased alike.

Until a first read has succeeded nothing is known, and a render is refused with a 503
(retry) rather than risk mailing someone who left.
"""

from __future__ import annotations

import asyncio
import logging

from atn_content.api.errors import ProblemError
from atn_content.api.problems import Problem
from atn_content.consent.hashing import recipient_hash
from atn_content.consent.suppression import (
    Held,
    Suppression,
    merge_preferences,
    merge_unsubscribe,
    suppressed,
)
from atn_content.content.library import TemplateSource
from atn_content.redact import redact
from atn_content.store.base import (
    Preferences,
    Store,
    StoreUnavailable,
    SuppressionEntry,
    Unsubscribe,
    Write,
)
from atn_content.timestamps import utc_iso

__all__ = ["SuppressedProblem", "SuppressionSnapshot", "refresh_forever"]

log = logging.getLogger(__name__)

#: Feed lines read per store call.
PAGE = 1000


class SuppressedProblem(Problem):
    """409: this recipient must not get this template."""

    reason: str = ""
    since: str = ""


def suppressed_problem(found: Suppression, template: str) -> SuppressedProblem:
    return SuppressedProblem(
        409,
        "Recipient suppressed",
        f"{found.detail}: {template!r} is not sent to them",
        reason=found.reason,
        since=utc_iso(found.since, timespec="seconds"),
    )


class SuppressionSnapshot:
    """Who must not be mailed what, as of the last feed read plus this process's writes."""

    def __init__(self, secret: bytes) -> None:
        self._secret = secret
        self._held: dict[str, Held] = {}
        self.cursor = 0
        """Id of the last feed line applied."""
        self.loaded = False

    def key(self, recipient_id: str) -> str:
        return recipient_hash(self._secret, recipient_id)

    def held(self, recipient_id: str) -> Held | None:
        """What is known of one recipient (the preference centre's starting point)."""
        return self._held.get(self.key(recipient_id))

    def check(self, recipient_id: str, list_id: str, content_type: str) -> Suppression | None:
        """Why this recipient must not get a template of this list and content type."""
        return suppressed(self._held.get(self.key(recipient_id)), list_id, content_type)

    def gate(self, source: TemplateSource, recipient_id: str) -> None:
        """The Delivery gate: raises the 409 problem for a suppressed recipient."""
        if not self.loaded:
            raise StoreUnavailable("the suppression list has not been read from the store yet")
        found = self.check(recipient_id, source.list_id, source.content_type)
        if found is not None:
            raise ProblemError(suppressed_problem(found, source.name))

    def note(self, write: Write) -> None:
        """EventBuffer listener: this process's unsubscribes and preferences, at once."""
        if isinstance(write, Unsubscribe):
            key = self.key(write.recipient_id)
            self._held[key] = merge_unsubscribe(self._held.get(key), write)
        elif isinstance(write, Preferences):
            key = self.key(write.recipient_id)
            self._held[key] = merge_preferences(self._held.get(key), write)

    def note_erasure(self, hashed: str, ts: float) -> None:
        """An erasure: whatever was held is replaced by "never mail again"."""
        self._held[hashed] = Held(erased_at=ts)

    def apply(self, line: SuppressionEntry) -> None:
        """One feed line (they arrive in feed order)."""
        if line.kind == "unsubscribe":
            self.note(
                Unsubscribe(line.recipient_id, line.list_id, line.at, line.reason, line.source)
            )
        elif line.kind == "preferences":
            self.note(
                Preferences(line.recipient_id, line.frequency, line.topics, line.locale, line.at)
            )
        elif line.kind == "erasure":
            self.note_erasure(line.recipient_hash, line.at)
        if line.id > self.cursor:
            self.cursor = line.id

    async def refresh(self, store: Store) -> int:
        """Read the feed past the cursor; the number of lines applied. Raises
        StoreUnavailable, leaving what is held (and what was read so far) in place."""
        applied = 0
        while True:
            lines = await store.suppressions(after=self.cursor, limit=PAGE)
            for line in lines:
                self.apply(line)
            applied += len(lines)
            if len(lines) < PAGE:
                break
        self.loaded = True
        return applied


async def refresh_forever(snapshot: SuppressionSnapshot, store: Store, interval: float) -> None:
    """Background task: a feed read every `interval` seconds; an outage keeps the last."""
    while True:
        try:
            await snapshot.refresh(store)
        except Exception as exc:  # store outage: keep serving what is held
            log.warning("suppression refresh failed, keeping the last: %s", redact(str(exc)))
        await asyncio.sleep(interval)
