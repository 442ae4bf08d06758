"""One countdown request, token to GIF bytes: never an error, whatever the token or the store.

Mail image proxies (Gmail's) cache error responses, so a bad token is answered with the
neutral brand image, logged without the token (it is a signed credential) and counted by
reason. The remaining seconds are the deadline minus the clock's whole second; an evergreen
deadline is its key's first open plus its duration (first_open.py). GIF bytes come from the
FrameCache, keyed by (kind, theme, locale, scale, remaining seconds); a second opened more
than once (a campaign) has the next one drawn ahead, so its opens never wait for a drawing.
"""

from __future__ import annotations

import logging
import math
import time
from collections import Counter
from collections.abc import Callable, Mapping
from functools import lru_cache, partial
from typing import Any

from atn_content.images.cache import FrameCache
from atn_content.images.countdown import MAX_REMAINING_S, countdown_gif, ended_gif, neutral_gif
from atn_content.images.first_open import FirstOpens
from atn_content.images.themes import DEFAULT_THEME
from atn_content.images.tokens import CountdownToken, CountdownTokens

__all__ = ["FALLBACK_GIF", "SUFFIX", "CountdownImages"]

#: What the URL of a countdown ends with.
SUFFIX = ".gif"
#: The last resort if even the neutral image cannot be drawn: a transparent 1x1 GIF89a.
FALLBACK_GIF = (
    b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00"
    b"\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"
)
#: At most one log line per refusal reason in this many seconds (the counters count all).
_LOG_EVERY_S = 1.0
#: Token texts whose reading is remembered (a few hundred bytes each).
_READ_MEMO = 4096
log = logging.getLogger("atn_content.images")


class CountdownImages:
    """`refused` counts refused tokens by reason; `served` counts images answered."""

    def __init__(
        self,
        tokens: CountdownTokens,
        cache: FrameCache,
        first_opens: Callable[[], FirstOpens | None],
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.tokens = tokens
        # The same URL is opened again and again (one campaign, one second): verified once.
        self._read = lru_cache(maxsize=_READ_MEMO)(tokens.read)
        self.cache = cache
        self._first_opens = first_opens
        self._clock = clock
        self.refused: Counter[str] = Counter()
        self._logged: dict[str, float] = {}
        self.served: Counter[str] = Counter()

    def details(self) -> Mapping[str, Any]:
        """What an operator reads on /healthz."""
        opens = self._first_opens()
        return {
            "served": dict(self.served),
            "refused": dict(self.refused),
            "cached": len(self.cache),
            "draws": self.cache.draws,
            "hits": self.cache.hits,
            "prefetches": self.cache.prefetches,
            "first_open_store_unavailable": opens.unavailable if opens else 0,
        }

    async def gif(self, name: str) -> bytes:
        """The bytes answered for the last path segment `name` (`<token>.gif`)."""
        try:
            return await self._gif(name)
        except Exception:  # the image is answered whatever happens
            log.exception("countdown image failed; the neutral image was answered")
            return await self._neutral("failed")

    async def _gif(self, name: str) -> bytes:
        if not name.endswith(SUFFIX):
            return await self._neutral("not-gif")
        token = self._read(name[: -len(SUFFIX)])
        if token is None:
            return await self._neutral("forged")
        remaining = await self._remaining(token)
        if remaining <= 0:
            key = ("ended", token.theme, token.locale, token.scale, 0)
            draw = partial(ended_gif, token.locale, token.theme, token.scale)
            kind = "ended"
        else:
            remaining = min(remaining, MAX_REMAINING_S)
            key = ("countdown", token.theme, token.locale, token.scale, remaining)
            draw = partial(countdown_gif, remaining, token.locale, token.theme, token.scale)
            kind = "countdown"
        hot = key in self.cache  # opened before in this second: a campaign, not one reader
        try:
            data = await self.cache.get(key, draw)
        except ValueError:  # signed by us, yet no longer drawable (a theme taken away)
            return await self._neutral("undrawable")
        self.served[kind] += 1
        if hot and kind == "countdown" and remaining > 1:
            after = remaining - 1
            self.cache.prefetch(
                ("countdown", token.theme, token.locale, token.scale, after),
                partial(countdown_gif, after, token.locale, token.theme, token.scale),
            )
        return data

    async def _remaining(self, token: CountdownToken) -> int:
        now = math.floor(self._clock())
        if token.deadline is not None:
            return token.deadline - now
        assert token.duration is not None and token.key is not None  # CountdownToken.check
        opens = self._first_opens()
        first = now if opens is None else await opens.first_open(token.key, now)
        return first + token.duration - now

    async def _neutral(self, reason: str) -> bytes:
        self.refused[reason] += 1
        now = self._clock()
        if now - self._logged.get(reason, -_LOG_EVERY_S) >= _LOG_EVERY_S:  # no log flood
            self._logged[reason] = now
            log.warning(
                "countdown token refused (%s): neutral image answered; %d refused (%s) since "
                "start, %d in all",
                reason,
                self.refused[reason],
                reason,
                self.refused.total(),
            )
        try:
            data = await self.cache.get(("neutral", DEFAULT_THEME, 1), partial(neutral_gif))
        except Exception:
            log.exception("the neutral countdown image could not be drawn")
            return FALLBACK_GIF
        self.served["neutral"] += 1
        return data
