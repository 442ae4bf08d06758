"""The designers' pages in TestClient: the list's numbers, a template's page data and the
preview endpoint, which answers the email through the delivery path or a problem naming
the field."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from litestar import Litestar
from litestar.testing import TestClient
from tests.preview.conftest import REPO

from atn_content.content.library import Library

Client = TestClient[Litestar]


def page_data(client: Client, name: str) -> dict[str, Any]:
    page = client.get(f"/studio/templates/{name}")
    assert page.status_code == 200, page.text
    found = re.search(
        r'<script type="application/json" id="studio-data">(.*?)</script>', page.text, re.S
    )
    assert found, "the page carries its data"
    data: dict[str, Any] = json.loads(found.group(1))
    return data


def csrf(client: Client) -> str:
    found = re.search(
        r'<meta name="csrf-token" content="([^"]+)">', client.get("/studio/experiments").text
    )
    assert found
    return found.group(1)


def ask_preview(client: Client, name: str, body: Any, token: str | None = None) -> Any:
    return client.post(
        f"/studio/templates/{name}/preview",
        content=json.dumps(body),
        headers={
            "X-CSRF-Token": token if token is not None else csrf(client),
            "Content-Type": "application/json",
        },
    )


def sample(client: Client, name: str, key: str) -> dict[str, Any]:
    data = page_data(client, name)
    recipient: dict[str, Any] = next(s for s in data["samples"] if s["key"] == key)["recipient"]
    return recipient


def test_the_list_shows_every_template_with_each_locales_size_and_lint(signed_in: Client) -> None:
    page = signed_in.get("/studio").text
    for name in Library(REPO).names():
        assert f'href="/studio/templates/{name}"' in page
    rows = re.findall(r'<tr data-template="newsletter-destination" data-locale="(\w+)">', page)
    assert rows == ["fr", "en", "ja"] or sorted(rows) == ["en", "fr", "ja"]
    assert re.search(r"\d+\.\d KiB", page)
    assert 'data-family="outlook"' in page
    assert re.search(r'title="[^"]*Outlook \(Windows\): \d+', page), "per-client counts"


def test_a_templates_page_carries_its_locales_samples_and_clients(signed_in: Client) -> None:
    data = page_data(signed_in, "newsletter-destination")
    assert set(data["locales"]) == {"fr", "en", "ja"}
    assert {"honeymoon-couple", "japanese-family"} <= {s["key"] for s in data["samples"]}
    assert all("sample" not in s["recipient"] for s in data["samples"])
    assert len(data["clients"]) == 11
    assert data["preview_url"] == "/studio/templates/newsletter-destination/preview"


def test_an_unknown_template_gets_a_studio_404_page(signed_in: Client) -> None:
    response = signed_in.get("/studio/templates/no-such-template")
    assert response.status_code == 404
    assert "no-such-template" in response.text


def test_the_preview_is_the_email_the_recipient_gets(signed_in: Client) -> None:
    recipient = sample(signed_in, "newsletter-destination", "honeymoon-couple")
    recipient["last_destination"] = "Bora Bora"
    response = ask_preview(
        signed_in, "newsletter-destination", {"locale": "en", "recipient": recipient}
    )
    assert response.status_code == 200, response.text
    shown = response.json()
    assert "Bora Bora" in shown["html"]
    assert shown["preheader"] and shown["preheader"] in shown["html"]
    assert shown["locale"] == "en"
    assert {line["inbox"] for line in shown["inbox"]} == {"desktop", "mobile"}
    assert shown["lint"]["size_bytes"] == len(shown["html"].encode())
    assert set(shown["views"]) >= {"images_off", "forced_inversion", "own_dark"}
    assert "/t/c/" in shown["html"] and "/t/o/" in shown["html"], "tracked as sent"
    # ... but what the frames show counts nothing: no pixel, links to their destinations
    for framed in (
        shown["frame_html"],
        *(v for v in shown["views"].values() if isinstance(v, str)),
    ):
        assert "/t/o/" not in framed and "/t/c/" not in framed
    assert 'href="https://www.airtahitinui.com/' in shown["frame_html"]


def test_the_preview_names_the_recipient_field_that_is_wrong(signed_in: Client) -> None:
    recipient = sample(signed_in, "newsletter-destination", "honeymoon-couple")
    recipient["first_name"] = 12
    response = ask_preview(
        signed_in, "newsletter-destination", {"locale": "en", "recipient": recipient}
    )
    assert response.status_code == 422
    fields = [e.get("field") for e in response.json()["errors"]]
    assert "recipient.first_name" in fields


def test_a_preview_request_of_the_wrong_shape_names_its_field(signed_in: Client) -> None:
    response = ask_preview(signed_in, "newsletter-destination", {"locale": "en", "recipient": []})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "recipient"
    unknown = ask_preview(
        signed_in, "newsletter-destination", {"locale": "en", "recipient": {}, "variant": "x:y"}
    )
    assert unknown.status_code == 422
    assert unknown.json()["errors"][0]["field"] == "variant"


def test_a_preview_needs_the_pages_csrf_token(signed_in: Client) -> None:
    response = ask_preview(
        signed_in, "newsletter-destination", {"locale": "en", "recipient": {}}, token="forged"
    )
    assert response.status_code == 403


def test_the_json_panels_syntax_error_names_its_line(signed_in: Client) -> None:
    text = '{\n  "id": "a@example.pf",\n  "first_name": \n}'
    body = {"locale": "en", "recipient_json": text}
    response = ask_preview(signed_in, "newsletter-destination", body)
    assert response.status_code == 422
    error = response.json()["errors"][0]
    assert (error["field"], error["line"]) == ("recipient", 4)
    assert "line 4, column 1" in error["message"]


def test_a_broken_template_opens_and_its_preview_names_file_and_line(tmp_path: Path) -> None:
    import dataclasses
    import shutil

    from tests.preview.conftest import log_in, make_settings

    from atn_content.app import create_app

    content = tmp_path / "content"
    for name in ("templates", "blocks", "locales", "samples"):
        shutil.copytree(REPO / name, content / name)
    birthday = (content / "templates" / "birthday.mjml").read_text(encoding="utf-8")
    lines = birthday.split("\n")
    body_start = lines.index("+++", 1) + 1
    lines.insert(body_start + 2, "{% if recipient.first_name %}never closed")
    (content / "templates" / "birthday.mjml").write_text("\n".join(lines), encoding="utf-8")
    settings = dataclasses.replace(make_settings(tmp_path), content_root=content)
    with TestClient(create_app(settings)) as client:
        log_in(client)
        data = page_data(client, "birthday")
        assert data["locales"] == ["en", "fr", "ja"] or sorted(data["locales"]) == [
            "en",
            "fr",
            "ja",
        ]
        response = ask_preview(client, "birthday", {"locale": "en", "recipient": {"id": "a"}})
        assert response.status_code == 422
        error = response.json()["errors"][0]
        # Jinja notices the unclosed block where the template ends (the footer's last line)
        assert error["template"].endswith(".mjml") and error["line"] >= 1
        assert "endif" in error["message"] or "end of template" in error["message"]


def test_json_that_cannot_be_read_is_a_422_naming_the_recipient(signed_in: Client) -> None:
    for text in ("[" * 100_000, '{"id": ' + "1" * 5_000 + "}", '{"id": NaN}'):
        body = {"locale": "en", "recipient_json": text}
        response = ask_preview(signed_in, "newsletter-destination", body)
        assert response.status_code == 422, text[:20]
        assert response.json()["errors"][0]["field"] == "recipient"


def test_a_locale_without_a_catalog_is_one_rows_problem_not_the_lists(tmp_path: Path) -> None:
    import dataclasses
    import shutil

    from tests.preview.conftest import log_in, make_settings

    from atn_content.app import create_app

    content = tmp_path / "content"
    for name in ("templates", "blocks", "locales", "samples"):
        shutil.copytree(REPO / name, content / name)
    birthday = content / "templates" / "birthday.mjml"
    text = birthday.read_text(encoding="utf-8")
    birthday.write_text(text.replace("+++\n", '+++\nlocales = ["en", "de"]\n', 1), "utf-8")
    settings = dataclasses.replace(make_settings(tmp_path), content_root=content)
    with TestClient(create_app(settings)) as client:
        log_in(client)
        page = client.get("/studio")
        assert page.status_code == 200
        assert '<tr data-template="birthday" data-locale="de">' in page.text
        assert "unknown locale" in page.text.lower() or "de" in page.text
