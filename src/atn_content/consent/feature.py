"""The consent feature: the render-time suppression gate, its snapshot kept fresh, and
the suppression feed and recipients' rights routes."""

from __future__ import annotations

import logging

from litestar.di import Provide

from atn_content.api.recipients import ROUTES as RECIPIENT_ROUTES
from atn_content.api.suppressions import ROUTES as SUPPRESSION_ROUTES
from atn_content.config import Settings
from atn_content.consent.snapshot import SuppressionSnapshot, refresh_forever
from atn_content.features import AppDeps, BackgroundTasks, Feature
from atn_content.redact import redact
from atn_content.store.base import Store, StoreUnavailable

__all__ = ["REFRESH_SECONDS", "feature"]

log = logging.getLogger(__name__)

#: Seconds between two reads of the suppression feed per replica: an unsubscribe made on
#: another replica is honoured here within this time.
REFRESH_SECONDS = 2.0


def feature(settings: Settings) -> Feature:
    snapshot = SuppressionSnapshot(settings.secret)
    tasks = BackgroundTasks()

    async def start(deps: AppDeps) -> None:
        deps.buffer.add_listener(snapshot.note)
        try:
            await snapshot.refresh(deps.store)
        except StoreUnavailable as exc:  # renders answer 503 until the first read
            log.warning("suppressions not loaded at start-up: %s", redact(str(exc)))
        tasks.spawn(refresh_forever(snapshot, deps.store, REFRESH_SECONDS))

    async def prepare(store: Store) -> None:
        await snapshot.refresh(store)

    def provide() -> SuppressionSnapshot:
        return snapshot

    return Feature(
        "consent",
        routes=(*SUPPRESSION_ROUTES, *RECIPIENT_ROUTES),
        dependencies={"suppression_list": Provide(provide, sync_to_thread=False)},
        gate=snapshot.gate,
        start=start,
        stop=tasks.stop,
        prepare=prepare,
    )
