"""GIF bytes per key, drawn once: a bounded LRU with single-flight, drawing off the loop.

A campaign opened by thousands in the same second asks for the same (theme, locale, scale,
remaining seconds): the first request draws it in a worker thread, every other one awaits
the same future, and the seconds after are each drawn once too. A failed drawing is not
cached: its waiters get the error, the next request tries again.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable

__all__ = ["DEFAULT_ENTRIES", "FrameCache", "Runner"]

#: Images kept per process (a 1x countdown is ~30 KB: a few MB of memory).
DEFAULT_ENTRIES = 512

Runner = Callable[[Callable[[], bytes]], Awaitable[bytes]]
"""Runs a drawing off the event loop (asyncio.to_thread, or the app's RenderPool)."""


def _retrieved(task: asyncio.Future[bytes]) -> None:
    """A prefetch nobody awaited: its failure is not an error (the next request retries)."""
    if not task.cancelled():
        task.exception()


async def _to_thread(draw: Callable[[], bytes]) -> bytes:
    return await asyncio.to_thread(draw)


class FrameCache:
    """`draws`, `hits` and `waits` count what happened (tests and /healthz read them)."""

    def __init__(self, entries: int = DEFAULT_ENTRIES, runner: Runner = _to_thread) -> None:
        if entries < 1:
            raise ValueError("the countdown cache must hold at least one image")
        self.entries = entries
        self._run = runner
        self._items: OrderedDict[Hashable, bytes] = OrderedDict()
        self._inflight: dict[Hashable, asyncio.Future[bytes]] = {}
        self.draws = 0
        """Drawings started (a cold key, or a retry after a failure)."""
        self.hits = 0
        """Answers from the cache without waiting."""
        self.waits = 0
        """Answers that awaited a drawing another request had started."""
        self.prefetches = 0
        """Drawings started ahead of their second (see prefetch)."""

    def __len__(self) -> int:
        return len(self._items)

    def __contains__(self, key: Hashable) -> bool:
        return key in self._items

    def prefetch(self, key: Hashable, draw: Callable[[], bytes]) -> None:
        """Start drawing `key` in the background unless it is cached or being drawn: the
        next second of a countdown being opened now, so its opens do not wait for it."""
        if key in self._items or key in self._inflight:
            return
        self.prefetches += 1
        self.draws += 1
        task = self._inflight[key] = asyncio.ensure_future(self._fill(key, draw))
        task.add_done_callback(_retrieved)

    async def get(self, key: Hashable, draw: Callable[[], bytes]) -> bytes:
        """The bytes for `key`, drawing them with `draw` (in a thread) when not cached."""
        found = self._items.get(key)
        if found is not None:
            self._items.move_to_end(key)
            self.hits += 1
            return found
        pending = self._inflight.get(key)
        if pending is None:
            # A task of its own: a request that goes away (client gone) cancels its wait,
            # never the drawing the other requests await.
            self.draws += 1
            pending = self._inflight[key] = asyncio.ensure_future(self._fill(key, draw))
        else:
            self.waits += 1
        return await asyncio.shield(pending)

    async def _fill(self, key: Hashable, draw: Callable[[], bytes]) -> bytes:
        try:
            data = await self._run(draw)
        finally:
            del self._inflight[key]
        self._items[key] = data
        while len(self._items) > self.entries:
            self._items.popitem(last=False)
        return data
