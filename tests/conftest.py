"""Real backends shared by the test suite: SQLite in tmp_path, and our own redis-server."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import time
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import pytest
import redis
import redis.asyncio as aioredis
from hypothesis import settings

from atn_content.live_server import free_port
from atn_content.store import Store
from atn_content.store.redis import RedisStore
from atn_content.store.sqlite import SQLiteStore

# Tests never time things: Hypothesis's per-example deadline (200 ms) fails a property test
# when a loaded machine is slow, not when the code is wrong (seen under -n 2 with other jobs).
settings.register_profile("atn", deadline=None)
settings.load_profile("atn")


class RedisServer:
    """A redis-server process this test session owns (start, kill, restart)."""

    def __init__(self, binary: str, port: int, workdir: Path, persistent: bool = False):
        self.binary = binary
        self.port = port
        self.workdir = workdir
        self.persistent = persistent
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        # Persistent servers fsync every write so a SIGKILL loses nothing acknowledged.
        durability = (
            ["--appendonly", "yes", "--appendfsync", "always"]
            if self.persistent
            else ["--appendonly", "no"]
        )
        args = ["--port", str(self.port), "--bind", "127.0.0.1", "--save", ""]
        self.process = subprocess.Popen(
            [self.binary, *args, *durability, "--dir", str(self.workdir)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = redis.Redis(port=self.port, socket_connect_timeout=0.2)
        try:
            deadline = time.monotonic() + 10
            while True:
                try:
                    if client.ping():
                        return
                except redis.exceptions.ConnectionError:
                    pass
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"redis-server did not start on port {self.port}")
                time.sleep(0.02)
        finally:
            client.close()

    def kill(self) -> None:
        """Abrupt outage: SIGKILL, no goodbye to clients."""
        if self.process is not None:
            self.process.kill()
            self.process.wait()
            self.process = None

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None


def redis_binary() -> str:
    binary = shutil.which("redis-server")
    if binary is None:
        message = "redis-server binary not found (apt package redis-server)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{message}; CI=true requires the real Redis tests to run")
        pytest.skip(message)
    return binary


class WriteRefusal:
    """A started server of this test's own that can be made to refuse writes, and healed.

    failure names the error code it then answers writes with, while still answering reads.
    """

    def __init__(self, server: RedisServer, failure: str) -> None:
        self.server = server
        self.failure = failure

    async def refuse(self) -> None:
        async with aioredis.Redis(port=self.server.port) as admin:
            await _refuse_writes(self.failure, admin, self.server.workdir)

    async def accept(self) -> None:
        async with aioredis.Redis(port=self.server.port) as admin:
            await _accept_writes(self.failure, admin, self.server.workdir)


async def _refuse_writes(failure: str, admin: aioredis.Redis, workdir: Path) -> None:
    if failure == "READONLY":  # demoted by a failover: a replica of an unreachable master
        await admin.replicaof("127.0.0.1", "1")
    elif failure == "OOM":
        await admin.config_set("maxmemory", "1")
    elif failure == "NOREPLICAS":
        await admin.config_set("min-replicas-to-write", "1")
    elif failure == "MISCONF":  # snapshots configured, and the last one failed: no disk
        await admin.config_set("save", "3600 1")
        shutil.rmtree(workdir)
        await admin.bgsave()
        for _ in range(3000):
            info = await admin.info("persistence")
            if not info["rdb_bgsave_in_progress"] and info["rdb_last_bgsave_status"] == "err":
                return
            await asyncio.sleep(0.01)
        raise AssertionError("the background save did not fail")


async def _accept_writes(failure: str, admin: aioredis.Redis, workdir: Path) -> None:
    if failure == "READONLY":
        await admin.replicaof("NO", "ONE")
    elif failure == "OOM":
        await admin.config_set("maxmemory", "0")
    elif failure == "NOREPLICAS":
        await admin.config_set("min-replicas-to-write", "0")
    elif failure == "MISCONF":  # the disk is back; snapshots off again (as at start)
        workdir.mkdir()
        await admin.config_set("save", "")


@pytest.fixture
def make_redis_server(tmp_path: Path) -> Iterator[Callable[[bool], RedisServer]]:
    """Factory for servers a test controls itself (not yet started); all stopped at the end."""
    made: list[RedisServer] = []
    binary = redis_binary()

    def make(persistent: bool = False) -> RedisServer:
        workdir = tmp_path / f"redis-{len(made)}"
        workdir.mkdir()
        made.append(RedisServer(binary, free_port(), workdir, persistent))
        return made[-1]

    yield make
    for server in made:
        server.stop()


@pytest.fixture(params=["READONLY", "OOM", "MISCONF", "NOREPLICAS"])
def write_refusal(
    request: pytest.FixtureRequest, make_redis_server: Callable[[bool], RedisServer]
) -> WriteRefusal:
    """Each way a live server refuses writes: failover, maxmemory, failed save, no replicas."""
    server = make_redis_server(False)
    server.start()
    return WriteRefusal(server, request.param)


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    server = RedisServer(redis_binary(), free_port(), tmp_path_factory.mktemp("redis"))
    server.start()
    yield server
    server.stop()


@pytest.fixture
def redis_url(redis_server: RedisServer) -> str:
    """URL of the session server, emptied before the test."""
    with redis.Redis(port=redis_server.port) as client:
        client.flushdb()
    return redis_server.url


@pytest.fixture(params=["sqlite", "redis"])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Store]:
    backend: Store
    if request.param == "sqlite":
        backend = SQLiteStore(tmp_path / "store.db")
    else:
        backend = RedisStore(request.getfixturevalue("redis_url"))
    yield backend
    await backend.close()
