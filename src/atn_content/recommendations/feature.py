"""The recommendations feature: `recommendations()` in templates, the model kept fresh in
memory, and GET /v1/recommendations/{recipient_id}."""

from __future__ import annotations

import logging

from litestar.di import Provide

from atn_content.api.recommendations import ROUTES
from atn_content.config import Settings
from atn_content.features import AppDeps, BackgroundTasks, Feature
from atn_content.recommendations.extension import RecommendationsExtension
from atn_content.recommendations.reasons import Reasons
from atn_content.recommendations.serving import Recommender
from atn_content.recommendations.snapshot import ModelSnapshot, refresh_forever
from atn_content.redact import redact
from atn_content.store.base import Store

__all__ = ["REFRESH_SECONDS", "feature"]

log = logging.getLogger(__name__)

#: Seconds between two checks of the stored model's version per replica: a model saved
#: by `atn-content recs train` is served everywhere within this time.
REFRESH_SECONDS = 5.0


def feature(settings: Settings, refresh_seconds: float = REFRESH_SECONDS) -> Feature:
    """`refresh_seconds`: tests shorten it to see a new model arrive."""
    snapshot = ModelSnapshot()
    recommender = Recommender(snapshot, Reasons(settings.content_root))
    tasks = BackgroundTasks()

    async def load(store: Store) -> None:
        try:
            await snapshot.refresh(store)
        except Exception as exc:  # cold start until the store answers: never a failed start
            log.warning("recommendations model not loaded: %s", redact(str(exc)))

    async def start(deps: AppDeps) -> None:
        await load(deps.store)
        tasks.spawn(refresh_forever(snapshot, deps.store, refresh_seconds))

    def provide() -> Recommender:
        return recommender

    return Feature(
        "recommendations",
        extension=RecommendationsExtension(recommender),
        routes=ROUTES,
        dependencies={"recommender": Provide(provide, sync_to_thread=False)},
        start=start,
        stop=tasks.stop,
        prepare=load,
    )
