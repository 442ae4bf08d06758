"""RedisStore against its own redis-server: a server refusing writes is an outage."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import redis.asyncio as aioredis
import redis.exceptions

from atn_content.store import Event, StoreUnavailable
from atn_content.store.redis import RedisStore, unavailable_code

T0 = 1_795_000_000.0

CODES = ["READONLY", "OOM", "MISCONF", "LOADING", "CLUSTERDOWN", "TRYAGAIN", "MASTERDOWN"]
CODES += ["NOREPLICAS", "BUSY"]


@pytest.mark.parametrize("code", CODES)
def test_replies_meaning_cannot_write_now_are_recognised(code: str) -> None:
    reply = f"{code} the server cannot take writes right now"
    assert unavailable_code(redis.exceptions.ResponseError(reply)) == code
    # As redis-py words an error inside a pipeline.
    piped = f"Command # 2 (EVALSHA abc 3 k1 k2 k3) of pipeline caused error: ('{reply}',)"
    assert unavailable_code(redis.exceptions.ResponseError(piped)) == code


def test_other_error_replies_are_not_an_outage() -> None:
    for reply in ["WRONGTYPE Operation against a key", "ERR atn: invalid", "BUSYKEY Target"]:
        assert unavailable_code(redis.exceptions.ResponseError(reply)) is None
    assert unavailable_code(ValueError("READONLY")) is None
    assert unavailable_code(redis.exceptions.ReadOnlyError("You can't write")) == "READONLY"


async def refuse_writes(failure: str, admin: aioredis.Redis, workdir: Path) -> None:
    """Put a healthy server into a state where it answers writes with `failure`."""
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


async def accept_writes(failure: str, admin: aioredis.Redis, workdir: Path) -> None:
    if failure == "READONLY":
        await admin.replicaof("NO", "ONE")
    elif failure == "OOM":
        await admin.config_set("maxmemory", "0")
    elif failure == "NOREPLICAS":
        await admin.config_set("min-replicas-to-write", "0")
    elif failure == "MISCONF":  # the disk is back; snapshots off again (as at start)
        workdir.mkdir()
        await admin.config_set("save", "")


FAILURES = ["READONLY", "OOM", "MISCONF", "NOREPLICAS"]


@pytest.mark.parametrize("failure", FAILURES)
async def test_a_server_refusing_writes_raises_store_unavailable_and_writes_nothing(
    failure: str, make_redis_server: Callable[[bool], Any], tmp_path: Path
) -> None:
    server = make_redis_server(False)
    server.start()
    store = RedisStore(server.url)
    async with aioredis.Redis(port=server.port) as admin:
        await store.record([Event("s", "A", "open", "r0", T0, event_id="e0")])
        await refuse_writes(failure, admin, server.workdir)
        batch = [Event("s", "A", "open", f"r{i}", T0, event_id=f"e{i}") for i in range(1, 5)]
        with pytest.raises(StoreUnavailable, match=failure):
            await store.record(batch)
        assert await store.counters("s") == {"A": {"open": {"count": 1, "sum": 0, "sumsq": 0}}}
        await accept_writes(failure, admin, server.workdir)
        assert await store.record(batch) == 4
    await store.close()
