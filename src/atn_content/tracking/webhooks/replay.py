"""Signed tokens seen before (Mailgun's): a second request with one is a replay.

Kept in this process's memory and, so that every replica refuses a token any of them has
seen, as a store lease named after the token (acquire_lease is an atomic "take it unless
someone holds it", with an expiry: a shared set of seen tokens that forgets them once their
timestamp is too old to pass anyway). While the store is unreachable, memory alone decides.
"""

from __future__ import annotations

import hashlib
import time
import uuid
from collections.abc import Callable

from atn_content.store.base import Store, StoreUnavailable

__all__ = ["ReplayGuard"]

#: How long a token is remembered when the age check is off (ATN_WEBHOOK_TOLERANCE_S=0).
DEFAULT_WINDOW_S = 86_400.0


class ReplayGuard:
    def __init__(self, window_s: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.window_s = window_s or DEFAULT_WINDOW_S
        self.clock = clock
        self._holder = uuid.uuid4().hex
        self._seen: dict[str, float] = {}

    async def first_time(self, provider: str, token: str, store: Store | None) -> bool:
        """True the first time (provider, token) is seen, by any replica; then False."""
        key = f"webhook-token:{provider}:{hashlib.sha256(token.encode()).hexdigest()}"
        now = self.clock()
        self._prune(now)
        if key in self._seen:
            return False
        self._seen[key] = now + self.window_s
        if store is None:
            return True
        try:
            return await store.acquire_lease(key, self._holder, self.window_s)
        except StoreUnavailable:
            return True

    def _prune(self, now: float) -> None:
        if len(self._seen) > 10_000:
            self._seen = {k: until for k, until in self._seen.items() if until > now}
