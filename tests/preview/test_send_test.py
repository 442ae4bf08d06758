""" "Send a test" from the template page: the email shown arrives as a MIME message at a
real SMTP server on loopback (aiosmtpd); without a relay, or to a bad address, a problem."""

from __future__ import annotations

import dataclasses
import email
import email.policy
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from litestar import Litestar
from litestar.testing import TestClient
from tests.conftest import free_port
from tests.mail.test_smtp import Inbox
from tests.preview.conftest import log_in, make_settings

from atn_content.app import create_app

TO = "designer@airtahitinui.com"


@pytest.fixture
def relay() -> Iterator[tuple[Inbox, int]]:
    inbox, port = Inbox(), free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox, port
    controller.stop()


def signed_in_client(tmp_path: Path, smtp_url: str) -> TestClient[Litestar]:
    settings = dataclasses.replace(make_settings(tmp_path), smtp_url=smtp_url)
    client = TestClient(create_app(settings))
    return client


def send(client: TestClient[Litestar], body: dict[str, Any]) -> Any:
    page = client.get("/studio/templates/newsletter-destination").text
    found = re.search(r'<meta name="csrf-token" content="([^"]+)">', page)
    assert found
    return client.post(
        "/studio/templates/newsletter-destination/send",
        content=json.dumps(body),
        headers={"X-CSRF-Token": found.group(1), "Content-Type": "application/json"},
    )


RECIPIENT = json.dumps({"id": "c-1", "first_name": "Hina", "recent_searches": ["Tokyo"]})


def test_a_test_arrives_as_the_page_shows_it(tmp_path: Path, relay: tuple[Inbox, int]) -> None:
    inbox, port = relay
    with signed_in_client(tmp_path, f"smtp://127.0.0.1:{port}") as client:
        log_in(client)
        response = send(client, {"locale": "ja", "recipient_json": RECIPIENT, "to": TO})
        assert response.status_code == 200, response.text
        assert response.json()["to"] == TO
    (envelope,) = inbox.envelopes
    assert envelope.rcpt_tos == [TO]
    message = email.message_from_bytes(envelope.content, policy=email.policy.default)
    assert isinstance(message, email.message.EmailMessage)
    assert str(message["Subject"]).startswith("[Test] ")
    assert message.get_content_type() == "multipart/alternative"
    html = message.get_body(("html",))
    assert html is not None and 'lang="ja"' in html.get_content()
    assert message["List-Unsubscribe"]


def test_without_a_relay_or_with_a_bad_address_the_page_is_told(tmp_path: Path) -> None:
    with signed_in_client(tmp_path, "") as client:
        log_in(client)
        none = send(client, {"locale": "en", "recipient_json": RECIPIENT, "to": TO})
        assert none.status_code == 409 and "ATN_SMTP_URL" in none.json()["detail"]
        bad = send(client, {"locale": "en", "recipient_json": RECIPIENT, "to": "not an address"})
        assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "to"


def test_an_unreachable_relay_is_a_502_naming_it(tmp_path: Path) -> None:
    port = free_port()
    with signed_in_client(tmp_path, f"smtp://127.0.0.1:{port}") as client:
        log_in(client)
        response = send(client, {"locale": "en", "recipient_json": RECIPIENT, "to": TO})
        assert response.status_code == 502
        assert f"127.0.0.1:{port}" in response.json()["detail"]
