"""CountdownImages without HTTP: the next second of a countdown opened more than once is
drawn ahead; a countdown opened once is not (per-recipient deadlines stay one drawing)."""

from __future__ import annotations

import asyncio

from atn_content.images.cache import FrameCache
from atn_content.images.countdown import countdown_gif
from atn_content.images.service import CountdownImages
from atn_content.images.tokens import CountdownToken, CountdownTokens
from atn_content.signing import Signer

T0 = 1_796_000_000
tokens = CountdownTokens(Signer(b"k" * 32, "countdown"))


class Clock:
    now = float(T0)

    def __call__(self) -> float:
        return self.now


def name(deadline: int) -> str:
    return tokens.sign(CountdownToken("ja", "night", 1, deadline=deadline)) + ".gif"


async def settled(cache: FrameCache, size: int) -> None:
    while len(cache) < size:
        await asyncio.sleep(0.001)


async def test_a_second_opened_twice_has_the_next_one_drawn_ahead() -> None:
    clock, cache = Clock(), FrameCache()
    images = CountdownImages(tokens, cache, lambda: None, clock)
    assert await images.gif(name(T0 + 120)) == countdown_gif(120, "ja", "night", 1)
    assert cache.prefetches == 0  # one reader: nothing drawn ahead
    await images.gif(name(T0 + 120))
    assert cache.prefetches == 1
    await settled(cache, 2)
    clock.now += 1
    hits = cache.hits
    assert await images.gif(name(T0 + 120)) == countdown_gif(119, "ja", "night", 1)
    assert cache.hits == hits + 1  # drawn ahead: a hit, and 118 is drawn ahead in turn
    assert cache.prefetches == 2 and cache.draws == 3


async def test_countdowns_opened_once_each_are_drawn_once_each() -> None:
    cache = FrameCache()
    images = CountdownImages(tokens, cache, lambda: None, Clock())
    for k in range(5):
        await images.gif(name(T0 + 3600 + k))
    assert cache.draws == 5 and cache.prefetches == 0


async def test_the_last_second_draws_nothing_ahead() -> None:
    cache = FrameCache()
    images = CountdownImages(tokens, cache, lambda: None, Clock())
    for _ in range(3):
        await images.gif(name(T0 + 1))
    assert cache.prefetches == 0
