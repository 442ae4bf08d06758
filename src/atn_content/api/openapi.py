"""The OpenAPI document at /schema: bearer keys, the batch route Litestar cannot see, and
the problem responses every operation can give.

POST /v1/render/batch is a raw ASGI handler (it streams both ways), so Litestar leaves it
out of the generated document; ESP integrators read the document, so it is added by hand.
Errors leave through exception handlers that Litestar does not see either, so each
operation's problem+json statuses are declared here; schemathesis holds the service to
them (tests/api/test_schemathesis.py).
"""

from __future__ import annotations

import msgspec
from litestar import Litestar
from litestar.openapi import OpenAPIConfig
from litestar.openapi.spec import (
    Components,
    OpenAPIHeader,
    OpenAPIMediaType,
    OpenAPIResponse,
    OpenAPIType,
    Operation,
    PathItem,
    Reference,
    RequestBody,
    Schema,
    SecurityScheme,
)

from atn_content import __version__
from atn_content.api.errors import RETRY_AFTER_SECONDS
from atn_content.api.problems import PROBLEM_MEDIA_TYPE

__all__ = [
    "document_batch_route",
    "document_message_response",
    "document_problems",
    "openapi_config",
]

_NDJSON = "application/x-ndjson"
#: POST /v1/render's other answer, chosen by `Accept` (atn_content.api.render).
_MESSAGE = "message/rfc822"

#: Operations anyone may call (no API key).
PUBLIC = frozenset({("GET", "/healthz")})

_PROBLEMS = {
    400: "Malformed request: the body is not JSON, or is empty",
    401: "Missing or unknown API key",
    403: "The key lacks this endpoint's scope",
    404: "Unknown template or experiment",
    409: "Conflicts with the current state: a suppressed recipient (`reason`, `since`), "
    "a holdback recipient waiting for the decision, "
    "an experiment already launched, not launched, or already decided (`decision` then "
    "holds the decision that stands), a blocked decision",
    413: "The body is over ATN_MAX_BODY_BYTES, or too many events",
    422: "Invalid values; `errors` names each field or template line",
    503: "The store is unavailable; retry after Retry-After seconds",
}

#: Problem statuses per operation besides 401/403 (unlisted operations: all of them).
_STATUSES: dict[tuple[str, str], tuple[int, ...]] = {
    ("POST", "/v1/render"): (400, 404, 409, 413, 422, 503),
    ("POST", "/v1/render/batch"): (413,),
    ("GET", "/v1/templates"): (),
    ("GET", "/v1/experiments"): (503,),
    ("POST", "/v1/experiments"): (400, 409, 413, 422, 503),
    ("GET", "/v1/experiments/{key}"): (404, 409, 503),
    ("GET", "/v1/experiments/{key}/results"): (404, 409, 503),
    ("POST", "/v1/experiments/{key}/events"): (400, 404, 409, 413, 422, 503),
    ("POST", "/v1/experiments/{key}/decide"): (400, 404, 409, 413, 422, 503),
    ("GET", "/v1/suppressions"): (422, 503),
    ("POST", "/v1/suppressions"): (400, 413, 422, 503),
    ("POST", "/v1/recipients/{recipient_id}/consents"): (400, 413, 422, 503),
    ("GET", "/v1/recipients/{recipient_id}"): (422, 503),
    ("DELETE", "/v1/recipients/{recipient_id}"): (422, 503),
    ("GET", "/v1/recommendations/{recipient_id}"): (422,),
}

_PROBLEM_SCHEMA = Schema(
    type=OpenAPIType.OBJECT,
    description="RFC 9457 problem details; some problems add members (experiment, decision)",
    required=["status", "title", "detail"],
    properties={
        "status": Schema(type=OpenAPIType.INTEGER),
        "title": Schema(type=OpenAPIType.STRING),
        "detail": Schema(type=OpenAPIType.STRING),
        "type": Schema(type=OpenAPIType.STRING),
        "errors": Schema(
            type=OpenAPIType.ARRAY,
            items=Schema(
                type=OpenAPIType.OBJECT,
                required=["message"],
                properties={
                    "message": Schema(type=OpenAPIType.STRING),
                    "field": Schema(type=OpenAPIType.STRING),
                    "template": Schema(type=OpenAPIType.STRING),
                    "line": Schema(type=OpenAPIType.INTEGER),
                },
            ),
        ),
    },
)


def openapi_config() -> OpenAPIConfig:
    return OpenAPIConfig(
        title="ATN Content",
        version=__version__,
        description="Personalised, translated emails for the ESP, and their experiments.",
        path="/schema",
        components=Components(
            security_schemes={
                "apiKey": SecurityScheme(
                    type="http",
                    scheme="bearer",
                    description="API key with scopes render, experiments, privacy or admin",
                )
            }
        ),
        security=[{"apiKey": []}],
    )


def document_batch_route(app: Litestar) -> None:
    schema = app.openapi_schema
    line = Schema(type=OpenAPIType.STRING, description="one JSON document per line")
    schema.paths = schema.paths or {}
    schema.paths["/v1/render/batch"] = PathItem(
        post=Operation(
            summary="Render a stream of recipients (NDJSON in, NDJSON out)",
            description=(
                "Each request line is a POST /v1/render body. Each response line, in the "
                'same order, is {"line", "recipient_id", "result"} with the /v1/render '
                'document, or {"line", "recipient_id", "error"} with a problem object; a '
                "bad line never stops the batch. Both bodies are streamed; memory is "
                "bounded by one line (at most 1 MiB)."
            ),
            operation_id="RenderBatch",
            tags=["render"],
            # An empty body is an empty batch (no lines in, none out).
            request_body=RequestBody(content={_NDJSON: OpenAPIMediaType(schema=line)}),
            responses={
                "200": OpenAPIResponse(
                    description="One result or error line per request line",
                    content={_NDJSON: OpenAPIMediaType(schema=line)},
                ),
                "401": OpenAPIResponse(description="Missing or unknown API key"),
                "403": OpenAPIResponse(description="The key lacks the render scope"),
            },
        )
    )


def document_message_response(app: Litestar) -> None:
    """POST /v1/render answers JSON, or the MIME message when `Accept` prefers it: Litestar
    sees a union of the document and raw bytes, and would say "one of these, or anything"."""
    operation = (app.openapi_schema.paths or {})["/v1/render"].post
    assert operation is not None and operation.responses is not None
    json = OpenAPIMediaType(schema=Reference(ref="#/components/schemas/RenderResponse"))
    message = OpenAPIMediaType(
        schema=Schema(
            type=OpenAPIType.STRING,
            description="RFC 5322 message (an .eml file): multipart/alternative, text then "
            "HTML, UTF-8 quoted-printable, List-Unsubscribe headers, CRLF line endings",
        )
    )
    operation.responses["200"] = OpenAPIResponse(
        description="The email: the JSON document, or with `Accept: message/rfc822` the "
        "MIME message (From ATN_MAIL_FROM, To the recipient's `email` field, else "
        "undisclosed-recipients:;)",
        content={"application/json": json, _MESSAGE: message},
    )


def document_problems(app: Litestar) -> None:
    """Declare every operation's problem responses, which operations are public, and which
    bodies refuse unknown fields (Litestar does not say so for msgspec structs)."""
    schema = app.openapi_schema
    schema.components.schemas = {**(schema.components.schemas or {}), "Problem": _PROBLEM_SCHEMA}
    closed = {cls.__name__ for cls in _structs() if cls.__struct_config__.forbid_unknown_fields}
    for name, component in schema.components.schemas.items():
        if name in closed and isinstance(component, Schema):
            component.additional_properties = False
    problem = OpenAPIMediaType(schema=Reference(ref="#/components/schemas/Problem"))
    for path, item in (schema.paths or {}).items():
        for method in ("get", "post", "put", "patch", "delete"):
            operation: Operation | None = getattr(item, method)
            if operation is None:
                continue
            key = (method.upper(), path)
            if key in PUBLIC:
                operation.security = []
                continue
            statuses = (401, 403, *_STATUSES.get(key, tuple(_PROBLEMS)))
            responses = dict(operation.responses or {})
            for status in sorted(set(statuses)):
                headers: dict[str, OpenAPIHeader | Reference] | None = None
                if status == 503:
                    retry = Schema(type=OpenAPIType.INTEGER, examples=[RETRY_AFTER_SECONDS])
                    headers = {
                        "Retry-After": OpenAPIHeader(
                            schema=retry, description="seconds to wait", required=True
                        )
                    }
                responses[str(status)] = OpenAPIResponse(
                    description=_PROBLEMS[status],
                    content={PROBLEM_MEDIA_TYPE: problem},
                    headers=headers,
                )
            operation.responses = responses


def _structs(cls: type[msgspec.Struct] = msgspec.Struct) -> list[type[msgspec.Struct]]:
    found = []
    for sub in cls.__subclasses__():
        found += [sub, *_structs(sub)]
    return found
