"""POST /v1/render: the shape the ESP reads, the seed rule over HTTP, the missing-data policy."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import TestClient

PROBLEM = "application/problem+json"
NEWSLETTER = "newsletter-destination"
FIELDS = {
    "subject",
    "preheader",
    "html",
    "text",
    "headers",
    "template",
    "template_version",
    "locale",
    "variant",
    "fallbacks",
}


@pytest.fixture
def render(client: TestClient[Litestar], auth: dict[str, str]) -> Callable[..., Any]:
    def post(locale: str, recipient: dict[str, Any]) -> Any:
        body = {"template": NEWSLETTER, "locale": locale, "recipient": recipient}
        return client.post("/v1/render", headers=auth, json=body)

    return post


def test_render_returns_the_documented_document(render: Callable[..., Any]) -> None:
    response = render("fr", {"id": "c-1", "first_name": "Hina"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body) >= FIELDS
    assert body["template"] == NEWSLETTER and body["locale"] == "fr"
    assert re.fullmatch(r"[0-9a-f]{12}", body["template_version"])
    assert body["variant"] is None
    assert sorted(body["fallbacks"]) == ["last_destination", "last_name", "recent_searches"]
    assert body["subject"] == "Votre prochaine évasion dans les îles de Tahiti"
    assert body["preheader"] == "Hina, une offre choisie pour vous"
    assert body["html"].startswith("<!") and 'lang="fr"' in body["html"]
    assert "Bonjour Hina," in body["text"]
    assert body["headers"]["List-Unsubscribe"].startswith("<https://")
    assert body["headers"]["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


@pytest.mark.parametrize(
    ("locale", "recipient", "subject"),
    [
        ("en", {"id": "1", "last_destination": "Bora Bora"}, "Return to Bora Bora with 15% off"),
        ("fr", {"id": "2", "last_destination": "Bora Bora"}, "Revenez à Bora Bora avec -15 %"),
        ("ja", {"id": "3", "last_destination": "Bora Bora"}, "ボラボラ島へもう一度、15%オフ"),
        ("en", {"id": "4", "recent_searches": ["Tokyo"]}, "Tokyo awaits"),
        ("fr", {"id": "5", "recent_searches": ["Papeete", "Tokyo"]}, "Tokyo vous attend"),
        ("ja", {"id": "6", "recent_searches": ["Tokyo"]}, "東京がお待ちしています"),
        (
            "en",
            {"id": "7", "last_destination": "Bora Bora", "recent_searches": ["Tokyo"]},
            "Return to Bora Bora with 15% off",
        ),
    ],
)
def test_seed_rule_over_http(
    render: Callable[..., Any], locale: str, recipient: dict[str, Any], subject: str
) -> None:
    body = render(locale, recipient).json()
    assert body["subject"] == subject
    assert subject in body["text"]


def test_missing_required_field_is_a_422_naming_it(render: Callable[..., Any]) -> None:
    response = render("en", {"first_name": "Hina"})
    assert response.status_code == 422
    assert response.headers["content-type"].startswith(PROBLEM)
    problem = response.json()
    assert problem["status"] == 422
    assert problem["errors"] == [{"field": "recipient.id", "message": "is required"}]


def test_wrong_recipient_types_are_each_named(render: Callable[..., Any]) -> None:
    response = render("en", {"id": "1", "first_name": 3, "recent_searches": "Tokyo"})
    assert response.status_code == 422
    fields = {item["field"] for item in response.json()["errors"]}
    assert fields == {"recipient.first_name", "recipient.recent_searches"}


def test_markup_in_recipient_data_comes_back_escaped(render: Callable[..., Any]) -> None:
    body = render("en", {"id": "1", "first_name": "<b>Tom & Jerry</b>"}).json()
    assert body["preheader"] == "<b>Tom & Jerry</b>, an offer chosen for you"
    assert "<b>Tom" not in body["html"] and "&lt;b&gt;Tom &amp; Jerry" in body["html"]


def test_integer_ids_and_unicode_names(render: Callable[..., Any]) -> None:
    response = render("ja", {"id": 42, "first_name": "Mā'ohi 🌺"})
    assert response.status_code == 200
    assert "Mā'ohi 🌺" in response.json()["preheader"]


@pytest.mark.parametrize(
    ("departure", "expected"),
    [
        ("tomorrow", {"field": "recipient.booking.flights[0].departure"}),
        (5, {"template": "blocks/itinerary.mjml"}),
    ],
)
def test_render_failures_name_the_field_or_the_block_line(
    client: TestClient[Litestar], auth: dict[str, str], departure: object, expected: dict[str, str]
) -> None:
    """Both were "Template error" blaming templates/booking-confirmation.mjml, no line."""
    leg = {"flight_number": "TN7", "from": "CDG", "to": "PPT", "departure": departure}
    recipient = {"id": "r1", "booking": {"flights": [leg]}}
    body = {"template": "booking-confirmation", "locale": "en", "recipient": recipient}
    response = client.post("/v1/render", headers=auth, json=body)
    assert response.status_code == 422
    [item] = response.json()["errors"]
    assert expected.items() <= item.items()
    assert "field" in item or isinstance(item["line"], int)
