"""RedisStore against its own redis-server: a server refusing writes is an outage."""

from __future__ import annotations

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


async def test_a_server_refusing_writes_raises_store_unavailable_and_writes_nothing(
    write_refusal: Any,
) -> None:
    server, failure = write_refusal.server, write_refusal.failure
    store = RedisStore(server.url)
    await store.record([Event("s", "A", "open", "r0", T0, event_id="e0")])
    await write_refusal.refuse()
    batch = [Event("s", "A", "open", f"r{i}", T0, event_id=f"e{i}") for i in range(1, 5)]
    with pytest.raises(StoreUnavailable, match=failure):
        await store.record(batch)
    assert await store.counters("s") == {"A": {"open": {"count": 1, "sum": 0, "sumsq": 0}}}
    await write_refusal.accept()
    assert await store.record(batch) == 4
    await store.close()


async def test_a_server_that_lost_its_scripts_still_records_each_event_once(
    redis_url: str,
) -> None:
    store = RedisStore(redis_url)
    assert await store.record([Event("s0", "A", "click", "r1", T0, 1.0, False)]) == 1
    async with aioredis.Redis.from_url(redis_url) as admin:
        await admin.script_flush()  # as after a restart or a failover
    batch = [Event(f"s{i % 3}", "A", "click", "r1", T0, 1.0, False) for i in range(3000)]
    assert await store.record(batch) == 3000
    assert (await store.counters("s0"))["A"]["click"]["count"] == 1 + 1000
    assert (await store.counters("s1"))["A"]["click"]["count"] == 1000
    await store.close()
