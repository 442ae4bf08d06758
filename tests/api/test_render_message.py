"""POST /v1/render with `Accept: message/rfc822`: the email as a MIME message, JSON otherwise."""

from __future__ import annotations

import email
import email.policy
from collections.abc import Callable
from email.message import EmailMessage
from typing import Any

import httpx
import pytest
from litestar import Litestar
from litestar.testing import TestClient
from tests.tokens import without_issue_times

NEWSLETTER = "newsletter-destination"
RFC822 = "message/rfc822"
RECIPIENT = {"id": "c-1", "first_name": "Hina", "last_destination": "Bora Bora"}

Post = Callable[..., httpx.Response]


@pytest.fixture
def post(client: TestClient[Litestar], auth: dict[str, str]) -> Post:
    def send(locale: str, accept: str | None, **recipient: Any) -> httpx.Response:
        headers = dict(auth) if accept is None else {**auth, "Accept": accept}
        body = {"template": NEWSLETTER, "locale": locale, "recipient": {**RECIPIENT, **recipient}}
        return client.post("/v1/render", headers=headers, json=body)

    return send


def parsed(response: httpx.Response) -> EmailMessage:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == RFC822
    message = email.message_from_bytes(response.content, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    return message


@pytest.mark.parametrize(
    ("locale", "subject"),
    [("ja", "ボラボラ島へもう一度、15%オフ"), ("fr", "Revenez à Bora Bora avec -15 %")],
)
def test_the_message_is_the_json_documents_email(post: Post, locale: str, subject: str) -> None:
    document = post(locale, None, email="hina@example.pf").json()
    message = parsed(post(locale, RFC822, email="hina@example.pf"))
    assert message["Subject"] == document["subject"] == subject
    assert message["To"] == "hina@example.pf"
    assert message["From"] == "Air Tahiti Nui <news@airtahitinui.com>"
    assert message["Content-Language"] == locale
    for name, value in document["headers"].items():
        assert message[name] == value
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    text, html = (
        without_issue_times(part.get_content()).replace("\r\n", "\n").rstrip("\n")
        for part in message.iter_parts()
    )
    assert text == without_issue_times(document["text"]).rstrip("\n")
    assert html == without_issue_times(document["html"]).rstrip("\n")


def test_every_line_within_rfc_5322(post: Post) -> None:
    raw = post("ja", RFC822).content
    assert b"\n" not in raw.replace(b"\r\n", b"")
    assert all(len(line) <= 998 for line in raw.split(b"\r\n"))
    head = raw.split(b"\r\n\r\n", 1)[0].split(b"\r\n")
    long = [line for line in head if len(line) > 78]
    # A URL no fold may split stands alone on its line, as RFC 5322 allows (tests/mail).
    assert all(line.startswith(b"List-Unsubscribe: <https://") for line in long), long


def test_no_email_field_is_undisclosed_recipients(post: Post) -> None:
    assert parsed(post("en", RFC822))["To"] == "undisclosed-recipients:;"


@pytest.mark.parametrize(
    "accept", [None, "*/*", "application/json", "message/rfc822;q=0.5, application/json"]
)
def test_json_unless_the_message_is_preferred(post: Post, accept: str | None) -> None:
    response = post("en", accept)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    assert response.json()["template"] == NEWSLETTER


@pytest.mark.parametrize("address", ["a@b.pf\r\nBcc: all@example.com", "Hina <a@b.pf>", 42])
def test_a_bad_email_field_is_a_422_naming_it(post: Post, address: object) -> None:
    response = post("en", RFC822, email=address)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "recipient.email"


def test_the_openapi_document_names_both_answers(client: TestClient[Litestar]) -> None:
    document = client.get("/schema/openapi.json").json()
    content = document["paths"]["/v1/render"]["post"]["responses"]["200"]["content"]
    assert set(content) == {"application/json", RFC822}
    assert content["application/json"]["schema"] == {"$ref": "#/components/schemas/RenderResponse"}
