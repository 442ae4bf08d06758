"""The GIF cache: one drawing per key however many ask at once, drawn off the event loop,
bounded, and a failed drawing never cached."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable

import pytest

from atn_content.images.cache import FrameCache


class Drawing:
    """A drawing function that counts its calls and, when `held`, waits to be released
    (in the worker thread it runs in: the event loop must not be the one waiting)."""

    def __init__(self, held: bool = False) -> None:
        self.calls = 0
        self.started = threading.Event()
        self.release = threading.Event()
        if not held:
            self.release.set()

    def __call__(self, data: bytes = b"GIF89a-frames") -> Callable[[], bytes]:
        def draw() -> bytes:
            self.calls += 1
            self.started.set()
            if not self.release.wait(20):
                raise TimeoutError("the test never released the drawing")
            return data

        return draw


async def _started(drawing: Drawing) -> None:
    while not drawing.started.is_set():
        await asyncio.sleep(0.001)


async def test_many_requests_for_one_key_draw_it_once() -> None:
    cache, drawing = FrameCache(), Drawing(held=True)
    key = ("countdown", "lagoon", "ja", 2, 3600)
    asks = [asyncio.create_task(cache.get(key, drawing())) for _ in range(50)]
    await _started(drawing)
    await asyncio.sleep(0)  # every task has reached the cache
    assert cache.draws == 1 and cache.waits == 49 and not any(t.done() for t in asks)
    drawing.release.set()
    results = await asyncio.gather(*asks)
    assert results == [b"GIF89a-frames"] * 50
    assert drawing.calls == 1 and cache.draws == 1
    assert await cache.get(key, drawing()) == b"GIF89a-frames"
    assert cache.hits == 1 and drawing.calls == 1


async def test_the_loop_keeps_answering_while_a_drawing_runs() -> None:
    cache, slow, quick = FrameCache(), Drawing(held=True), Drawing()
    await cache.get("ready", quick(b"cached"))
    pending = asyncio.create_task(cache.get("cold", slow()))
    await _started(slow)
    # The drawing is stuck in its thread; the loop still serves other keys meanwhile.
    assert await cache.get("ready", quick()) == b"cached"
    assert await cache.get("other", quick(b"other")) == b"other"
    assert not pending.done()
    slow.release.set()
    assert await pending == b"GIF89a-frames"


async def test_a_failed_drawing_is_not_cached_and_reaches_every_waiter() -> None:
    cache = FrameCache()
    release = threading.Event()

    def broken() -> bytes:
        release.wait(20)
        raise ValueError("unknown countdown theme 'gone'")

    asks = [asyncio.create_task(cache.get("k", broken)) for _ in range(3)]
    await asyncio.sleep(0)
    release.set()
    outcomes = await asyncio.gather(*asks, return_exceptions=True)
    assert all(isinstance(o, ValueError) for o in outcomes)
    assert len(cache) == 0
    assert await cache.get("k", Drawing()(b"fixed")) == b"fixed"
    assert cache.draws == 2


async def test_a_waiter_that_goes_away_does_not_cancel_the_drawing() -> None:
    cache, drawing = FrameCache(), Drawing(held=True)
    first = asyncio.create_task(cache.get("k", drawing()))
    second = asyncio.create_task(cache.get("k", drawing()))
    await _started(drawing)
    first.cancel()
    drawing.release.set()
    assert await second == b"GIF89a-frames"
    with pytest.raises(asyncio.CancelledError):
        await first
    assert len(cache) == 1 and drawing.calls == 1


async def test_the_cache_is_bounded_and_keeps_the_recently_used() -> None:
    cache, drawing = FrameCache(entries=3), Drawing()
    for key in "abc":
        await cache.get(key, drawing(key.encode()))
    await cache.get("a", drawing())  # a is now the most recent
    await cache.get("d", drawing(b"d"))
    assert len(cache) == 3
    calls = drawing.calls
    assert await cache.get("a", drawing()) == b"a" and drawing.calls == calls
    assert await cache.get("b", drawing(b"b2")) == b"b2" and drawing.calls == calls + 1


def test_a_cache_holds_at_least_one_image() -> None:
    with pytest.raises(ValueError, match="at least one"):
        FrameCache(entries=0)
