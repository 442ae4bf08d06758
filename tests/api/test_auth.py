"""Bearer API keys with scopes: 401 without a valid key, 403 without the scope."""

from __future__ import annotations

import pytest
from litestar import Litestar
from litestar.testing import TestClient

RENDER = {"template": "newsletter-destination", "locale": "en", "recipient": {"id": "1"}}
PROTECTED = [
    ("POST", "/v1/render", RENDER),
    ("GET", "/v1/templates", None),
]


@pytest.mark.parametrize(("method", "path", "body"), PROTECTED)
@pytest.mark.parametrize(
    ("authorization", "challenge"),
    [
        (None, 'Bearer realm="atn-content"'),
        ("Bearer", 'Bearer realm="atn-content"'),
        ("Basic dXNlcjpwYXNz", 'Bearer realm="atn-content"'),
        ("Bearer not-a-key-0123456789", 'Bearer error="invalid_token"'),
        ("Bearer test-key-0123456789abcdeX", 'Bearer error="invalid_token"'),
    ],
)
def test_missing_or_wrong_key_is_401_with_a_challenge(
    client: TestClient[Litestar],
    method: str,
    path: str,
    body: object,
    authorization: str | None,
    challenge: str,
) -> None:
    headers = {"Authorization": authorization} if authorization else {}
    response = client.request(method, path, headers=headers, json=body)
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == challenge
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["status"] == 401


def test_batch_needs_a_key_too(client: TestClient[Litestar]) -> None:
    response = client.post("/v1/render/batch", content=b"{}\n")
    assert response.status_code == 401


@pytest.mark.parametrize(("method", "path", "body"), PROTECTED)
def test_key_without_the_render_scope_is_403(
    client: TestClient[Litestar],
    other_auth: dict[str, str],
    method: str,
    path: str,
    body: object,
) -> None:
    response = client.request(method, path, headers=other_auth, json=body)
    assert response.status_code == 403
    assert "'render' scope" in response.json()["detail"]
    assert client.post("/v1/render/batch", headers=other_auth, content=b"").status_code == 403


def test_bearer_scheme_is_case_insensitive_and_key_is_exact(
    client: TestClient[Litestar], auth: dict[str, str]
) -> None:
    key = auth["Authorization"].split(" ", 1)[1]
    ok = client.post("/v1/render", headers={"Authorization": f"bearer  {key} "}, json=RENDER)
    assert ok.status_code == 200
    assert (
        client.post(
            "/v1/render", headers={"Authorization": f"Bearer {key[:-1]}"}, json=RENDER
        ).status_code
        == 401
    )


def test_public_endpoints_need_no_key(client: TestClient[Litestar]) -> None:
    assert client.get("/healthz").status_code == 200
    assert client.get("/schema/openapi.json").status_code == 200
