"""EventBuffer against real stores: a real Redis outage, bounded memory, stop() flushing."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Callable
from pathlib import Path
from typing import Any

import msgspec
import pytest

from atn_content.store import Event, StoreUnavailable
from atn_content.store.buffer import EventBuffer
from atn_content.store.redis import RedisStore
from atn_content.store.sqlite import SQLiteStore

T0 = 1_795_000_000.0
SCOPE = "bf-2026-subject"


def conversion(i: int) -> Event:
    """A revenue event carrying an event_id, as an ESP webhook would."""
    return Event(SCOPE, "AB"[i % 2], "conversion", f"r{i}", T0 + i, float(i % 10), False, f"e{i}")


def opening(i: int) -> Event:
    """A unique open without an event_id, as our tracking pixel records it."""
    return Event(SCOPE, "AB"[i % 2], "open", f"r{i % 700}", T0 + i)


def expected(n: int) -> dict[str, dict[str, dict[str, float]]]:
    """Counters after conversion(i) and opening(i) for every i < n."""
    result: dict[str, dict[str, dict[str, float]]] = {}
    for i in range(n):
        c = result.setdefault("AB"[i % 2], {}).setdefault(
            "conversion", {"count": 0, "sum": 0.0, "sumsq": 0.0}
        )
        c["count"] += 1
        c["sum"] += i % 10
        c["sumsq"] += (i % 10) ** 2
    for r in range(min(n, 700)):
        o = result["AB"[r % 2]].setdefault("open", {"count": 0, "sum": 0.0, "sumsq": 0.0})
        o["count"] += 1
    return result


async def until(condition: Callable[[], bool], what: str) -> None:
    for _ in range(3000):  # generous deadline; the test never measures time
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"gave up waiting for: {what}")


def unused_url() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"redis://127.0.0.1:{s.getsockname()[1]}/0"


async def test_redis_outage_loses_nothing_and_doubles_nothing(
    make_redis_server: Callable[[bool], Any], tmp_path: Path
) -> None:
    server = make_redis_server(True)
    server.start()
    store = RedisStore(server.url, connect_timeout=0.5, timeout=2.0)
    buffer = EventBuffer(store, tmp_path / "spool", batch_size=100, flush_interval=0.01)
    buffer.start()
    added = 0

    async def produce(n: int) -> None:
        nonlocal added
        for _ in range(n):
            buffer.add(conversion(added))
            buffer.add(opening(added))
            added += 1
            if added % 20 == 0:
                await asyncio.sleep(0)

    producer = asyncio.create_task(produce(3000))
    await until(lambda: buffer.flushed > 500, "first batches recorded")
    server.kill()  # mid-stream: the producer is still adding
    await producer
    await produce(500)
    await until(lambda: buffer.pending == 0 and buffer.spooled > 0, "events spooled to disk")
    assert buffer.last_error is not None
    assert list((tmp_path / "spool").glob("*.ndjson"))
    with pytest.raises(StoreUnavailable):
        await store.ping()

    server.start()  # same port, same data directory
    await until(lambda: buffer.spooled == 0, "spool replayed")
    await produce(300)
    await buffer.stop()

    assert added == 3800
    assert buffer.pending == 0
    assert await store.counters(SCOPE) == expected(added)
    assert not list((tmp_path / "spool").glob("*.ndjson"))
    await store.close()


async def test_memory_is_bounded_by_spilling_to_disk(tmp_path: Path) -> None:
    down = RedisStore(unused_url(), connect_timeout=0.5)
    buffer = EventBuffer(down, tmp_path / "spool", batch_size=50, max_pending=1000)
    for i in range(2500):  # the background task is not even running
        buffer.add(conversion(i))
        buffer.add(opening(i))
    assert buffer.pending < 1000
    assert buffer.pending + buffer.spooled == 5000
    await buffer.stop()  # the store is down: everything left goes to disk
    assert buffer.health() == {
        "pending": 0,
        "spooled": 5000,
        "flushed": 0,
        "rejected": 0,
        "last_error": buffer.last_error,
    }
    assert buffer.last_error is not None
    await down.close()

    # A later process with a working store replays the spool from disk.
    store = SQLiteStore(tmp_path / "store.db")
    later = EventBuffer(store, tmp_path / "spool", batch_size=300)
    assert later.spooled == 5000
    await later.stop()
    assert later.spooled == 0
    assert later.flushed == 5000
    assert await store.counters(SCOPE) == expected(2500)
    await store.close()


async def test_stop_flushes_everything_pending(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "store.db")
    buffer = EventBuffer(store, tmp_path / "spool", flush_interval=60.0)
    buffer.start()
    for i in range(1234):
        buffer.add(conversion(i))
        buffer.add(opening(i))
    await buffer.stop()
    assert buffer.pending == 0
    assert buffer.flushed == 2468
    assert buffer.spooled == 0
    assert await store.counters(SCOPE) == expected(1234)
    await store.close()


async def test_replaying_a_spool_twice_counts_events_once(tmp_path: Path) -> None:
    # Events without an event_id get one when spooled, so a repeated replay is harmless.
    down = RedisStore(unused_url(), connect_timeout=0.5)
    buffer = EventBuffer(down, tmp_path / "spool")
    for i in range(200):
        buffer.add(Event(SCOPE, "A", "click", f"r{i % 5}", T0, 2.0, unique=False))
    await buffer.stop()
    await down.close()
    spool = tmp_path / "spool" / "spool.ndjson"
    copy = spool.read_bytes()

    store = SQLiteStore(tmp_path / "store.db")
    await EventBuffer(store, tmp_path / "spool").stop()
    spool.write_bytes(copy + b'{"scope": "torn line')  # as if replay had been interrupted
    await EventBuffer(store, tmp_path / "spool").stop()
    assert await store.counters(SCOPE) == {
        "A": {"click": {"count": 200, "sum": 400.0, "sumsq": 800.0}}
    }
    await store.close()


async def test_refused_events_are_set_aside_without_losing_their_batch(
    redis_url: str, tmp_path: Path
) -> None:
    store = RedisStore(redis_url)  # refuses a metric containing "|"
    buffer = EventBuffer(store, tmp_path / "spool", batch_size=100)
    for i in range(300):
        buffer.add(conversion(i))
        if i == 150:
            buffer.add(Event(SCOPE, "A", "open|click", "r1", T0))
    await buffer.flush()  # the refused batch goes to the spool, the others are recorded
    assert buffer.spooled == 100
    assert buffer.last_error is not None and "open|click" in buffer.last_error
    await buffer.stop()  # the replay isolates the one bad event
    assert buffer.health()["rejected"] == 1
    assert buffer.spooled == 0
    rejected = (tmp_path / "spool" / "rejected.ndjson").read_bytes().splitlines()
    assert [msgspec.json.decode(line, type=Event).metric for line in rejected] == ["open|click"]
    assert await store.counters(SCOPE) == {
        b: {"conversion": s["conversion"]} for b, s in expected(300).items()
    }
    await store.close()
