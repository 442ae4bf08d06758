"""Who gets into the studio: a `studio` key through the login form, a cookie, CSRF on forms."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from litestar import Litestar
from litestar.testing import TestClient
from tests.preview.conftest import (
    RENDER_ONLY,
    STUDIO,
    csrf_token,
    log_in,
    login_token,
    make_settings,
)

from atn_content.app import create_app
from atn_content.preview.login_link import login_once_link
from atn_content.preview.session import SESSION_TTL_S, Sessions, key_fingerprint

STUDIO_PAGES = ["/studio", "/studio/experiments"]


@pytest.mark.parametrize("path", STUDIO_PAGES)
def test_a_request_without_a_session_gets_the_login_page(
    client: TestClient[Litestar], path: str
) -> None:
    response = client.get(path)
    assert response.status_code == 401
    assert '<form method="post" action="/studio/login">' in response.text
    assert f'name="next" value="{path}"' in response.text
    assert STUDIO not in response.text


def test_the_login_sets_a_strict_httponly_session_cookie_and_returns_to_the_page(
    client: TestClient[Litestar],
) -> None:
    page = client.get("/studio/experiments").text
    response = client.post(
        "/studio/login",
        data={"key": STUDIO, "login_token": login_token(page), "next": "/studio/experiments"},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/studio/experiments"
    cookies = [v for k, v in response.headers.multi_items() if k == "set-cookie"]
    cookie = next(v for v in cookies if v.startswith("atn_studio="))
    assert "HttpOnly" in cookie
    assert "samesite=strict" in cookie.lower()
    assert STUDIO not in cookie
    listing = client.get("/studio")
    assert listing.status_code == 200
    assert "newsletter" in listing.text


@pytest.mark.parametrize("key", [RENDER_ONLY, "not-a-key-at-all-0123456789", ""])
def test_a_key_without_the_studio_scope_is_refused(client: TestClient[Litestar], key: str) -> None:
    page = client.get("/studio/login").text
    response = client.post(
        "/studio/login",
        data={"key": key, "login_token": login_token(page)},
        follow_redirects=False,
    )
    assert response.status_code == 401
    assert "lacks the studio scope" in response.text
    assert client.get("/studio").status_code == 401


def test_a_login_posted_without_the_forms_token_is_refused(client: TestClient[Litestar]) -> None:
    response = client.post("/studio/login", data={"key": STUDIO}, follow_redirects=False)
    assert response.status_code == 403
    assert client.get("/studio").status_code == 401


@pytest.mark.parametrize(
    "next_path", ["https://evil.example/", "//evil.example/x", "/v1/render", "/\\evil.example"]
)
def test_the_login_never_redirects_off_the_studio(
    client: TestClient[Litestar], next_path: str
) -> None:
    page = client.get("/studio/login").text
    response = client.post(
        "/studio/login",
        data={"key": STUDIO, "login_token": login_token(page), "next": next_path},
        follow_redirects=False,
    )
    assert response.headers["location"] == "/studio"


def test_logout_needs_the_csrf_token_and_ends_the_session(signed_in: TestClient[Litestar]) -> None:
    page = signed_in.get("/studio").text
    refused = signed_in.post("/studio/logout", data={"csrf": "forged"}, follow_redirects=False)
    assert refused.status_code == 403
    assert "CSRF" in refused.json()["detail"]
    assert signed_in.get("/studio").status_code == 200
    done = signed_in.post("/studio/logout", data={"csrf": csrf_token(page)}, follow_redirects=False)
    assert done.status_code == 303
    assert signed_in.get("/studio").status_code == 401


def test_a_session_ends_when_its_key_is_removed(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    with TestClient(create_app(settings)) as client:
        log_in(client)
        cookie = client.cookies["atn_studio"]
    fewer = make_settings(tmp_path)
    object.__setattr__(fewer, "api_keys", {RENDER_ONLY: frozenset({"render"})})
    with TestClient(create_app(fewer)) as client:
        client.cookies.set("atn_studio", cookie)
        assert client.get("/studio").status_code == 401


def test_sessions_expire_and_refuse_forged_cookies() -> None:
    sessions = Sessions(b"k" * 32)
    keys = {STUDIO: frozenset({"studio"})}
    cookie = sessions.open(key_fingerprint(STUDIO), now=1_000_000)
    assert sessions.read(cookie, keys, now=1_000_000 + SESSION_TTL_S) is not None
    assert sessions.read(cookie, keys, now=1_000_001 + SESSION_TTL_S) is None
    assert sessions.read(cookie[:-2] + "AA", keys, now=1_000_000) is None
    other = Sessions(b"o" * 32).open(key_fingerprint(STUDIO), now=1_000_000)
    assert sessions.read(other, keys, now=1_000_000) is None


def test_the_one_time_link_logs_in_once(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    token = login_once_link(settings.state_dir, STUDIO)
    assert (settings.state_dir / "studio-login-once").stat().st_mode & 0o077 == 0
    with TestClient(create_app(settings)) as client:
        first = client.get(f"/studio/login?once={token}", follow_redirects=False)
        assert first.status_code == 303
        assert client.get("/studio").status_code == 200
    with TestClient(create_app(settings)) as client:
        again = client.get(f"/studio/login?once={token}", follow_redirects=False)
        assert again.status_code == 401
        assert "already used" in again.text


def test_serve_prints_a_one_time_studio_link(tmp_path: Path) -> None:
    """`make run` runs `atn-content serve`; its first lines name the studio link."""
    import os
    import subprocess
    import sys

    env = {**os.environ, "ATN_STATE_DIR": str(tmp_path / "state"), "ATN_API_KEYS": ""}
    env.pop("ATN_API_KEY", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "atn_content.cli", "serve", "--port", "0"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert process.stdout is not None
    with process.stdout:
        try:
            lines = [process.stdout.readline() for _ in range(2)]
        finally:
            process.kill()
            process.wait()
    link = next(line for line in lines if "/studio/login?once=" in line)
    token = re.search(r"once=(\S+)", link)
    assert token
    stored = (tmp_path / "state" / "studio-login-once").read_text().split()[0]
    assert stored == token.group(1)


def test_odd_tokens_are_refused_not_a_server_error(client: TestClient[Litestar]) -> None:
    login = client.post(
        "/studio/login", data={"key": STUDIO, "login_token": "é"}, follow_redirects=False
    )
    assert login.status_code == 403
    log_in(client)
    logout = client.post("/studio/logout", data={"csrf": "é"}, follow_redirects=False)
    assert logout.status_code == 403
    preview = client.post(
        "/studio/templates/birthday/preview",
        json={"locale": "en", "recipient": {}},
        headers={"X-CSRF-Token": "été".encode("latin-1")},  # type: ignore[arg-type,dict-item]
    )
    assert preview.status_code == 403
