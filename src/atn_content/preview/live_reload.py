"""Live reload: `GET /studio/events` streams a server-sent event whenever a template, block
or catalog file is saved, and open studio pages render again.

One watcher per app polls the files' stamps (a stat each, off the event loop) however
many pages are open. The renderer reloads a saved .po itself (every replica, within a
second); the watcher only asks it to do so now, and a catalog that does not compile is
reported on the stream while the previous one stays in use. Each stream ends after
STREAM_SECONDS, or once its session has expired or its key is gone; EventSource
reconnects (and meets the login page).
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from litestar import Request, get
from litestar.di import NamedDependency
from litestar.params import FromQuery
from litestar.response import Stream

from atn_content.content.errors import ContentError
from atn_content.content.renderer import Renderer
from atn_content.preview.access import current_session
from atn_content.preview.pages import STUDIO_HEADERS
from atn_content.preview.workspace import Workspace

__all__ = ["LIVE_RELOAD_ROUTES", "Stamps", "Watcher", "changed_files", "stamps"]

WATCHED = ("templates", "blocks", "locales")
POLL_SECONDS = 0.4
KEEPALIVE_SECONDS = 15.0
STREAM_SECONDS = 300.0

Stamps = dict[str, tuple[int, int]]


def stamps(content_root: Path) -> Stamps:
    """(mtime_ns, size) of every file the renders read, by path relative to the root."""
    found: Stamps = {}
    for folder in WATCHED:
        for path in (content_root / folder).rglob("*"):
            try:
                stat = path.stat()
            except OSError:  # deleted while we looked
                continue
            if path.is_file():
                found[path.relative_to(content_root).as_posix()] = (stat.st_mtime_ns, stat.st_size)
    return found


def changed_files(before: Stamps, after: Stamps) -> list[str]:
    return sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))


class Watcher:
    """The files' latest change, shared by every open stream of one app."""

    def __init__(self, content_root: Path, renderer: Renderer) -> None:
        self.content_root = content_root
        self.renderer = renderer
        self.generation = 0
        self.last: dict[str, Any] = {}
        self._stamps = stamps(content_root)
        self._polled = time.monotonic()
        self._lock = asyncio.Lock()

    async def poll(self) -> int:
        """Look again (at most every POLL_SECONDS); the generation grows with each change."""
        async with self._lock:
            if time.monotonic() - self._polled >= POLL_SECONDS:
                now = await asyncio.to_thread(stamps, self.content_root)
                self._polled = time.monotonic()
                files = changed_files(self._stamps, now)
                if files:
                    self._stamps = now
                    self.last = await asyncio.to_thread(self._apply, files)
                    self.generation += 1
            return self.generation

    def _apply(self, files: list[str]) -> dict[str, Any]:
        """Now rather than at the next check interval: the library and the catalogs reload
        on every replica anyway (the renderer checks them each second)."""
        event: dict[str, Any] = {"files": files}
        self.renderer.library.refresh()
        problem = self.renderer.refresh_catalogs(force=True)
        if problem:
            event["error"] = problem
        return event


def _version_of(renderer: Renderer, template: str) -> str:
    """The template's version now; "" when it is unknown or broken (nothing to compare)."""
    try:
        return renderer.library.get(template).version
    except ContentError:
        return ""


async def watcher_of(request: Request[Any, Any, Any], workspace: Workspace) -> Watcher:
    state = request.app.state
    watcher: Watcher | None = state.get("studio_watcher")
    if watcher is None:  # the first look stats every file: off the loop
        made = await asyncio.to_thread(Watcher, workspace.content_root, state.renderer)
        watcher = state.studio_watcher = state.get("studio_watcher") or made
    return watcher


@get("/studio/events")
async def studio_events(
    request: Request[Any, Any, Any],
    workspace: NamedDependency[Workspace],
    timeout: FromQuery[float] = STREAM_SECONDS,
    template: FromQuery[str] = "",
    version: FromQuery[str] = "",
) -> Stream:
    """`timeout`: end the stream sooner (seconds, at most STREAM_SECONDS; 0: at once).
    `template` and `version`: the page's template and the version it opened with; a change
    at once if the library has another now (one watched before this stream did)."""
    watcher = await watcher_of(request, workspace)
    length = min(max(timeout, 0.0), STREAM_SECONDS)
    stale = (
        bool(template)
        and await asyncio.to_thread(_version_of, watcher.renderer, template) != version
    )

    async def events() -> AsyncIterator[str]:
        yield "retry: 1000\n\n"
        if stale:
            yield f"event: change\ndata: {json.dumps({'files': [], 'template': template})}\n\n"
        # Not a poll: a file saved while no page was watching (a reload's gap) must still
        # reach this page, which may have rendered from the library before it noticed.
        seen = watcher.generation
        started = quiet = time.monotonic()
        while time.monotonic() - started < length:
            await asyncio.sleep(POLL_SECONDS)
            if current_session(request) is None:  # expired, or its key was removed
                return
            generation = await watcher.poll()
            if generation != seen:
                seen = generation
                quiet = time.monotonic()
                yield f"event: change\ndata: {json.dumps(watcher.last)}\n\n"
            elif time.monotonic() - quiet >= KEEPALIVE_SECONDS:
                quiet = time.monotonic()
                yield ": still here\n\n"

    return Stream(
        events(),
        media_type="text/event-stream",
        headers={**STUDIO_HEADERS, "X-Accel-Buffering": "no"},
    )


LIVE_RELOAD_ROUTES = [studio_events]
