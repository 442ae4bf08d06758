"""Every route with the store down (a real redis-server killed; SQLite closed under the app):
no 500. Writes that can wait are spooled (202), reads and launches are 503 with
Retry-After, and what was spooled is recorded once the store is back."""

from __future__ import annotations

import asyncio
import base64
import json
import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
from litestar import Litestar
from litestar.testing import TestClient

from atn_content.app import create_app
from atn_content.config import Settings
from atn_content.store.buffer import EventBuffer
from atn_content.store.sqlite import SQLiteStore

ROOT = Path(__file__).resolve().parents[2]
KEY = "k-outage-0123456789abcdef"
AUTH = {"Authorization": f"Bearer {KEY}"}
EXPERIMENT: dict[str, Any] = {
    "key": "bf-outage",
    "name": "Black Friday subject",
    "kind": "subject",
    "template": "newsletter-destination",
    "test_fraction": 1.0,
    "variants": [
        {"key": "A", "subject": "Black Friday : -30 % vers Tahiti"},
        {"key": "B", "subject": "Votre Polynésie à -30 %"},
    ],
}
RENDER = {"template": "newsletter-destination", "locale": "fr", "recipient": {"id": "r-1"}}
EVENTS = {"events": [{"type": "click", "recipient_id": f"r-{i}"} for i in range(20)]}
SPOOLED = "spooled: recorded when the store is back"
POSTMARK_AUTH = "pm-user:pm-outage-pass"
#: A Postmark delivery (its Basic credentials instead of the API key): spooled, 202.
WEBHOOK = {
    "RecordType": "Delivery",
    "MessageID": "883953f4-6105-42a2-a16a-77a8eac79483",
    "Recipient": "john@example.com",
    "DeliveredAt": "2019-11-05T16:33:54.9070259Z",
    "Metadata": {"atn_recipient": "r-1", "atn_campaign": "outage"},
}
ROUTE_HEADERS = {
    ("POST", "/v1/webhooks/{provider:str}"): {
        "Authorization": "Basic " + base64.b64encode(POSTMARK_AUTH.encode()).decode()
    }
}
IMPORT = {"suppressions": [{"recipient_id": "r-bounced", "source": "bounce"}]}
CONSENT = {"date": "2026-11-30T10:00:00Z", "source": "form", "wording_version": "v3"}

# (method, route) -> (path, body, expected status). Every route of the app must be here.
SWEEP: dict[tuple[str, str], tuple[str, Any, int]] = {
    ("POST", "/v1/render"): ("/v1/render", RENDER, 200),
    ("POST", "/v1/render/batch"): ("/v1/render/batch", RENDER, 200),
    ("GET", "/v1/templates"): ("/v1/templates", None, 200),
    ("GET", "/healthz"): ("/healthz", None, 200),
    ("GET", "/u/{token:str}"): ("{unsubscribe}", None, 200),
    ("POST", "/u/{token:str}"): ("{unsubscribe}", None, 202),
    ("GET", "/preferences/{token:str}"): ("{preferences}", None, 200),
    ("POST", "/preferences/{token:str}"): ("{preferences}", b"frequency=monthly", 202),
    ("GET", "/t/c/{token:str}"): ("{click}", None, 302),
    ("GET", "/t/o/{token:str}"): ("{pixel}", None, 200),
    # A mounted ASGI route (every method answered like GET): the image, whatever the store.
    ("POST", "/v1/img/countdown"): ("/v1/img/countdown/outage.gif", None, 200),
    ("GET", "/v1/experiments"): ("/v1/experiments", None, 503),
    ("POST", "/v1/experiments"): ("/v1/experiments", {**EXPERIMENT, "key": "bf-new"}, 503),
    ("GET", "/v1/experiments/{key:str}"): ("/v1/experiments/bf-outage", None, 503),
    ("GET", "/v1/experiments/{key:str}/results"): ("/v1/experiments/bf-outage/results", None, 503),
    ("POST", "/v1/experiments/{key:str}/events"): ("/v1/experiments/bf-outage/events", EVENTS, 202),
    ("POST", "/v1/webhooks/{provider:str}"): ("/v1/webhooks/postmark", WEBHOOK, 202),
    ("POST", "/v1/experiments/{key:str}/decide"): (
        "/v1/experiments/bf-outage/decide",
        {"winner": "B"},
        503,
    ),
    ("GET", "/v1/suppressions"): ("/v1/suppressions", None, 503),
    ("POST", "/v1/suppressions"): ("/v1/suppressions", IMPORT, 202),
    ("POST", "/v1/recipients/{recipient_id:str}/consents"): (
        "/v1/recipients/r-1/consents",
        CONSENT,
        503,
    ),
    ("GET", "/v1/recipients/{recipient_id:str}"): ("/v1/recipients/r-1", None, 503),
    ("DELETE", "/v1/recipients/{recipient_id:str}"): ("/v1/recipients/r-1", None, 503),
    # Served from the model in memory (or the cold start): the store is not asked.
    ("GET", "/v1/recommendations/{recipient_id:str}"): ("/v1/recommendations/r-1", None, 200),
    # The studio, signed in (studio_login): the login needs no store.
    ("GET", "/studio/login"): ("/studio/login", None, 303),  # signed in already: onwards
    ("POST", "/studio/login"): ("/studio/login", b"key=nope", 403),  # no login token
    ("POST", "/studio/logout"): ("/studio/logout", b"csrf=forged", 403),
    ("GET", "/studio/static/{file_path:path}"): ("/studio/static/studio.css", None, 200),
    ("GET", "/studio"): ("/studio", None, 200),
    ("GET", "/studio/experiments"): ("/studio/experiments", None, 503),  # a page saying so
    ("GET", "/studio/templates/{name:str}"): ("/studio/templates/birthday", None, 200),
    ("POST", "/studio/templates/{name:str}/preview"): (  # no CSRF header: refused first
        "/studio/templates/birthday/preview",
        {"locale": "en", "recipient": {}},
        403,
    ),
    ("POST", "/studio/templates/{name:str}/send"): (
        "/studio/templates/birthday/send",
        {"locale": "en", "to": "a@example.pf"},
        403,
    ),
    ("GET", "/studio/events"): ("/studio/events?timeout=0", None, 200),
    ("POST", "/studio/experiments/launch"): ("/studio/experiments/launch", b"csrf=forged", 403),
    ("GET", "/studio/experiments/{key:str}"): ("/studio/experiments/bf-2026-subject", None, 503),
    ("POST", "/studio/experiments/{key:str}/decide"): (
        "/studio/experiments/bf-2026-subject/decide",
        b"csrf=forged",
        403,
    ),
}


def settings(store_url: str, tmp_path: Path) -> Settings:
    return Settings(
        content_root=ROOT,
        store_url=store_url,
        state_dir=tmp_path / "state",
        api_keys={KEY: frozenset({"render", "experiments", "admin"})},
        secret=b"o" * 32,
        postmark_webhook_auth=POSTMARK_AUTH,
    )


def app_routes(app: Litestar) -> set[tuple[str, str]]:
    found = set()
    for route in app.routes:
        methods = getattr(route, "methods", set()) or {"POST"}  # the raw ASGI batch route
        found |= {(m, route.path) for m in methods if m not in {"OPTIONS", "HEAD"}}
    return found


def email_paths(client: TestClient[Litestar], rid: str) -> dict[str, str]:
    """The unsubscribe, first tracked link and open pixel paths of one rendered email."""
    body = {**RENDER, "recipient": {"id": rid}}
    email = client.post("/v1/render", json=body, headers=AUTH).json()
    found = re.fullmatch(r"<https://[^/]+(/u/[^>]+)>", email["headers"]["List-Unsubscribe"])
    click = re.search(r'href="https://[^/"]+(/t/c/[^"]+)"', email["html"])
    pixel = re.search(r'src="https://[^/"]+(/t/o/[^"]+)"', email["html"])
    prefs = re.search(r'href="https://[^/"]+(/preferences/[^"]+)"', email["html"])
    assert found and click and pixel and prefs
    return {
        "unsubscribe": found.group(1),
        "click": click.group(1),
        "pixel": pixel.group(1),
        "preferences": prefs.group(1),
    }


def sweep(client: TestClient[Litestar], paths: dict[str, str]) -> dict[tuple[str, str], int]:
    """Every route once; returns the statuses (and checks each one's shape)."""
    seen: dict[tuple[str, str], int] = {}
    studio_login(client)
    for route in sorted(app_routes(client.app)):
        method, path = route
        if path.startswith("/schema"):
            target, body, expected = path.replace("{path:str}", "openapi.json"), None, 200
        else:
            assert route in SWEEP, f"add {route} to the outage sweep"
            target, body, expected = SWEEP[route]
            for name, value in paths.items():
                target = target.replace("{" + name + "}", value)
        if path == "/v1/render/batch":
            response = client.post(target, content=_ndjson(body), headers=AUTH)
        else:
            headers = ROUTE_HEADERS.get(route, AUTH)
            form = isinstance(body, bytes)  # a page's form, not JSON
            response = client.request(
                method,
                target,
                json=None if form else body,
                content=body if form else None,
                headers={**headers, "Content-Type": "application/x-www-form-urlencoded"}
                if form
                else headers,
                follow_redirects=False,
            )
        seen[route] = response.status_code
        assert response.status_code < 500 or response.status_code == 503, (route, response.text)
        assert response.status_code == expected, (route, response.status_code, response.text)
        if response.status_code == 503 and path.startswith("/studio"):  # a page, for people
            assert response.headers["content-type"].startswith("text/html")
            assert int(response.headers["retry-after"]) > 0
            assert "store is unreachable" in response.text
        elif response.status_code == 503:
            assert response.headers["content-type"].startswith("application/problem+json")
            assert int(response.headers["retry-after"]) > 0
            problem = response.json()
            assert problem["title"] == "Store unavailable"
            assert "retry" in problem["detail"]
    return seen


def studio_login(client: TestClient[Litestar]) -> None:
    """A studio session on the client (KEY has the admin scope), through the login form."""
    page = client.get("/studio/login").text
    token = re.search(r'name="login_token" value="([^"]+)"', page)
    assert token, page
    form = {"key": KEY, "login_token": token.group(1), "next": "/studio"}
    assert client.post("/studio/login", data=form, follow_redirects=False).status_code == 303


def _ndjson(body: Any) -> bytes:
    return (json.dumps(body) + "\n").encode()


def is_unsubscribed(client: TestClient[Litestar], rid: str) -> bool:
    store = client.app.state.store
    result: bool = client.blocking_portal.call(store.is_unsubscribed, rid, "newsletter")
    return result


def wait_until(condition: Callable[[], bool], what: str) -> None:
    for _ in range(3000):  # generous; the test never measures time
        if condition():
            return
        time.sleep(0.01)
    raise AssertionError(f"gave up waiting for: {what}")


@pytest.fixture
def prepared(tmp_path: Path) -> Iterator[Callable[[str], TestClient[Litestar]]]:
    """A running app on `store_url` with an experiment launched while the store was up."""
    opened: list[TestClient[Litestar]] = []

    def start(store_url: str) -> TestClient[Litestar]:
        client = TestClient(create_app(settings(store_url, tmp_path))).__enter__()
        opened.append(client)
        launched = client.post("/v1/experiments", json=EXPERIMENT, headers=AUTH)
        assert launched.status_code == 201, launched.text
        return client

    yield start
    for client in opened:
        client.__exit__(None, None, None)


def test_redis_killed_every_route_answers_and_the_unsubscribe_lands_once(
    make_redis_server: Callable[[bool], Any],
    prepared: Callable[[str], TestClient[Litestar]],
) -> None:
    server = make_redis_server(True)
    server.start()
    client = prepared(server.url)
    paths = email_paths(client, "r-gone")
    path = paths["unsubscribe"]
    server.kill()

    sweep(client, paths)
    page = client.post(path)  # a second click while still down: harmless
    assert page.status_code == 202 and "Vous êtes désabonné·e" in page.text
    assert client.get("/healthz").json()["store"].startswith("unavailable")

    server.start()  # same port, same data
    wait_until(lambda: is_unsubscribed(client, "r-gone"), "the spooled unsubscribe replayed")
    buffer: EventBuffer = client.app.state.buffer
    wait_until(lambda: buffer.spooled == 0 and buffer.pending == 0, "the spool emptied")
    with redis.Redis(port=server.port) as admin:
        assert admin.hlen("atn:{unsub:r-gone}") == 1
    assert client.get("/v1/experiments/bf-outage/results", headers=AUTH).status_code == 200
    counters = client.blocking_portal.call(client.app.state.store.counters, "bf-outage")
    clicks = sum(b.get("click", {}).get("count", 0) for b in counters.values())
    assert clicks == 21  # the 20 posted and the tracked link followed while down
    assert sum(b.get("exposure", {}).get("count", 0) for b in counters.values()) == 2
    webhook = client.blocking_portal.call(client.app.state.store.counters, "campaign:outage")
    assert webhook["-"]["delivered"]["count"] == 1
    assert client.post(path).status_code == 200  # the store is back: recorded at once


def test_sqlite_closed_every_route_answers_and_a_later_process_replays(tmp_path: Path) -> None:
    db = tmp_path / "atn.db"
    client = TestClient(create_app(settings(f"sqlite:///{db}", tmp_path))).__enter__()
    assert client.post("/v1/experiments", json=EXPERIMENT, headers=AUTH).status_code == 201
    paths = email_paths(client, "r-gone")
    client.blocking_portal.call(client.app.state.store.close)  # the file is out of reach

    sweep(client, paths)
    buffer: EventBuffer = client.app.state.buffer
    client.blocking_portal.call(buffer.flush)
    assert buffer.spooled > 0

    client.__exit__(None, None, None)  # stops; everything left is on disk
    store = SQLiteStore(db)
    later = EventBuffer(store, tmp_path / "state" / "spool")
    assert later.spooled > 0

    async def replay() -> tuple[bool, Any]:
        await later.stop()
        found = await store.is_unsubscribed("r-gone", "newsletter")
        counters = await store.counters("bf-outage")
        await store.close()
        return found, counters

    found, counters = asyncio.run(replay())
    assert found is True
    assert later.spooled == 0
    clicks = sum(b.get("click", {}).get("count", 0) for b in counters.values())
    assert clicks == 21  # the 20 posted and the tracked link followed while down
