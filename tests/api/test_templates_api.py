"""GET /v1/templates, /healthz and the OpenAPI document."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

from litestar import Litestar
from litestar.testing import TestClient

REPO = Path(__file__).resolve().parents[2]


def test_templates_list_names_versions_locales_and_schema(
    client: TestClient[Litestar], auth: dict[str, str]
) -> None:
    response = client.get("/v1/templates", headers=auth)
    assert response.status_code == 200
    listed = {t["name"]: t for t in response.json()}
    newsletter = listed["newsletter-destination"]
    assert re.fullmatch(r"[0-9a-f]{12}", newsletter["version"])
    assert set(newsletter["locales"]) >= {"fr", "en", "ja"}
    assert newsletter["errors"] == []
    schema = newsletter["recipient_schema"]
    assert schema["id"] == {"type": "str", "required": True}
    assert schema["recent_searches"]["type"] == "list[str]"
    assert schema["recent_searches"]["required"] is False
    assert schema["recent_searches"]["default"] == []
    assert schema["last_destination"]["default"] == ""
    rendered = client.post(
        "/v1/render",
        headers=auth,
        json={"template": "newsletter-destination", "locale": "en", "recipient": {"id": "1"}},
    ).json()
    assert rendered["template_version"] == newsletter["version"]


def test_a_broken_template_is_listed_with_its_errors(
    tmp_path: Path, client_with: Any, auth: dict[str, str]
) -> None:
    root = tmp_path / "content"
    shutil.copytree(REPO / "locales", root / "locales")
    shutil.copytree(REPO / "blocks", root / "blocks")
    (root / "templates").mkdir()
    shutil.copy(REPO / "templates" / "newsletter-destination.mjml", root / "templates")
    (root / "templates" / "broken.mjml").write_text("<mjml></mjml>\n")
    listed = {
        t["name"]: t
        for t in client_with(content_root=root).get("/v1/templates", headers=auth).json()
    }
    assert listed["broken"]["version"] is None
    assert "templates/broken.mjml:1" in listed["broken"]["errors"][0]
    assert listed["newsletter-destination"]["errors"] == []


def test_healthz_is_public_and_reports_the_store(client: TestClient[Litestar]) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok" and body["store"] == "ok"
    assert body["templates"] >= 1 and body["version"]


def test_openapi_document_describes_the_render_api(client: TestClient[Litestar]) -> None:
    response = client.get("/schema/openapi.json")
    assert response.status_code == 200
    document = response.json()
    assert document["info"]["title"] == "ATN Content"
    assert {"/v1/render", "/v1/templates", "/healthz"} <= set(document["paths"])
    assert "post" in document["paths"]["/v1/render"]
    assert not any(path.startswith("/u/") for path in document["paths"])
