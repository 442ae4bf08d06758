"""The click and open tracking feature: links rewritten in every email (unless turned off),
the redirect and pixel routes, and the tracker counting what comes back."""

from __future__ import annotations

import time
from collections.abc import Callable

from litestar.di import Provide

from atn_content.api.clicks import ROUTES
from atn_content.config import Settings
from atn_content.features import Feature
from atn_content.signing import Signer
from atn_content.tracking.click_extension import ClicksExtension
from atn_content.tracking.clicks import ClickLinks
from atn_content.tracking.tracker import Tracker

__all__ = ["feature"]


def feature(settings: Settings, clock: Callable[[], float] = time.time) -> Feature:
    """`clock`: the tracker's time (tests move it past the fast-click window)."""
    links = ClickLinks(
        Signer(settings.secret, "click", settings.previous_secrets), settings.public_url
    )
    extension = ClicksExtension(links, settings.public_url, settings.content_root)

    def link_count(template: str, version: str) -> int | None:
        found = extension.link_map(template, version)
        return None if found is None else len(found)

    tracker = Tracker(links, link_count, clock)

    def provide() -> Tracker:
        return tracker

    return Feature(
        "clicks",
        extension=extension,
        routes=ROUTES,
        dependencies={"tracker": Provide(provide, sync_to_thread=False)},
    )
