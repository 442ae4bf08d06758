"""Suppression at render time, the suppression feed, consents and erasure, on both stores.

The erasure test looks for the recipient id afterwards in every Redis key (names and
contents) and every SQLite table row.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
from litestar import Litestar
from litestar.testing import TestClient
from tests.api.conftest import make_settings
from tests.live import sqlite_mentions

from atn_content.app import create_app
from atn_content.store import Preferences, Unsubscribe

KEY = "consent-key-0123456789abcdef"
RENDER_ONLY = "render-only-0123456789abcdef"
AUTH = {"Authorization": f"Bearer {KEY}"}
PROMO = "abandoned-h1"  # list "abandoned", content "promotions"
TRIP = "online-checkin"  # list "trip", content "travel-information"
NEWS = "newsletter-destination"  # list "newsletter", content "inspiration"
CONSENT = {"date": "2026-11-30T10:00:00+10:00", "source": "booking", "wording_version": "v3"}


@pytest.fixture(params=["sqlite", "redis"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/consent.db"
    url: str = request.getfixturevalue("redis_url")
    return url


@pytest.fixture
def client(backend: str, tmp_path: Path) -> Iterator[TestClient[Litestar]]:
    keys = {
        KEY: frozenset({"render", "experiments", "privacy"}),
        RENDER_ONLY: frozenset({"render"}),
    }
    settings = make_settings(tmp_path, store_url=backend, api_keys=keys)
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def render(client: TestClient[Litestar], template: str, rid: str) -> Any:
    body = {"template": template, "locale": "ja", "recipient": {"id": rid}}
    return client.post("/v1/render", json=body, headers=AUTH)


def record(client: TestClient[Litestar], write: Unsubscribe | Preferences) -> None:
    """As the pages do: through the buffer, durable before the answer."""
    client.blocking_portal.call(client.app.state.buffer.record_or_spool, write)


def test_preferences_suppress_a_content_type_at_once(client: TestClient[Litestar]) -> None:
    assert render(client, PROMO, "r-ja").status_code == 200
    record(client, Preferences("r-ja", "monthly", ("inspiration", "travel-information"), "ja", 1e9))
    refused = render(client, PROMO, "r-ja")
    assert refused.status_code == 409
    assert refused.headers["content-type"].startswith("application/problem+json")
    problem = refused.json()
    assert problem["title"] == "Recipient suppressed"
    assert (problem["reason"], problem["since"]) == ("content-type", "2001-09-09T01:46:40Z")
    assert render(client, NEWS, "r-ja").status_code == 200  # inspiration is kept
    assert render(client, PROMO, "r-other").status_code == 200


def test_unsubscribes_per_list_and_from_everything(client: TestClient[Litestar]) -> None:
    record(client, Unsubscribe("r-1", "abandoned", 1.8e9, "too-frequent", "link"))
    assert render(client, PROMO, "r-1").json()["reason"] == "unsubscribed"
    assert render(client, TRIP, "r-1").status_code == 200
    record(client, Unsubscribe("r-1", "*", 1.8e9 + 60))
    assert render(client, TRIP, "r-1").json()["reason"] == "unsubscribed-everything"


def test_a_batch_line_of_a_suppressed_recipient_is_an_error_line(
    client: TestClient[Litestar],
) -> None:
    record(client, Preferences("r-never", "never", (), "fr", 1.8e9))
    lines = [
        f'{{"template": "{NEWS}", "locale": "fr", "recipient": {{"id": "{rid}"}}}}'
        for rid in ("r-ok", "r-never")
    ]
    response = client.post("/v1/render/batch", content="\n".join(lines), headers=AUTH)
    first, second = (json.loads(x) for x in response.text.splitlines())
    assert "result" in first and first["recipient_id"] == "r-ok"
    assert second["error"]["status"] == 409
    assert second["error"]["reason"] == "frequency-never"


def test_the_feed_pages_by_cursor_and_imports_are_honoured(client: TestClient[Litestar]) -> None:
    record(client, Unsubscribe("r-a", "abandoned", 1.8e9, "not-relevant"))
    record(client, Preferences("r-b", "weekly", ("promotions",), "en", 1.8e9))
    imported = client.post(
        "/v1/suppressions",
        json={
            "suppressions": [
                {"recipient_id": "r-c", "source": "bounce"},
                {"recipient_id": "r-d", "source": "complaint", "at": "2026-12-01T08:00:00Z"},
            ]
        },
        headers=AUTH,
    )
    assert imported.status_code == 200 and imported.json() == {"imported": 2, "spooled": 0}
    assert render(client, TRIP, "r-c").json()["reason"] == "unsubscribed-everything"
    first = client.get("/v1/suppressions", params={"limit": 3}, headers=AUTH).json()
    assert first["has_more"] is True
    rest = client.get(
        "/v1/suppressions", params={"cursor": first["next_cursor"]}, headers=AUTH
    ).json()
    lines = first["items"] + rest["items"]
    assert rest["has_more"] is False and rest["next_cursor"] == str(lines[-1]["id"])
    assert [(x["kind"], x["recipient_id"]) for x in lines] == [
        ("unsubscribe", "r-a"),
        ("preferences", "r-b"),
        ("unsubscribe", "r-c"),
        ("unsubscribe", "r-d"),
    ]
    assert lines[0]["reason"] == "not-relevant" and lines[1]["topics"] == ["promotions"]
    assert lines[3]["source"] == "complaint" and lines[3]["at"] == "2026-12-01T08:00:00Z"
    since = client.get("/v1/suppressions", params={"since": lines[2]["ts"]}, headers=AUTH)
    assert [x["recipient_id"] for x in since.json()["items"]] == ["r-c", "r-d"]


@pytest.mark.parametrize(
    ("params", "field"),
    [({"since": "yesterday"}, "since"), ({"cursor": "abc"}, "cursor"), ({"curser": "1"}, "curser")],
)
def test_a_bad_feed_query_names_the_parameter(
    client: TestClient[Litestar], params: dict[str, str], field: str
) -> None:
    response = client.get("/v1/suppressions", params=params, headers=AUTH)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == field


def test_an_import_names_the_bad_field(client: TestClient[Litestar]) -> None:
    body = {"suppressions": [{"recipient_id": "r-1"}, {"recipient_id": "r-2", "source": "x"}]}
    response = client.post("/v1/suppressions", json=body, headers=AUTH)
    assert response.status_code in {400, 422}
    assert "suppressions[1].source" in response.text


def test_privacy_routes_need_the_privacy_scope(client: TestClient[Litestar]) -> None:
    other = {"Authorization": f"Bearer {RENDER_ONLY}"}
    assert client.get("/v1/recipients/r-1", headers=other).status_code == 403
    assert client.delete("/v1/recipients/r-1", headers=other).status_code == 403
    assert (
        client.post("/v1/recipients/r-1/consents", json=CONSENT, headers=other).status_code == 403
    )


def _redis_mentions(url: str, needle: str) -> list[str]:
    """Every key whose name or content holds `needle`."""
    found = []
    with redis.Redis.from_url(url) as admin:
        for raw in admin.scan_iter("*"):
            key = raw.decode()
            kind = admin.type(raw).decode()
            if kind == "string":
                values = [admin.get(raw) or b""]
            elif kind == "hash":
                values = [x for pair in admin.hgetall(raw).items() for x in pair]
            elif kind == "set":
                values = list(admin.smembers(raw))
            elif kind == "zset":
                values = [m for m, _ in admin.zrange(raw, 0, -1, withscores=True)]
            else:
                values = list(admin.lrange(raw, 0, -1))
            if needle in key or any(needle.encode() in v for v in values):
                found.append(key)
    return found


def mentions(backend: str) -> Callable[[str], list[str]]:
    if backend.startswith("redis"):
        return lambda needle: _redis_mentions(backend, needle)
    return lambda needle: sqlite_mentions(backend.removeprefix("sqlite:///"), needle)


def test_access_then_erasure_leaves_only_a_hash(client: TestClient[Litestar], backend: str) -> None:
    rid = "erase-me-7f3a"
    launched = client.post(
        "/v1/experiments",
        json={
            "key": "erasure-subject",
            "name": "subject",
            "kind": "subject",
            "template": NEWS,
            "test_fraction": 1.0,
            "variants": [{"key": "A", "subject": "A"}, {"key": "B", "subject": "B"}],
        },
        headers=AUTH,
    )
    assert launched.status_code == 201, launched.text
    assert render(client, NEWS, rid).status_code == 200  # an exposure counted for them
    opened = client.post(
        "/v1/experiments/erasure-subject/events",
        json={"events": [{"type": "click", "recipient_id": rid}]},
        headers=AUTH,
    )
    assert opened.status_code == 202
    assert (
        client.post(f"/v1/recipients/{rid}/consents", json=CONSENT, headers=AUTH).status_code == 201
    )
    record(client, Preferences(rid, "weekly", ("inspiration",), "ja", 1.8e9))
    record(client, Unsubscribe(rid, "abandoned", 1.8e9, "other"))
    client.blocking_portal.call(client.app.state.buffer.flush)

    held = client.get(f"/v1/recipients/{rid}", headers=AUTH).json()
    assert held["consents"][0] == {
        "date": "2026-11-30T00:00:00Z",
        "source": "booking",
        "wording_version": "v3",
        "recorded_at": held["consents"][0]["recorded_at"],
    }
    assert held["preferences"]["frequency"] == "weekly"
    assert [u["list_id"] for u in held["unsubscribes"]] == ["abandoned"]
    assert [a["experiment"] for a in held["experiments"]] == ["erasure-subject"]
    assert {e["metric"] for e in held["events"]} >= {"exposure", "click"}
    assert mentions(backend)(rid)  # the scan finds what is there

    erased = client.delete(f"/v1/recipients/{rid}", headers=AUTH)
    assert erased.status_code == 200
    hashed = erased.json()["recipient_hash"]
    assert mentions(backend)(rid) == []
    assert mentions(backend)(hashed)  # the one thing kept
    assert render(client, NEWS, rid).json()["reason"] == "erased"
    feed = client.get("/v1/suppressions", headers=AUTH).json()["items"]
    assert [(x["kind"], x.get("recipient_hash")) for x in feed] == [("erasure", hashed)]
    after = client.get(f"/v1/recipients/{rid}", headers=AUTH).json()
    assert (after["consents"], after["preferences"], after["unsubscribes"], after["events"]) == (
        [],
        None,
        [],
        [],
    )


def test_a_new_process_reads_the_erasure_from_the_feed(backend: str, tmp_path: Path) -> None:
    keys = {KEY: frozenset({"render", "privacy"})}
    settings = make_settings(tmp_path, store_url=backend, api_keys=keys)
    with TestClient(create_app(settings)) as first:
        assert first.delete("/v1/recipients/gone-1", headers=AUTH).status_code == 200
    with TestClient(create_app(settings)) as second:
        assert render(second, NEWS, "gone-1").json()["reason"] == "erased"
        assert render(second, NEWS, "still-here").status_code == 200
