"""The API under test: the real app on the shipped content, a SQLite store in tmp_path.

KEY may render (and everything else); OTHER holds only the experiments scope, for 403s.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import TestClient
from tests.live import live_server

from atn_content.app import create_app
from atn_content.config import Settings

REPO = Path(__file__).resolve().parents[2]
KEY = "test-key-0123456789abcdef"
OTHER = "other-key-0123456789abcdef"
AUTH = {"Authorization": f"Bearer {KEY}"}
PROBLEM = "application/problem+json"


def make_settings(tmp_path: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "content_root": REPO,
        "store_url": f"sqlite:///{tmp_path}/t.db",
        "state_dir": tmp_path / "state",
        "api_keys": {
            KEY: frozenset({"render", "experiments", "admin"}),
            OTHER: frozenset({"experiments"}),
        },
        "secret": b"s" * 32,
        **overrides,
    }
    return Settings(**values)


@pytest.fixture
def auth() -> dict[str, str]:
    """Headers of a key with every scope."""
    return dict(AUTH)


@pytest.fixture
def other_auth() -> dict[str, str]:
    """Headers of a valid key that lacks the render scope."""
    return {"Authorization": f"Bearer {OTHER}"}


@pytest.fixture(scope="session")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return make_settings(tmp_path_factory.mktemp("api"))


@pytest.fixture(scope="session")
def app(settings: Settings) -> Litestar:
    """One app for the session: building one loads every template and catalog (~0.15 s)."""
    return create_app(settings)


@pytest.fixture(scope="session")
def client(app: Litestar) -> Iterator[TestClient[Litestar]]:
    with TestClient(app=app) as test_client:
        yield test_client


@pytest.fixture
def client_with(tmp_path: Path) -> Iterator[Callable[..., TestClient[Litestar]]]:
    """A client for an app built with some settings overridden."""
    opened: list[TestClient[Litestar]] = []

    def build(**overrides: Any) -> TestClient[Litestar]:
        test_client = TestClient(app=create_app(make_settings(tmp_path, **overrides)))
        opened.append(test_client.__enter__())
        return test_client

    yield build
    for test_client in opened:
        test_client.__exit__(None, None, None)


@pytest.fixture(scope="session")
def live_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """An app of its own behind a real uvicorn on a free port (for what TestClient cannot do)."""
    with live_server(create_app(make_settings(tmp_path_factory.mktemp("live")))) as url:
        yield url
