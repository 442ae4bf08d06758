"""The app-level half of the seam: what a feature brings besides its engine extension.

A feature is a package (tracking/, consent/, and next images/, recommendations/) with a
`feature()` function returning a Feature: its engine extension (content/extensions.py),
the routes it adds, the dependencies its handlers take, a gate every render passes (API
and CLI alike), and hooks that receive the opened stores. app.py registers each with one
line; the engine and the other features know nothing of it.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Coroutine, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from litestar.di import Provide

from atn_content.config import Settings
from atn_content.content.extensions import Extension
from atn_content.content.library import TemplateSource
from atn_content.content.renderer import Renderer
from atn_content.signing import Signer
from atn_content.store.base import Store
from atn_content.store.buffer import EventBuffer

__all__ = ["AppDeps", "BackgroundTasks", "Feature", "Gate", "collect_dependencies"]

Gate = Callable[[TemplateSource, str], None]
"""Asked before each render with the template to render and the recipient id; raises
ProblemError to refuse it (a suppressed recipient). Runs in the render pool's threads,
so it reads memory only, never the store."""


@dataclass(frozen=True)
class AppDeps:
    """What a feature's start hook receives once the lifespan has opened the stores."""

    settings: Settings
    store: Store
    buffer: EventBuffer
    renderer: Renderer

    def signer(self, purpose: str) -> Signer:
        """A signer of its own: a token signed for one purpose is refused for any other."""
        return Signer(self.settings.secret, purpose, self.settings.previous_secrets)


@dataclass(frozen=True)
class Feature:
    name: str
    extension: Extension | None = None
    routes: Sequence[Any] | Callable[[], Sequence[Any]] = ()
    """Litestar route handlers or controllers, or a function returning them: called when
    the app is built, so a command that only renders (`atn-content render`) never imports
    what only the pages need (the studio's experiment pages load the statistics)."""

    def route_handlers(self) -> Sequence[Any]:
        return self.routes() if callable(self.routes) else self.routes

    dependencies: Mapping[str, Provide] = field(default_factory=dict)
    """Named dependencies its handlers take (`links: NamedDependency[UnsubscribeLinks]`)."""
    gate: Gate | None = None
    start: Callable[[AppDeps], Awaitable[None]] | None = None
    """Runs once the stores are open (load a model, start a task)."""
    prepare: Callable[[Store], Awaitable[None]] | None = None
    """What a one-shot command (`atn-content render`, `batch`) runs once before its
    renders, instead of `start`: read what the gate needs from the store."""
    stop: Callable[[], Awaitable[None]] | None = None
    health: Callable[[], Mapping[str, Any]] | None = None
    """What /healthz shows for it under `features.<name>` (counters an operator reads)."""


class BackgroundTasks:
    """The tasks a feature's start hook spawns (a snapshot's refresh), cancelled by its stop."""

    def __init__(self) -> None:
        self._tasks: list[asyncio.Task[None]] = []

    def spawn(self, work: Coroutine[object, object, None]) -> None:
        self._tasks.append(asyncio.create_task(work))

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks.clear()


def collect_dependencies(
    base: Mapping[str, Provide], features: Sequence[Feature]
) -> dict[str, Provide]:
    """The app's dependencies and every feature's; a name given twice is a start-up error."""
    merged = dict(base)
    for feature in features:
        taken = sorted(set(merged) & set(feature.dependencies))
        if taken:
            raise ValueError(f"feature {feature.name!r} redefines dependencies {taken}")
        merged.update(feature.dependencies)
    return merged
