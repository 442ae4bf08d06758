"""Every error is RFC 9457 problem+json saying what was wrong and where; never a 500."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import httpx
import pytest
from litestar import Litestar
from litestar.testing import TestClient

REPO = Path(__file__).resolve().parents[2]
PROBLEM = "application/problem+json"
GOOD = {"template": "newsletter-destination", "locale": "en", "recipient": {"id": "1"}}


def problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert body["title"] and body["detail"]
    return body


def with_(**changes: Any) -> bytes:
    return json.dumps({**GOOD, **changes}).encode()


#: (body, status, field named in errors[] or None when the body has no field to name)
BAD_BODIES: list[tuple[bytes, int, str | None]] = [
    (b'{"template":', 400, None),
    (b"not json at all", 400, None),
    (b'{"template": "newsletter-destination",}', 400, None),
    (b"\xff\xfe{}", 400, None),
    (b"", 400, None),
    (b"[1, 2]", 422, None),
    (b'"a string"', 422, None),
    (b"null", 422, None),
    (json.dumps({"locale": "en", "recipient": {"id": "1"}}).encode(), 422, "template"),
    (json.dumps({"template": "newsletter-destination", "locale": "en"}).encode(), 422, "recipient"),
    (with_(template=3), 422, "template"),
    (with_(locale=None), 422, "locale"),
    (with_(recipient=["id", "1"]), 422, "recipient"),
    (with_(extra=True), 422, "extra"),
    (with_(template="no-such-template"), 404, "template"),
    (with_(template="../templates/newsletter-destination"), 404, "template"),
    (with_(template="x\u0000y"), 404, "template"),
    (with_(locale="de"), 422, "locale"),
    (with_(locale=""), 422, "locale"),
    (with_(recipient={}), 422, "recipient.id"),
    (with_(recipient={"id": None}), 422, "recipient.id"),
    (with_(recipient={"id": [1]}), 422, "recipient.id"),
    (with_(recipient={"id": "1", "recent_searches": [1]}), 422, "recipient.recent_searches"),
    (with_(recipient={"id": "1", "timezone": "Nowhere/Land"}), 422, "recipient.timezone"),
    (with_(recipient={"id": "1", "first_name": {"$gt": ""}}), 422, "recipient.first_name"),
    (
        b'{"template": "newsletter-destination", "locale": "en", "recipient": '
        + b"[" * 5000
        + b"]" * 5000
        + b"}",
        400,
        None,
    ),
]


@pytest.mark.parametrize(("body", "status", "field"), BAD_BODIES)
def test_bad_render_requests_are_problems_naming_the_field(
    client: TestClient[Litestar],
    auth: dict[str, str],
    body: bytes,
    status: int,
    field: str | None,
) -> None:
    headers = {**auth, "Content-Type": "application/json"}
    found = problem(client.post("/v1/render", headers=headers, content=body), status)
    assert found["errors"], found
    for item in found["errors"]:
        assert item["message"]
    if field is not None:
        assert field in [item.get("field") for item in found["errors"]], found


def test_odd_recipient_values_never_give_a_500(
    client: TestClient[Litestar], auth: dict[str, str]
) -> None:
    odd: list[Any] = [10**400, -(10**30), 1e308, True, "", "x" * 100_000, {"a": {"b": [None]}}]
    for value in odd:
        for field in ("id", "first_name", "last_destination", "recent_searches", "timezone"):
            response = client.post(
                "/v1/render", headers=auth, json={**GOOD, "recipient": {"id": "1", field: value}}
            )
            assert response.status_code in (200, 422), (field, value, response.text)


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/nope", 404),
        ("GET", "/v1/render", 405),
        ("PUT", "/v1/templates", 405),
        ("DELETE", "/healthz", 405),
    ],
)
def test_unknown_routes_and_methods_are_problems(
    client: TestClient[Litestar], auth: dict[str, str], method: str, path: str, status: int
) -> None:
    body = problem(client.request(method, path, headers=auth), status)
    assert path in body["detail"]


def test_oversized_body_is_413(client_with: Any, auth: dict[str, str]) -> None:
    small = client_with(max_body_bytes=4096)
    padding = "x" * 8192
    response = small.post(
        "/v1/render", headers=auth, json={**GOOD, "recipient": {"id": "1", "pad": padding}}
    )
    body = problem(response, 413)
    assert "4096" in body["detail"]
    fits = small.post("/v1/render", headers=auth, json=GOOD)
    assert fits.status_code == 200


def test_two_megabyte_body_is_413_on_a_real_server(live_url: str, auth: dict[str, str]) -> None:
    """The documented default limit (1 MiB, ATN_MAX_BODY_BYTES) over real HTTP."""
    body = json.dumps({**GOOD, "recipient": {"id": "1", "pad": "x" * 2_000_000}}).encode()
    headers = {**auth, "Content-Type": "application/json"}
    response = httpx.post(f"{live_url}/v1/render", headers=headers, content=body, timeout=10)
    found = problem(response, 413)
    assert "1048576" in found["detail"]
    fits = httpx.post(f"{live_url}/v1/render", headers=auth, json=GOOD, timeout=10)
    assert fits.status_code == 200


def test_template_errors_name_file_and_line(
    tmp_path: Path, client_with: Any, auth: dict[str, str]
) -> None:
    root = tmp_path / "content"
    shutil.copytree(REPO / "locales", root / "locales")
    (root / "blocks").mkdir(parents=True)
    (root / "templates").mkdir()
    front = '+++\nsubject = "Hi"\n+++\n'
    (root / "templates" / "include.mjml").write_text(
        front + '<mjml><mj-body>\n{% include "gone.mjml" %}\n</mj-body></mjml>\n'
    )
    (root / "templates" / "escape.mjml").write_text(
        front + "<mjml><mj-body><mj-section><mj-column>\n"
        "<mj-text>{{ ''.__class__.__mro__ }}</mj-text>\n"
        "</mj-column></mj-section></mj-body></mjml>\n"
    )
    broken = client_with(content_root=root)
    response = broken.post("/v1/render", headers=auth, json={**GOOD, "template": "include"})
    found = problem(response, 422)
    [item] = found["errors"]
    assert (item["template"], item["line"]) == ("templates/include.mjml", 5)
    assert "gone.mjml" in item["message"]
    response = broken.post("/v1/render", headers=auth, json={**GOOD, "template": "escape"})
    [item] = problem(response, 422)["errors"]
    assert item["template"] == "templates/escape.mjml" and "unsafe" in item["message"]


def test_a_405_lists_the_allowed_methods(
    client: TestClient[Litestar], auth: dict[str, str]
) -> None:
    for method, path, allowed in [
        ("DELETE", "/healthz", "GET, OPTIONS"),
        ("PUT", "/v1/render", "OPTIONS, POST"),
        ("GET", "/v1/render/batch", "POST"),
        ("DELETE", "/v1/experiments/bf", "GET, OPTIONS"),
    ]:
        response = client.request(method, path, headers=auth)
        assert response.status_code == 405, (method, path)
        shown = set(response.headers["allow"].split(", "))
        assert shown == set(allowed.split(", ")), (method, path)


def test_a_body_field_named_like_a_dependency_is_a_422_not_a_500(
    client: TestClient[Litestar], auth: dict[str, str]
) -> None:
    # Litestar blames a dependency (500) for a body error whose top-level field shares a
    # dependency's name: `suppressions` was both (a schemathesis find).
    response = client.post("/v1/suppressions", json={"suppressions": {"a": 1}}, headers=auth)
    body = problem(response, 422)
    assert body["errors"][0]["field"] == "suppressions"


def test_no_request_body_field_shares_a_dependency_name(app: Litestar) -> None:
    """The rule behind the test above, for every route: a top-level body property may not
    be named like one of the app's dependencies."""
    schema = app.openapi_schema.to_schema()
    components = schema.get("components", {}).get("schemas", {})
    dependencies = set(app.dependencies)
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            content = operation.get("requestBody", {}).get("content", {})
            for media in content.values():
                ref = media.get("schema", {}).get("$ref", "")
                properties = components.get(ref.rsplit("/", 1)[-1], {}).get("properties", {})
                taken = dependencies & set(properties)
                assert not taken, f"{method.upper()} {path}: body fields {taken} are dependencies"
