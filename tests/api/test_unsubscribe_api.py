"""Signed one-click unsubscribe: GET only shows a page, POST unsubscribes, forgeries are 404."""

from __future__ import annotations

import re

from litestar import Litestar
from litestar.testing import TestClient

from atn_content.tracking.extension import LinksExtension

B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


def unsubscribe_path(client: TestClient[Litestar], auth: dict[str, str], rid: str) -> str:
    body = {"template": "newsletter-destination", "locale": "fr", "recipient": {"id": rid}}
    headers = client.post("/v1/render", headers=auth, json=body).json()["headers"]
    found = re.fullmatch(r"<https://[^/]+(/u/[^>]+)>", headers["List-Unsubscribe"])
    assert found is not None
    return found.group(1)


def is_unsubscribed(client: TestClient[Litestar], rid: str) -> bool:
    store = client.app.state.store
    result: bool = client.blocking_portal.call(store.is_unsubscribed, rid, "newsletter")
    return result


def test_get_shows_a_confirmation_page_and_changes_nothing(
    client: TestClient[Litestar], auth: dict[str, str]
) -> None:
    path = unsubscribe_path(client, auth, "u-get")
    page = client.get(path)
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert f'<form method="post" action="{path}"' in page.text
    assert not is_unsubscribed(client, "u-get")


def test_one_click_post_unsubscribes_without_an_api_key(
    client: TestClient[Litestar], auth: dict[str, str]
) -> None:
    path = unsubscribe_path(client, auth, "u-post")
    response = client.post(
        path,
        content=b"List-Unsubscribe=One-Click",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 200
    assert '<html lang="fr"' in response.text and "Vous êtes désabonné·e" in response.text
    assert is_unsubscribed(client, "u-post")
    assert not is_unsubscribed(client, "u-get-other")
    assert client.post(path).status_code == 200  # a second click is harmless


def test_forged_or_altered_tokens_are_404(
    client: TestClient[Litestar], auth: dict[str, str]
) -> None:
    path = unsubscribe_path(client, auth, "u-victim")
    data, mac = path.removeprefix("/u/").split(".")
    forged_paths = [
        f"/u/{data}.{mac[::-1]}",
        f"/u/{data}",
        "/u/bmV3c2xldHRlcgp1LXZpY3RpbQ.AAAAAAAAAAAAAAAAAAAAAA",
        "/u/%3Cscript%3E",
        f"/u/{data}.{mac}==",  # padded: the same bytes, not our spelling
        f"/u/{data}.{mac[:-1]}{B64[B64.index(mac[-1]) ^ 1]}",  # differs in unused bits only
    ]
    for forged in forged_paths:
        for method in ("GET", "POST"):
            response = client.request(method, forged)
            assert response.status_code == 404, (method, forged)
            assert response.headers["content-type"].startswith("text/html")
            assert "<html lang=" in response.text and data not in response.text
    assert not is_unsubscribed(client, "u-victim")


def test_a_preferences_link_cannot_unsubscribe(
    client: TestClient[Litestar], auth: dict[str, str]
) -> None:
    [links] = [
        e.links for e in client.app.state.renderer.extensions if isinstance(e, LinksExtension)
    ]
    prefs = links.preferences_url("u-prefs")
    token = prefs.rsplit("/", 1)[1]
    assert client.post(f"/u/{token}").status_code == 404
    store = client.app.state.store
    assert not client.blocking_portal.call(store.is_unsubscribed, "u-prefs", "prefs")


def test_a_multipart_one_click_post_unsubscribes_too(
    client: TestClient[Litestar], auth: dict[str, str]
) -> None:
    """RFC 8058 allows multipart/form-data for the one-click body as well."""
    path = unsubscribe_path(client, auth, "u-multipart")
    response = client.post(path, files={"List-Unsubscribe": (None, "One-Click")})
    assert response.status_code == 200
    assert is_unsubscribed(client, "u-multipart")
