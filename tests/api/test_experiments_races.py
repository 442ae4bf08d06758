"""Nine parallel POST /v1/experiments/{key}/decide, on one app and across two replicas
sharing a store: one 200, the others 409 naming the decision that stands."""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import socket
import threading
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from litestar import Litestar

from atn_content.app import create_app
from atn_content.config import Settings

ROOT = Path(__file__).resolve().parents[2]
KEY = "k-races-0123456789abcdef"
AUTH = {"Authorization": f"Bearer {KEY}"}
DEFINITION: dict[str, Any] = {
    "key": "bf-race",
    "name": "Black Friday subject",
    "kind": "subject",
    "template": "newsletter-destination",
    "test_fraction": 0.2,
    "decision": {"metric": "click_rate", "horizon_hours": 4},
    "variants": [
        {"key": "A", "subject": "Black Friday : -30 % vers Tahiti"},
        {"key": "B", "subject": "Votre Polynésie à -30 %"},
        {"key": "C", "subject": "48 h pour rêver de Bora Bora"},
    ],
}


@pytest.fixture(params=["sqlite", "redis"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'atn.db'}"
    url: str = request.getfixturevalue("redis_url")
    return url


@contextlib.contextmanager
def serving(app: Litestar) -> Iterator[str]:
    """The app behind a real uvicorn on a free port: requests really run concurrently."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        while not server.started:
            if not thread.is_alive():
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.01)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture
async def replicas(store_url: str, tmp_path: Path) -> AsyncIterator[list[httpx.AsyncClient]]:
    """Two apps (replicas) on one store, each behind its own server, with its own spool."""
    root = tmp_path / "content"
    for part in ("templates", "blocks", "locales"):
        shutil.copytree(ROOT / part, root / part)
    with contextlib.ExitStack() as servers:
        urls = []
        for i in range(2):
            settings = Settings(
                content_root=root,
                store_url=store_url,
                state_dir=tmp_path / f"state-{i}",
                api_keys={KEY: frozenset({"experiments", "render"})},
                secret=b"x" * 32,
            )
            urls.append(servers.enter_context(serving(create_app(settings))))
        async with contextlib.AsyncExitStack() as clients:
            yield [
                await clients.enter_async_context(httpx.AsyncClient(base_url=url, timeout=30))
                for url in urls
            ]


async def decide_nine(clients: list[httpx.AsyncClient]) -> list[Any]:
    """Nine decisions (winners A, B, C) sent at once, each on its own open connection."""
    launched = await clients[0].post("/v1/experiments", json=DEFINITION, headers=AUTH)
    assert launched.status_code == 201, launched.text
    async with contextlib.AsyncExitStack() as stack:
        senders = []
        for i in range(9):
            sender = httpx.AsyncClient(base_url=clients[i % len(clients)].base_url, timeout=30)
            senders.append(await stack.enter_async_context(sender))
        # Connections open before the race, so the nine requests reach the servers together.
        await asyncio.gather(*(c.get("/healthz") for c in senders))
        return await asyncio.gather(
            *(
                c.post(
                    "/v1/experiments/bf-race/decide", json={"winner": "ABC"[i % 3]}, headers=AUTH
                )
                for i, c in enumerate(senders)
            )
        )


async def check_one_decision(client: httpx.AsyncClient, responses: list[Any]) -> None:
    codes = sorted(r.status_code for r in responses)
    assert codes == [200] + [409] * 8, [r.text for r in responses]
    [won] = [r.json() for r in responses if r.status_code == 200]
    winner = won["decision"]["winner"]
    for lost in (r for r in responses if r.status_code == 409):
        problem = lost.json()
        assert lost.headers["content-type"].startswith("application/problem+json")
        assert f"already decided: {winner!r}" in problem["detail"]
        assert problem["decision"]["winner"] == winner
    shown = (await client.get("/v1/experiments/bf-race", headers=AUTH)).json()
    decided = [e for e in shown["history"] if e["event"] == "decided"]
    assert len(decided) == 1
    assert shown["decision"]["winner"] == decided[0]["winner"] == winner


async def test_nine_parallel_decides_on_one_replica(
    replicas: list[httpx.AsyncClient],
) -> None:
    responses = await decide_nine(replicas[:1])
    await check_one_decision(replicas[0], responses)


async def test_nine_parallel_decides_across_two_replicas(
    replicas: list[httpx.AsyncClient],
) -> None:
    responses = await decide_nine(replicas)
    await check_one_decision(replicas[1], responses)
