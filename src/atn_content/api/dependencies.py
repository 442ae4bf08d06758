"""The services handlers receive, typed, through Litestar's dependency injection.

app.py puts them in the app's state (the stores, the buffer, the intake and the delivery
once the lifespan has opened them); these providers are the only readers of that state,
so a handler names what it needs (`delivery: Delivery`) instead of reaching into it.
"""

from __future__ import annotations

from typing import cast

from litestar.datastructures import State
from litestar.di import Provide

from atn_content.api.offload import RenderPool
from atn_content.config import Settings
from atn_content.content.renderer import Renderer
from atn_content.delivery import Delivery
from atn_content.experiments.assign import Assigner
from atn_content.experiments.intake import Intake
from atn_content.experiments.service import ExperimentService
from atn_content.store.base import Store
from atn_content.store.buffer import EventBuffer

__all__ = ["DEPENDENCIES"]


def _settings(state: State) -> Settings:
    return cast(Settings, state.settings)


def _renderer(state: State) -> Renderer:
    return cast(Renderer, state.renderer)


def _pool(state: State) -> RenderPool:
    return cast(RenderPool, state.pool)


def _assigner(state: State) -> Assigner:
    return cast(Assigner, state.assigner)


def _delivery(state: State) -> Delivery:
    return cast(Delivery, state.delivery)


def _service(state: State) -> ExperimentService:
    return cast(ExperimentService, state.experiments)


def _intake(state: State) -> Intake:
    return cast(Intake, state.intake)


def _store(state: State) -> Store:
    return cast(Store, state.store)


def _buffer(state: State) -> EventBuffer:
    return cast(EventBuffer, state.buffer)


DEPENDENCIES = {
    name: Provide(provider, sync_to_thread=False)
    for name, provider in {
        "settings": _settings,
        "renderer": _renderer,
        "pool": _pool,
        "assigner": _assigner,
        "delivery": _delivery,
        "service": _service,
        "intake": _intake,
        "store": _store,
        "buffer": _buffer,
    }.items()
}
