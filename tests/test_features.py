"""A feature is a package plus one registration line: its extension reaches templates, its
routes are served, its handlers get their dependencies, and its start hook gets the
opened stores."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
from litestar import get
from litestar.di import NamedDependency, Provide
from litestar.testing import TestClient
from tests.content.test_hostile_input import content_root

from atn_content.app import create_app, default_features
from atn_content.config import Settings
from atn_content.content.extensions import BaseExtension
from atn_content.features import AppDeps, Feature, collect_dependencies
from atn_content.store.base import Store

TEMPLATE = """+++
subject = "{{ greeting('Ana') }}"
+++
<mjml><mj-body><mj-section><mj-column><mj-text>{{ greeting('Tane') }}</mj-text>
</mj-column></mj-section></mj-body></mjml>
"""
KEY = "feature-key-0123456789abcdef"


class Greetings(BaseExtension):
    name = "greetings"

    def globals(self) -> Mapping[str, Any]:
        return {"greeting": lambda name: f"Ia ora na {name}"}


class Counter:
    """What the feature's handler reads; filled by its start hook."""

    def __init__(self) -> None:
        self.store: Store | None = None
        self.stopped = False


def greetings_feature(counter: Counter) -> Feature:
    async def start(deps: AppDeps) -> None:
        counter.store = deps.store
        assert deps.signer("greetings").sign("x") != deps.signer("other").sign("x")

    async def stop() -> None:
        counter.stopped = True

    @get("/v1/greetings/store")
    async def store_kind(greeting_counter: NamedDependency[Counter]) -> dict[str, str]:
        return {"store": type(greeting_counter.store).__name__}

    return Feature(
        "greetings",
        extension=Greetings(),
        routes=(store_kind,),
        dependencies={"greeting_counter": Provide(lambda: counter, sync_to_thread=False)},
        start=start,
        stop=stop,
    )


def test_a_feature_plugs_in_with_one_line(tmp_path: Path) -> None:
    (tmp_path / "content").mkdir()
    root = content_root(tmp_path / "content", {"hello": TEMPLATE})
    settings = Settings(
        content_root=root,
        store_url=f"sqlite:///{tmp_path}/f.db",
        state_dir=tmp_path / "state",
        api_keys={KEY: frozenset({"render"})},
        secret=b"f" * 32,
    )
    counter = Counter()
    features = [*default_features(settings), greetings_feature(counter)]
    with TestClient(create_app(settings, features)) as client:
        body = {"template": "hello", "locale": "en", "recipient": {"id": "r1"}}
        email = client.post("/v1/render", json=body, headers={"Authorization": f"Bearer {KEY}"})
        assert email.status_code == 200, email.text
        assert email.json()["subject"] == "Ia ora na Ana"
        assert "Ia ora na Tane" in email.json()["html"]
        assert client.get("/v1/greetings/store").json() == {"store": "SQLiteStore"}
    assert counter.stopped


def test_two_features_cannot_take_one_dependency_name() -> None:
    one = Feature("one", dependencies={"x": Provide(lambda: 1, sync_to_thread=False)})
    two = Feature("two", dependencies={"x": Provide(lambda: 2, sync_to_thread=False)})
    with pytest.raises(ValueError, match="'two' redefines dependencies"):
        collect_dependencies({}, [one, two])
