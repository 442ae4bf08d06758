"""GET /healthz: public; rendering works without the store, so a store outage is degraded."""

from __future__ import annotations

from typing import Any

from litestar import Request, get
from litestar.di import NamedDependency

from atn_content import __version__
from atn_content.content.renderer import Renderer
from atn_content.redact import redact
from atn_content.store import StoreUnavailable
from atn_content.store.base import Store

__all__ = ["healthz"]


@get("/healthz", summary="Liveness, store reachability and store warnings")
async def healthz(
    request: Request[Any, Any, Any],
    store: NamedDependency[Store],
    renderer: NamedDependency[Renderer],
) -> dict[str, Any]:
    """`warnings` lists what an operator should fix although everything works (a Redis
    without persistence); `store` is "ok" or why it cannot be reached; `features` holds
    what features count (the countdown's refused tokens)."""
    warnings: list[str] = []
    try:
        await store.ping()
        warnings = [redact(w) for w in await store.warnings()]
        reachable = "ok"
    except StoreUnavailable as exc:
        reachable = f"unavailable: {redact(str(exc))}"
    return {
        "status": "ok" if reachable == "ok" else "degraded",
        "version": __version__,
        "store": reachable,
        "warnings": warnings,
        "templates": len(renderer.library.names()),
        "features": {
            name: dict(details())
            for name, details in request.app.state.get("feature_health", {}).items()
        },
    }
