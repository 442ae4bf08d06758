"""The OpenAPI document at /schema: bearer keys, and the batch route Litestar cannot see.

POST /v1/render/batch is a raw ASGI handler (it streams both ways), so Litestar leaves it
out of the generated document; ESP integrators read the document, so it is added by hand.
"""

from __future__ import annotations

from litestar import Litestar
from litestar.openapi import OpenAPIConfig
from litestar.openapi.spec import (
    Components,
    OpenAPIMediaType,
    OpenAPIResponse,
    OpenAPIType,
    Operation,
    PathItem,
    RequestBody,
    Schema,
    SecurityScheme,
)

from atn_content import __version__

__all__ = ["document_batch_route", "openapi_config"]

_NDJSON = "application/x-ndjson"


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
                    description="API key with scopes render, experiments or admin",
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
            request_body=RequestBody(
                content={_NDJSON: OpenAPIMediaType(schema=line)}, required=True
            ),
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
