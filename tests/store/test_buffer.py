"""EventBuffer against real stores: a real Redis outage, bounded memory, stop() flushing."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Callable
from pathlib import Path
from typing import Any

import msgspec
import pytest
import redis.asyncio as aioredis

from atn_content.store import Event, InvalidEvent, Preferences, StoreUnavailable, Unsubscribe
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
    # add() gives events without an event_id one, so a repeated replay is harmless.
    down = RedisStore(unused_url(), connect_timeout=0.5)
    buffer = EventBuffer(down, tmp_path / "spool")
    for i in range(200):
        buffer.add(Event(SCOPE, "A", "click", f"r{i % 5}", T0, 2.0, unique=False))
    await buffer.stop()
    await down.close()
    [spool] = (tmp_path / "spool").glob("*.ndjson")
    copy = spool.read_bytes()

    store = SQLiteStore(tmp_path / "store.db")
    await EventBuffer(store, tmp_path / "spool").stop()
    assert not spool.exists()
    # As if a replay had been interrupted by a crash after recording everything.
    spool.write_bytes(copy + b'{"scope": "torn line')
    again = EventBuffer(store, tmp_path / "spool")
    await again.stop()
    assert again.rejected == 1  # the torn line, kept for a human
    assert await store.counters(SCOPE) == {
        "A": {"click": {"count": 200, "sum": 400.0, "sumsq": 800.0}}
    }
    await store.close()


@pytest.mark.parametrize("backend", ["sqlite", "redis"])
async def test_only_events_failing_validation_are_set_aside(
    backend: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    store = (
        SQLiteStore(tmp_path / "store.db")
        if backend == "sqlite"
        else RedisStore(request.getfixturevalue("redis_url"))
    )
    buffer = EventBuffer(store, tmp_path / "spool", batch_size=100)
    bad = [
        Event(SCOPE, "A", "open|click", "r1", T0),
        Event(SCOPE, "A", "conversion", "r1", T0, value=1e200, unique=False),
        Event(SCOPE, "B", "conversion", "r2", T0, value=float("nan"), unique=False),
        Event("", "A", "open", "r3", T0),
    ]
    for i in range(300):
        buffer.add(conversion(i))
        if i % 75 == 0:
            buffer.add(bad[i // 75])
    await buffer.flush()
    assert buffer.health()["rejected"] == 4
    assert buffer.spooled == 0
    assert buffer.flushed == 300
    rejected = (tmp_path / "spool" / "rejected.ndjson").read_bytes().splitlines()
    decoded = [msgspec.json.decode(line) for line in rejected]  # NaN is written as null
    assert [(e["scope"], e["metric"], e["recipient_id"]) for e in decoded] == [
        (e.scope, e.metric, e.recipient_id) for e in bad
    ]
    assert await store.counters(SCOPE) == {
        b: {"conversion": s["conversion"]} for b, s in expected(300).items()
    }
    await buffer.stop()
    await store.close()


async def test_a_server_refusing_writes_is_an_outage_not_a_bad_batch(
    write_refusal: Any, tmp_path: Path
) -> None:
    server, failure = write_refusal.server, write_refusal.failure
    store = RedisStore(server.url)
    buffer = EventBuffer(store, tmp_path / "spool", batch_size=100)
    await write_refusal.refuse()
    for i in range(250):
        buffer.add(conversion(i))
        buffer.add(opening(i))
    await buffer.flush()
    assert buffer.health()["rejected"] == 0
    assert buffer.spooled == 500
    assert buffer.last_error is not None and failure in buffer.last_error
    assert await store.counters(SCOPE) == {}
    await write_refusal.accept()
    await buffer.stop()
    assert buffer.health()["rejected"] == 0
    assert buffer.spooled == 0
    assert await store.counters(SCOPE) == expected(250)
    assert not (tmp_path / "spool" / "rejected.ndjson").exists()
    await store.close()


# Keeps the server busy (it reads no socket meanwhile) for ARGV[1] microseconds.
BUSY_LUA = """
local t = redis.call('TIME')
local start = t[1] * 1000000 + t[2]
repeat t = redis.call('TIME') until t[1] * 1000000 + t[2] - start > tonumber(ARGV[1])
return 1
"""


async def test_a_batch_applied_whose_reply_was_lost_is_not_counted_twice(
    make_redis_server: Callable[[bool], Any], tmp_path: Path
) -> None:
    # The client gives up (0.2 s) while the server is busy; the server then runs every
    # attempt it had received: the same batch arrives up to three times, then the replay.
    server = make_redis_server(False)
    server.start()
    store = RedisStore(server.url, timeout=0.2)
    await store.record([Event("warm-up", "A", "open", "r0", T0)])  # connected, script loaded
    buffer = EventBuffer(store, tmp_path / "spool")
    for i in range(100):  # no event ids: as our tracking endpoints record them
        buffer.add(Event(SCOPE, "AB"[i % 2], "click", f"r{i % 7}", T0, 2.5, unique=False))
        buffer.add(Event(SCOPE, "AB"[i % 2], "open", f"r{i}", T0))
    async with aioredis.Redis(port=server.port) as admin:
        busy: asyncio.Task[Any] = asyncio.create_task(
            admin.eval(BUSY_LUA, 0, "2000000")  # type: ignore[arg-type]
        )
        await asyncio.sleep(0.3)  # let the busy script start before the batch is sent
        await buffer.flush()
        assert buffer.spooled == 200
        await busy
    for _ in range(3000):  # the server applies the attempts it had queued
        if await store.counters(SCOPE):
            break
        await asyncio.sleep(0.01)
    assert await store.counters(SCOPE), "the timed-out batch should have been applied"
    await buffer.stop()  # replays the spool: the same event ids
    assert buffer.spooled == 0
    assert await store.counters(SCOPE) == {
        "A": {"click": stats(50, 125.0, 312.5), "open": stats(50)},
        "B": {"click": stats(50, 125.0, 312.5), "open": stats(50)},
    }
    await store.close()


def stats(count: int, total: float = 0.0, total_sq: float = 0.0) -> dict[str, float]:
    return {"count": count, "sum": total, "sumsq": total_sq}


async def test_an_invalid_spooled_event_is_set_aside_once_across_failed_replays(
    tmp_path: Path,
) -> None:
    # A spool written by an older version, holding an event today's rules refuse.
    spool = tmp_path / "spool"
    spool.mkdir()
    lines = [conversion(i) for i in range(10)]
    lines.insert(3, Event(SCOPE, "A", "conversion", "r3", T0, 1e200, False, "huge"))
    (spool / "spool-1-1-old.ndjson").write_bytes(
        b"".join(msgspec.json.encode(e) + b"\n" for e in lines)
    )
    closed = SQLiteStore(tmp_path / "closed.db")
    await closed.close()
    for _ in range(3):  # the store is down: the replay fails each time
        await EventBuffer(closed, spool).stop()
    store = SQLiteStore(tmp_path / "store.db")
    buffer = EventBuffer(store, spool)
    await buffer.stop()
    assert (buffer.flushed, buffer.spooled) == (10, 0)
    rejected = (spool / "rejected.ndjson").read_bytes().splitlines()
    assert [msgspec.json.decode(line, type=Event).event_id for line in rejected] == ["huge"]
    assert await store.counters(SCOPE) == {
        b: {"conversion": s["conversion"]} for b, s in expected(10).items()
    }
    await store.close()


async def test_an_unsubscribe_during_an_outage_is_kept_and_recorded_once(
    make_redis_server: Callable[[bool], Any], tmp_path: Path
) -> None:
    server = make_redis_server(True)
    server.start()
    store = RedisStore(server.url, connect_timeout=0.5, timeout=2.0)
    buffer = EventBuffer(store, tmp_path / "spool", flush_interval=0.01)
    assert await buffer.record_or_spool(Unsubscribe("r-1", "newsletter", T0)) is True
    assert await store.is_unsubscribed("r-1", "newsletter")
    server.kill()
    # Kept on disk before the call returns, mixed with events on their way.
    assert await buffer.record_or_spool(Unsubscribe("r-2", "newsletter", T0 + 1)) is False
    buffer.add(conversion(1))
    assert await buffer.record_or_spool(Unsubscribe("r-2", "newsletter", T0 + 2)) is False
    buffer.add(Unsubscribe("r-3", "trip-alerts", T0 + 3))
    await buffer.flush()
    assert buffer.spooled == 4 and buffer.pending == 0
    buffer.start()
    server.start()
    await until(lambda: buffer.spooled == 0, "spool replayed")
    await buffer.stop()
    assert await store.is_unsubscribed("r-2", "newsletter")
    assert await store.is_unsubscribed("r-3", "trip-alerts")
    assert not await store.is_unsubscribed("r-3", "newsletter")
    async with aioredis.Redis(port=server.port) as admin:
        assert await admin.hgetall("atn:{unsub:r-2}") == {b"newsletter": repr(T0 + 1).encode()}
    assert (await store.counters(SCOPE))["B"]["conversion"]["count"] == 1
    assert buffer.health()["rejected"] == 0
    await store.close()


async def test_preferences_and_reasons_survive_an_outage(
    make_redis_server: Callable[[bool], Any], tmp_path: Path
) -> None:
    server = make_redis_server(True)
    server.start()
    store = RedisStore(server.url, connect_timeout=0.5, timeout=2.0)
    buffer = EventBuffer(store, tmp_path / "spool", flush_interval=0.01)
    seen: list[object] = []
    buffer.add_listener(seen.append)
    later = Preferences("r-1", "never", (), "fr", T0 + 10)
    server.kill()
    assert await buffer.record_or_spool(later) is False
    assert await buffer.record_or_spool(Preferences("r-1", "weekly", (), "fr", T0)) is False
    assert await buffer.record_or_spool(Unsubscribe("r-1", "trip", T0, "other", "link")) is False
    assert len(seen) == 3  # the listener sees what was kept, outage or not
    buffer.start()
    server.start()
    await until(lambda: buffer.spooled == 0, "spool replayed")
    await buffer.stop()
    assert await store.get_preferences("r-1") == later  # the older replay changed nothing
    assert await store.unsubscribes("r-1") == [Unsubscribe("r-1", "trip", T0, "other", "link")]
    await store.close()


async def test_spool_lines_written_before_other_kinds_still_replay(tmp_path: Path) -> None:
    spool = tmp_path / "spool"
    spool.mkdir()
    untagged = [
        b'{"scope":"bf-2026-subject","bucket":"A","metric":"open","recipient_id":"r1",'
        b'"ts":1795000000.0,"value":0.0,"unique":true,"event_id":"old-1"}\n',
        msgspec.json.encode(Unsubscribe("r9", "newsletter", T0)) + b"\n",
        b'{"write":"teleport","recipient_id":"r1"}\n',  # a kind this version does not know
    ]
    (spool / "spool-1-1-old.ndjson").write_bytes(b"".join(untagged))
    store = SQLiteStore(tmp_path / "store.db")
    buffer = EventBuffer(store, spool)
    await buffer.stop()
    assert (buffer.flushed, buffer.rejected, buffer.spooled) == (2, 1, 0)
    assert await store.counters(SCOPE) == {"A": {"open": stats(1)}}
    assert await store.is_unsubscribed("r9", "newsletter")
    await store.close()


async def test_an_invalid_unsubscribe_is_refused_not_spooled(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "store.db")
    buffer = EventBuffer(store, tmp_path / "spool")
    with pytest.raises(InvalidEvent):
        await buffer.record_or_spool(Unsubscribe("", "newsletter", T0))
    buffer.add(Unsubscribe("r1", "newsletter", float("nan")))
    await buffer.stop()
    assert (buffer.rejected, buffer.spooled) == (1, 0)
    await store.close()
