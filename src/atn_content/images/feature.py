"""The countdown feature: the `countdown()` template function, the image route, its cache
and counters, and the store that keeps evergreen timers' first opens."""

from __future__ import annotations

import time
from collections.abc import Callable

from litestar.di import Provide

from atn_content.api.countdown import routes
from atn_content.config import Settings
from atn_content.features import AppDeps, Feature
from atn_content.images.cache import FrameCache
from atn_content.images.extension import CountdownExtension
from atn_content.images.first_open import FirstOpens
from atn_content.images.service import CountdownImages
from atn_content.images.tokens import CountdownTokens
from atn_content.signing import Signer

__all__ = ["PURPOSE", "feature"]

#: The signing purpose of countdown tokens (a click or unsubscribe token is refused).
PURPOSE = "countdown"


def feature(
    settings: Settings, clock: Callable[[], float] = time.time, cache: FrameCache | None = None
) -> Feature:
    """`clock`: the images' time (tests fix it); `cache`: tests count its drawings."""
    tokens = CountdownTokens(Signer(settings.secret, PURPOSE, settings.previous_secrets))
    opens: list[FirstOpens] = []
    images = CountdownImages(
        tokens, cache or FrameCache(), lambda: opens[0] if opens else None, clock
    )

    async def start(deps: AppDeps) -> None:
        opens[:] = [FirstOpens(deps.store, settings.secret)]

    def provide() -> CountdownImages:
        return images

    return Feature(
        "countdown",
        extension=CountdownExtension(tokens, settings.public_url),
        routes=routes(images),
        dependencies={"countdown": Provide(provide, sync_to_thread=False)},
        start=start,
        health=images.details,
    )
