"""GET /healthz: public; rendering works without the store, so a store outage is degraded."""

from __future__ import annotations

from typing import Any

from litestar import get
from litestar.datastructures import State

from atn_content import __version__
from atn_content.redact import redact
from atn_content.store import StoreUnavailable

__all__ = ["healthz"]


@get("/healthz", summary="Liveness, store reachability and store warnings")
async def healthz(state: State) -> dict[str, Any]:
    """`warnings` lists what an operator should fix although everything works (a Redis
    without persistence); `store` is "ok" or why it cannot be reached."""
    warnings: list[str] = []
    try:
        await state.store.ping()
        warnings = [redact(w) for w in await state.store.warnings()]
        store = "ok"
    except StoreUnavailable as exc:
        store = f"unavailable: {redact(str(exc))}"
    return {
        "status": "ok" if store == "ok" else "degraded",
        "version": __version__,
        "store": store,
        "warnings": warnings,
        "templates": len(state.renderer.library.names()),
    }
