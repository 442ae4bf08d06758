"""Exception handlers: every error leaves as application/problem+json, never a bare 500."""

from __future__ import annotations

import logging
import re
from typing import Any

from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException

from atn_content.api.problems import (
    PROBLEM_MEDIA_TYPE,
    Problem,
    ProblemItem,
    problem_for_content_error,
)
from atn_content.content.errors import ContentError
from atn_content.content.fields import recipient_id_problem
from atn_content.decode_errors import field_of
from atn_content.redact import redact
from atn_content.store import StoreUnavailable

__all__ = [
    "EXCEPTION_HANDLERS",
    "RETRY_AFTER_SECONDS",
    "ProblemError",
    "checked_recipient_id",
    "invalid_query",
    "problem_response",
    "refuse_unknown_query",
]

log = logging.getLogger("atn_content.api")
#: What a client is told to wait (Retry-After) while the store is unreachable: about the
#: time the EventBuffer takes to notice the store is back.
RETRY_AFTER_SECONDS = 5


class ProblemError(Exception):
    def __init__(self, problem: Problem) -> None:
        self.problem = problem
        super().__init__(problem.detail)


def checked_recipient_id(recipient_id: str) -> str:
    """A path's recipient id, or a 422 naming what is wrong with it (the renders' rule)."""
    problem = recipient_id_problem(recipient_id)
    if problem:
        raise ProblemError(
            Problem(
                422,
                "Invalid recipient id",
                f"recipient_id {problem}",
                errors=[ProblemItem(problem, "recipient_id")],
            )
        )
    return recipient_id


def invalid_query(name: str, message: str) -> ProblemError:
    """A 422 naming the query parameter that is wrong."""
    return ProblemError(
        Problem(422, "Invalid query", f"{name} {message}", errors=[ProblemItem(message, name)])
    )


def refuse_unknown_query(request: Request[Any, Any, Any], known: frozenset[str]) -> None:
    """A misspelt parameter is refused, not ignored: ignoring it would silently change the
    answer (a sync restarting from the beginning, an exclusion not applied)."""
    unknown = sorted(set(request.query_params) - known)
    if unknown:
        raise invalid_query(unknown[0], f"is not a parameter; use {', '.join(sorted(known))}")


def problem_response(problem: Problem, headers: dict[str, str] | None = None) -> Response[Any]:
    return Response(
        content=problem.to_dict(),
        status_code=problem.status,
        media_type=PROBLEM_MEDIA_TYPE,
        headers=headers,
    )


def _on_problem(_: Request[Any, Any, Any], exc: ProblemError) -> Response[Any]:
    return problem_response(exc.problem)


def _on_content(_: Request[Any, Any, Any], exc: ContentError) -> Response[Any]:
    return problem_response(problem_for_content_error(exc))


def _on_validation(_: Request[Any, Any, Any], exc: ValidationException) -> Response[Any]:
    items = []
    for extra in exc.extra if isinstance(exc.extra, list) else []:
        if isinstance(extra, dict):
            message = str(extra.get("message", ""))
            key = str(extra.get("key") or "")
            if key == "data" and message == "'data'":
                # Litestar's KeyError for a body that is not there at all.
                items.append(ProblemItem("the body is empty; send a JSON object"))
                return problem_response(
                    Problem(400, "Malformed request body", "the body is empty", errors=items)
                )
            if key in {"", "data"}:
                key = field_of(message)[0]
            items.append(ProblemItem(message, field=key or None))
    detail = "; ".join(f"{i.field}: {i.message}" if i.field else i.message for i in items)
    if "Malformed" in exc.detail or not items:
        return problem_response(
            Problem(
                400,
                "Malformed request body",
                f"{exc.detail}: the body must be JSON",
                errors=items or [ProblemItem("the body is not valid JSON")],
            )
        )
    return problem_response(Problem(422, "Invalid request", detail or exc.detail, errors=items))


def _on_http(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    status = exc.status_code
    where = f"{request.method} {request.url.path}"
    details = {
        400: f"{where}: the body could not be read ({exc.detail}); send a JSON object",
        404: f"{where}: no such endpoint; see /schema for the API",
        405: f"{where}: method not allowed on this endpoint; see /schema",
        413: f"{where}: the body is larger than the limit of "
        f"{request.app.state.settings.max_body_bytes} bytes (ATN_MAX_BODY_BYTES); "
        "send large lists to POST /v1/render/batch as NDJSON",
    }
    titles = {
        400: "Malformed request body",
        401: "Unauthorized",
        403: "Forbidden",
        404: "Not found",
        405: "Method not allowed",
        413: "Request body too large",
    }
    problem = Problem(status, titles.get(status, "Request error"), details.get(status, exc.detail))
    if status == 400:
        problem.errors.append(ProblemItem(str(exc.detail)))
    headers = dict(exc.headers or {})
    if status == 405 and "allow" not in {k.lower() for k in headers}:  # RFC 9110 needs it
        headers["Allow"] = ", ".join(_allowed_methods(request.app, request.url.path))
    return problem_response(problem, headers=headers)


def _allowed_methods(app: Any, path: str) -> list[str]:
    """Methods the routes matching `path` answer (the Allow header of a 405)."""
    methods: set[str] = set()
    for route in app.routes:
        pattern = re.sub(r"\\\{[^}]*\\\}", "[^/]+", re.escape(route.path))
        if re.fullmatch(pattern, path):
            methods |= set(getattr(route, "methods", ()) or ())
    return sorted(methods)


def _on_recursion(request: Request[Any, Any, Any], exc: RecursionError) -> Response[Any]:
    """msgspec gives up on absurdly nested JSON with a RecursionError: the client's fault."""
    if "deserializing" not in str(exc):
        return _on_unexpected(request, exc)
    message = "the JSON is nested too deeply"
    return problem_response(
        Problem(400, "Malformed request body", message, errors=[ProblemItem(message)])
    )


def _on_store_unavailable(request: Request[Any, Any, Any], exc: StoreUnavailable) -> Response[Any]:
    """Reads and launches need the store: 503 with Retry-After, never a bare 500.

    Writes that can wait (events, unsubscribes) never get here: they are spooled.
    """
    where = f"{request.method} {request.url.path}"
    log.warning("%s: store unavailable: %s", where, redact(str(exc)))
    detail = (
        f"{where}: the store is unavailable right now; retry in {RETRY_AFTER_SECONDS} s "
        "(GET /healthz shows the store's state)"
    )
    return problem_response(
        Problem(503, "Store unavailable", detail),
        headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
    )


def _on_unexpected(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    log.exception("unexpected error on %s %s", request.method, request.url.path, exc_info=exc)
    return problem_response(
        Problem(500, "Internal error", "an unexpected error occurred; it has been logged")
    )


EXCEPTION_HANDLERS: dict[Any, Any] = {
    ProblemError: _on_problem,
    ContentError: _on_content,
    ValidationException: _on_validation,
    HTTPException: _on_http,
    RecursionError: _on_recursion,
    StoreUnavailable: _on_store_unavailable,
    Exception: _on_unexpected,
}
