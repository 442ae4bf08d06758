"""Renders and compiles run in worker threads, so the event loop keeps answering.

A render is CPU work (a compile ~35 ms, a render under a millisecond, hostile data up to
its bounds a few more); on the event loop it would hold up every other request,
`/healthz` included. A small pool bounds how many run at once: each extra thread costs
the loop a share of the GIL. Exposures met in a thread are recorded back on the loop,
because the EventBuffer is not thread-safe.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any, TypeVar

import anyio.to_thread
from anyio import CapacityLimiter

from atn_content.experiments.assign import Assignment
from atn_content.experiments.intake import ExposureSink

__all__ = ["RENDER_THREADS", "Exposures", "RenderPool"]

#: Renders running at once per process; more wait on the loop (which keeps serving).
RENDER_THREADS = 4
T = TypeVar("T")


class Exposures:
    """Stands in for the Intake inside a worker thread: collects, then replays on the loop."""

    def __init__(self) -> None:
        self.seen: list[tuple[Assignment, str]] = []

    def exposure(self, assignment: Assignment, recipient_id: str) -> None:
        self.seen.append((assignment, recipient_id))

    def replay(self, intake: ExposureSink | None) -> None:
        if intake is not None:
            for assignment, recipient_id in self.seen:
                intake.exposure(assignment, recipient_id)
        self.seen.clear()


class RenderPool:
    """The render threads of one app: at most `threads` renders (or compiles) at once."""

    def __init__(self, threads: int = RENDER_THREADS) -> None:
        self.threads = threads
        self._limiter: CapacityLimiter | None = None

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        """`fn(*args)` in a worker thread (the limiter needs a running loop: made on first use)."""
        if self._limiter is None:
            self._limiter = CapacityLimiter(self.threads)
        return await anyio.to_thread.run_sync(partial(fn, *args), limiter=self._limiter)
