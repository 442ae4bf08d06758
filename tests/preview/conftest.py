"""The studio under test: the real app on the shipped content, SQLite in tmp_path.

STUDIO may open the studio; RENDER_ONLY is a valid key without the scope. `signed_in`
is a TestClient that has logged in through the login form, as a person does.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from litestar import Litestar
from litestar.testing import TestClient

from atn_content.app import create_app
from atn_content.config import Settings

REPO = Path(__file__).resolve().parents[2]
STUDIO = "studio-key-0123456789abcdef"
RENDER_ONLY = "render-key-0123456789abcdef"


def make_settings(tmp_path: Path) -> Settings:
    return Settings(
        content_root=REPO,
        store_url=f"sqlite:///{tmp_path}/t.db",
        state_dir=tmp_path / "state",
        api_keys={STUDIO: frozenset({"studio"}), RENDER_ONLY: frozenset({"render"})},
        secret=b"s" * 32,
    )


@pytest.fixture
def app(tmp_path: Path) -> Litestar:
    return create_app(make_settings(tmp_path))


@pytest.fixture
def client(app: Litestar) -> Iterator[TestClient[Litestar]]:
    with TestClient(app) as test_client:
        yield test_client


def login_token(page: str) -> str:
    found = re.search(r'name="login_token" value="([^"]+)"', page)
    assert found, "the login page has no login token"
    return found.group(1)


def csrf_token(page: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', page)
    assert found, "the page has no CSRF field"
    return found.group(1)


def log_in(client: TestClient[Litestar], key: str = STUDIO, next_path: str = "/studio") -> None:
    page = client.get("/studio/login").text
    response = client.post(
        "/studio/login",
        data={"key": key, "login_token": login_token(page), "next": next_path},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text


@pytest.fixture
def signed_in(client: TestClient[Litestar]) -> TestClient[Litestar]:
    log_in(client)
    return client
