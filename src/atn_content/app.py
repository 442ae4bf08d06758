"""create_app(): routes, state and lifespan. Never built at import time."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager

from litestar import Litestar
from litestar.datastructures import State

from atn_content.api.catalog import list_templates
from atn_content.api.errors import EXCEPTION_HANDLERS
from atn_content.api.health import healthz
from atn_content.api.offload import RenderPool
from atn_content.api.openapi import (
    document_batch_route,
    document_message_response,
    document_problems,
    openapi_config,
)
from atn_content.api.render import render, render_batch
from atn_content.audience import feature as audience
from atn_content.config import Settings
from atn_content.consent import feature as consent
from atn_content.content.i18n import Catalogs
from atn_content.content.library import Library
from atn_content.content.renderer import Renderer
from atn_content.delivery import Delivery
from atn_content.experiments.assign import Assigner, refresh_forever
from atn_content.experiments.intake import Intake
from atn_content.features import AppDeps, Feature, collect_dependencies
from atn_content.images import feature as countdown
from atn_content.logs import logging_config
from atn_content.preview import feature as studio
from atn_content.recommendations import feature as recommendations
from atn_content.redact import redact
from atn_content.store import StoreUnavailable, open_store
from atn_content.store.buffer import EventBuffer
from atn_content.tracking import click_feature as clicks
from atn_content.tracking import feature as tracking
from atn_content.tracking.webhooks import feature as webhooks
from atn_content.travel import feature as travel

__all__ = ["build_renderer", "create_app", "default_features"]

log = logging.getLogger(__name__)

#: Seconds between experiment snapshot reloads (decisions, bandit weights) per replica.
EXPERIMENTS_REFRESH = 5.0


def default_features(settings: Settings) -> list[Feature]:
    """Every feature of the service, one line each (docs/ARCHITECTURE.md)."""
    return [
        audience.feature(settings),
        travel.feature(settings),
        tracking.feature(settings),
        webhooks.feature(settings),
        consent.feature(settings),
        clicks.feature(settings),
        countdown.feature(settings),
        recommendations.feature(settings),
        studio.feature(settings),
    ]


def build_renderer(settings: Settings, features: Sequence[Feature] | None = None) -> Renderer:
    """The content engine with the features' extensions registered (and frozen)."""
    root = settings.content_root
    chosen = default_features(settings) if features is None else features
    return Renderer(
        Library(root),
        Catalogs.load(root / "locales"),
        extensions=[f.extension for f in chosen if f.extension is not None],
    )


def create_app(
    settings: Settings | None = None, features: Sequence[Feature] | None = None
) -> Litestar:
    """The service; `features` replaces default_features(settings) (tests add their own)."""
    # Imported here, not at the top: the CLI's render and batch import build_renderer from
    # this module and must not load the experiments service and its statistics (scipy).
    from atn_content.api.dependencies import DEPENDENCIES
    from atn_content.api.experiments import ROUTES as EXPERIMENT_ROUTES
    from atn_content.experiments.service import ExperimentService

    settings = settings or Settings.from_env()
    features = default_features(settings) if features is None else list(features)
    renderer = build_renderer(settings, features)

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        store = app.state.store = open_store(settings.store_url)
        buffer = EventBuffer(store, settings.state_dir / "spool")
        service = ExperimentService(store, settings.content_root / "experiments")
        intake = Intake(buffer)
        app.state.buffer, app.state.experiments, app.state.intake = buffer, service, intake
        app.state.delivery = Delivery(
            renderer,
            app.state.assigner,
            max_line_bytes=settings.max_batch_line_bytes,
            intake=intake,
            pool=app.state.pool,
            gates=[f.gate for f in features if f.gate is not None],
        )
        buffer.start()
        deps = AppDeps(settings, store, buffer, renderer)
        started: list[Feature] = []
        for feature in features:
            if feature.start is not None:
                await feature.start(deps)
            started.append(feature)
        with contextlib.suppress(StoreUnavailable):  # /healthz reports it when reachable
            for warning in await store.warnings():
                log.warning("%s", redact(warning))
        try:
            app.state.assigner.load(await service.records())
        except StoreUnavailable as exc:  # serve renders; the refresh task retries
            log.warning("experiments not loaded at start-up: %s", redact(str(exc)))
        except Exception:  # a broken stored experiment must not stop the service
            log.exception("experiments not loaded at start-up; the refresh task retries")
        refresh = asyncio.create_task(
            refresh_forever(app.state.assigner, service.records, EXPERIMENTS_REFRESH, service.tick)
        )
        try:
            yield
        finally:
            refresh.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await refresh
            with contextlib.suppress(StoreUnavailable):  # the leases expire on their own
                await service.close()
            for feature in reversed(started):
                if feature.stop is not None:
                    await feature.stop()
            await buffer.stop()
            await store.close()

    app = Litestar(
        route_handlers=[
            render,
            render_batch,
            list_templates,
            healthz,
            *EXPERIMENT_ROUTES,
            *(route for feature in features for route in feature.route_handlers()),
        ],
        state=State(
            {
                "settings": settings,
                "renderer": renderer,
                "api_keys": dict(settings.api_keys),
                "assigner": Assigner(),
                "pool": RenderPool(),
                "feature_health": {f.name: f.health for f in features if f.health},
            }
        ),
        dependencies=collect_dependencies(DEPENDENCIES, features),
        lifespan=[lifespan],
        exception_handlers=EXCEPTION_HANDLERS,
        request_max_body_size=settings.max_body_bytes,
        openapi_config=openapi_config(),
        logging_config=logging_config(),
        debug=False,
    )
    document_batch_route(app)
    document_message_response(app)
    document_problems(app)
    return app
