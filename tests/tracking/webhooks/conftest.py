"""The app under test with the webhooks feature given its own receiver (clock, fetch).

`hook(...)` builds a client: settings as keyword arguments (make_settings), `now` fixes the
receiver's clock, `fetch` is what it GETs SNS URLs with (the machine has no internet; a
fetch that fails proves nothing was downloaded).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import TestClient
from tests.api.conftest import make_settings

from atn_content.app import create_app, default_features
from atn_content.tracking.webhooks import feature as webhooks
from atn_content.tracking.webhooks.receiver import WebhookReceiver

VECTORS = Path(__file__).parent / "vectors"


class Hook:
    """A running app and what a test reads back from its store."""

    def __init__(self, client: TestClient[Litestar], receiver: WebhookReceiver) -> None:
        self.client = client
        self.receiver = receiver

    def post(self, provider: str, body: bytes, headers: dict[str, str] | None = None) -> Any:
        return self.client.post(f"/v1/webhooks/{provider}", content=body, headers=headers or {})

    def counters(self, scope: str) -> dict[str, dict[str, dict[str, float]]]:
        store = self.client.app.state.store
        result: dict[str, dict[str, dict[str, float]]] = self.client.blocking_portal.call(
            store.counters, scope
        )
        return result

    def count(self, scope: str, metric: str, bucket: str = "-") -> float:
        return self.counters(scope).get(bucket, {}).get(metric, {}).get("count", 0.0)

    def unsubscribed(self, recipient_id: str) -> bool:
        store = self.client.app.state.store
        result: bool = self.client.blocking_portal.call(store.is_unsubscribed, recipient_id, "*")
        return result


def refuse_downloads(url: str) -> bytes:
    raise OSError(f"no network in tests: {url}")


@pytest.fixture
def hook(tmp_path: Path) -> Iterator[Callable[..., Hook]]:
    opened: list[TestClient[Litestar]] = []

    def build(
        now: float | None = None,
        fetch: Callable[[str], bytes] = refuse_downloads,
        **overrides: Any,
    ) -> Hook:
        settings = make_settings(tmp_path, **overrides)
        clock = (lambda: now) if now is not None else None
        receiver = (
            WebhookReceiver(settings, fetch=fetch, clock=clock)
            if clock
            else WebhookReceiver(settings, fetch=fetch)
        )
        features = [f for f in default_features(settings) if f.name != "webhooks"]
        features.append(webhooks.feature(settings, receiver))
        client = TestClient(app=create_app(settings, features))
        opened.append(client.__enter__())
        return Hook(client, receiver)

    yield build
    for client in opened:
        client.__exit__(None, None, None)
