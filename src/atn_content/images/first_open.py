"""When an evergreen countdown was first opened: kept in the store, the first writer wins.

An evergreen timer ("48 hours from when you open this email") runs from its key's first
open. Every replica asks the store; `put_if_version(..., None)` writes only when no
document exists (atomic on SQLite and Redis alike), so two first opens at once agree on one
time. The key is stored under a keyed hash, not as written: it names a recipient.

When the store cannot be reached the countdown runs from now (never an error, never a
stall: the image is answered) and the log says so.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
from collections import OrderedDict

from atn_content.store import StoreUnavailable
from atn_content.store.base import Store

__all__ = ["KIND", "STORE_TIMEOUT_S", "FirstOpens"]

#: Document kind of first opens in the store.
KIND = "countdown-first-open"
#: Longest wait on the store before the countdown runs from now instead (no stall).
STORE_TIMEOUT_S = 1.0
#: First opens remembered per process (a later open of the same email skips the store).
_REMEMBERED = 50_000
log = logging.getLogger("atn_content.images")


class FirstOpens:
    def __init__(self, store: Store, secret: bytes) -> None:
        self._store = store
        self._key = hmac.new(secret, KIND.encode(), hashlib.sha256).digest()
        self._known: OrderedDict[str, int] = OrderedDict()
        self.unavailable = 0
        """Opens answered from now because the store could not be reached."""

    def stored_key(self, key: str) -> str:
        return hmac.new(self._key, key.encode(), hashlib.sha256).hexdigest()[:32]

    async def first_open(self, key: str, now: int) -> int:
        """The epoch second `key` was first opened at; `now` if this is the first open."""
        stored = self.stored_key(key)
        known = self._known.get(stored)
        if known is not None:
            return known
        try:
            async with asyncio.timeout(STORE_TIMEOUT_S):
                first = await self._read_or_claim(stored, now)
        except (StoreUnavailable, TimeoutError) as exc:
            self.unavailable += 1
            log.warning(
                "countdown first open not read (store unreachable: %s); counting from now "
                "(%d such opens since start)",
                type(exc).__name__,
                self.unavailable,
            )
            return now
        self._known[stored] = first
        while len(self._known) > _REMEMBERED:
            self._known.popitem(last=False)
        return first

    async def _read_or_claim(self, stored: str, now: int) -> int:
        for _ in range(3):
            found = await self._store.get_versioned(KIND, stored)
            if found is not None:
                return _seconds(found.document.get("ts"), now)
            if await self._store.put_if_version(KIND, stored, {"ts": now}, None) is not None:
                return now
            # Another replica wrote first (or deleted in between): read what it wrote.
        return now


def _seconds(value: object, default: int) -> int:
    return int(value) if isinstance(value, int | float) and value >= 0 else default
