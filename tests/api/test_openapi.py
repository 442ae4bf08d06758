"""The OpenAPI document lists every endpoint the ESP calls, with its bearer-key scheme."""

from __future__ import annotations

from litestar import Litestar
from litestar.testing import TestClient


def test_every_v1_endpoint_is_in_the_openapi_document(client: TestClient[Litestar]) -> None:
    document = client.get("/schema/openapi.json").json()
    paths = set(document["paths"])
    assert {"/v1/render", "/v1/render/batch", "/v1/templates", "/v1/experiments"} <= paths
    batch = document["paths"]["/v1/render/batch"]["post"]
    assert "application/x-ndjson" in batch["requestBody"]["content"]
    assert "application/x-ndjson" in batch["responses"]["200"]["content"]


def test_the_document_declares_bearer_keys(client: TestClient[Litestar]) -> None:
    document = client.get("/schema/openapi.json").json()
    scheme = document["components"]["securitySchemes"]["apiKey"]
    assert (scheme["type"], scheme["scheme"]) == ("http", "bearer")
    assert document["security"] == [{"apiKey": []}]
