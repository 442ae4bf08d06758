"""Bearer API keys with scopes (render, experiments, admin) as a Litestar guard."""

from __future__ import annotations

import hmac
from collections.abc import Mapping

from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler

__all__ = ["require_scope", "scopes_for"]


def scopes_for(authorization: str | None, keys: Mapping[str, frozenset[str]]) -> frozenset[str]:
    """Scopes of the presented key; raises 401 for a missing or unknown key."""
    if not authorization:
        raise NotAuthorizedException(
            "missing API key: send 'Authorization: Bearer <key>'",
            headers={"WWW-Authenticate": 'Bearer realm="atn-content"'},
        )
    kind, _, presented = authorization.partition(" ")
    if kind.lower() != "bearer" or not presented.strip():
        raise NotAuthorizedException(
            "the Authorization header must be 'Bearer <key>'",
            headers={"WWW-Authenticate": 'Bearer realm="atn-content"'},
        )
    presented = presented.strip()
    for key, scopes in keys.items():
        if hmac.compare_digest(key.encode(), presented.encode()):
            return scopes
    raise NotAuthorizedException(
        "unknown API key", headers={"WWW-Authenticate": 'Bearer error="invalid_token"'}
    )


def require_scope(connection: ASGIConnection, handler: BaseRouteHandler) -> None:  # type: ignore[type-arg]
    """Guard: the route's opt["scope"] must be among the key's scopes."""
    needed = str(handler.opt.get("scope", "admin"))
    scopes = scopes_for(connection.headers.get("authorization"), connection.app.state.api_keys)
    if needed not in scopes and "admin" not in scopes:
        raise PermissionDeniedException(f"this API key lacks the {needed!r} scope")
