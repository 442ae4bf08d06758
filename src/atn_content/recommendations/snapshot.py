"""The model a replica serves from: held in memory, refreshed in the background.

Like the experiments' Assigner and the suppression snapshot, no render waits on the store:
`current` is read from memory, and a background task asks the store every few seconds
which version is the latest, reading the model only when it changed. A replica therefore
picks up a model trained and saved by `atn-content recs train` without a restart. Through a
store outage it keeps serving the last model it read; one that never read a model serves
the cold start (recommendations/serving.py).
"""

from __future__ import annotations

import asyncio
import logging
import time

from atn_content.recommendations.model import RecsModel, latest, version
from atn_content.redact import redact
from atn_content.store.base import Store

__all__ = ["ModelSnapshot", "refresh_forever"]

log = logging.getLogger(__name__)


class ModelSnapshot:
    """The last model read from the store (None until one has been)."""

    def __init__(self, model: RecsModel | None = None) -> None:
        self.current: RecsModel | None = model
        """Replaced whole by a refresh: a reader takes it once per recommendation."""
        self.checked_at: float | None = None
        """When the store last answered (time.time()), None if it never has."""

    @property
    def version(self) -> int | None:
        model = self.current
        return None if model is None else model.version

    async def refresh(self, store: Store) -> bool:
        """Read the latest model if its version is not the one held; True when it changed.
        Raises StoreUnavailable (and keeps what is held) when the store is down."""
        stored = await version(store)
        self.checked_at = time.time()
        if stored is None or stored == self.version:
            return False
        model = await latest(store)
        if model is None or model.version == self.version:
            return False
        self.current = model
        log.info("recommendations model version %s loaded", model.version)
        return True


async def refresh_forever(snapshot: ModelSnapshot, store: Store, interval: float) -> None:
    """Background task: a version check every `interval` seconds; an outage keeps the last."""
    while True:
        await asyncio.sleep(interval)
        try:
            await snapshot.refresh(store)
        except Exception as exc:  # store outage or a bad document: keep serving what is held
            log.warning(
                "recommendations refresh failed, keeping model %s: %s",
                snapshot.version,
                redact(str(exc)),
            )
