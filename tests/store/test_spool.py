"""Several processes, one spool directory: every spooled event is recorded exactly once."""

from __future__ import annotations

import asyncio
import socket
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

from atn_content.store import Event
from atn_content.store.buffer import EventBuffer
from atn_content.store.redis import RedisStore
from atn_content.store.sqlite import SQLiteStore

T0 = 1_795_000_000.0
SCOPE = "bf-2026-subject"


def events(tag: str, n: int) -> list[Event]:
    """A unique open and a revenue event per recipient, without event ids (our endpoints)."""
    opens = [Event(SCOPE, "AB"[i % 2], "open", f"{tag}{i}", T0) for i in range(n)]
    sales = [
        Event(SCOPE, "AB"[i % 2], "conversion", f"{tag}{i}", T0, 10.0, False) for i in range(n)
    ]
    return opens + sales


def counts(n_recipients: int) -> dict[str, dict[str, dict[str, float]]]:
    half = n_recipients // 2
    return {
        b: {
            "open": {"count": half, "sum": 0.0, "sumsq": 0.0},
            "conversion": {"count": half, "sum": 10.0 * half, "sumsq": 100.0 * half},
        }
        for b in "AB"
    }


def unused_url() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"redis://127.0.0.1:{s.getsockname()[1]}/0"


async def test_two_workers_sharing_a_spool_count_every_event_once_over_two_outages(
    make_redis_server: Callable[[bool], Any], tmp_path: Path
) -> None:
    server = make_redis_server(True)
    server.start()
    spool = tmp_path / "spool"  # settings.state_dir / "spool", shared by --workers 2
    stores = [RedisStore(server.url, connect_timeout=0.5), RedisStore(server.url)]
    # flush_interval=0: no back-off, so each flush() below really tries the store.
    workers = [EventBuffer(store, spool, batch_size=64, flush_interval=0.0) for store in stores]
    for outage in range(2):
        server.kill()
        for w, worker in enumerate(workers):
            for event in events(f"o{outage}w{w}-", 100):
                worker.add(event)
        for worker in workers:
            await worker.flush()
        assert workers[0].spooled == workers[1].spooled == 400
        server.start()
        # Recovery: both replay at once, each its own file (and whatever nobody holds).
        await asyncio.gather(*(worker.flush() for worker in workers))
        assert [worker.spooled for worker in workers] == [0, 0]
    await asyncio.gather(*(worker.stop() for worker in workers))
    assert sum(worker.flushed for worker in workers) == 800
    assert await stores[0].counters(SCOPE) == counts(400)
    assert sorted(p.name for p in spool.iterdir()) == []
    for store in stores:
        await store.close()


async def test_a_worker_that_cannot_reach_the_store_has_its_spool_replayed_by_another(
    tmp_path: Path,
) -> None:
    spool = tmp_path / "spool"
    down = RedisStore(unused_url(), connect_timeout=0.5)
    cut_off = EventBuffer(down, spool, flush_interval=0.0)
    for event in events("a", 30):
        cut_off.add(event)
    await cut_off.flush()  # its store is down: 60 events in its own file
    store = SQLiteStore(tmp_path / "store.db")
    other = EventBuffer(store, spool)
    await other.flush()  # takes the file: it is not being written to
    assert other.spooled == 0
    assert await store.counters(SCOPE) == counts(30)
    for event in events("b", 20):  # the cut-off worker spools on, into a new file
        cut_off.add(event)
    await cut_off.flush()
    assert other.spooled == 40
    await other.flush()
    await cut_off.stop()
    await other.stop()
    assert await store.counters(SCOPE) == counts(50)  # a0..a29 and b0..b19, once each
    assert sorted(p.name for p in spool.iterdir()) == []
    await down.close()
    await store.close()


DYING_WORKER = textwrap.dedent(
    """
    import asyncio, os, sys
    from pathlib import Path
    from atn_content.store import Event
    from atn_content.store.buffer import EventBuffer
    from atn_content.store.redis import RedisStore

    async def main() -> None:
        buffer = EventBuffer(RedisStore(sys.argv[2], connect_timeout=0.5), Path(sys.argv[1]))
        for i in range(50):
            buffer.add(Event("bf-2026-subject", "AB"[i % 2], "open", f"dead{i}", 1.0))
        await buffer.flush()
        os._exit(0 if buffer.spooled == 50 else 3)  # killed: no stop(), no cleanup

    asyncio.run(main())
    """
)


async def test_a_dead_workers_spool_is_replayed_by_a_live_one(tmp_path: Path) -> None:
    spool = tmp_path / "spool"
    store = SQLiteStore(tmp_path / "store.db")
    live = EventBuffer(store, spool)
    for event in events("live", 10):
        live.add(event)
    await live.flush()
    died = await asyncio.to_thread(
        subprocess.run, [sys.executable, "-c", DYING_WORKER, str(spool), unused_url()]
    )
    assert died.returncode == 0
    assert live.spooled == 50
    await live.flush()  # decided by the files on disk, not by anything this process counted
    assert live.spooled == 0
    opens = await store.counters(SCOPE)
    assert {b: m["open"]["count"] for b, m in opens.items()} == {"A": 30, "B": 30}
    await live.stop()
    await store.close()


BUSY_WORKER = textwrap.dedent(
    """
    import asyncio, sys
    from pathlib import Path
    from atn_content.store import Event
    from atn_content.store.buffer import EventBuffer
    from atn_content.store.sqlite import SQLiteStore

    async def main() -> None:
        store = SQLiteStore(Path(sys.argv[2]))
        await store.close()  # a store that is never there
        buffer = EventBuffer(store, Path(sys.argv[1]), flush_interval=0.0, max_pending=37)
        for i in range(3000):
            buffer.add(Event("bf-2026-subject", "AB"[i % 2], "open", f"busy{i}", 1.0))
            if i % 50 == 49:
                await buffer.flush()
        await buffer.stop()

    asyncio.run(main())
    """
)


async def test_a_spool_replayed_while_its_writer_keeps_appending_loses_nothing(
    tmp_path: Path,
) -> None:
    spool = tmp_path / "spool"
    store = SQLiteStore(tmp_path / "store.db")
    replayer = EventBuffer(store, spool, flush_interval=0.0)
    child = subprocess.Popen(
        [sys.executable, "-c", BUSY_WORKER, str(spool), str(tmp_path / "down.db")]
    )
    rounds = 0
    while child.poll() is None:  # take its files again and again as it writes them
        await replayer.flush()
        rounds += 1
        await asyncio.sleep(0)
    assert child.wait() == 0
    await replayer.stop()
    opens = await store.counters(SCOPE)
    assert {b: m["open"]["count"] for b, m in opens.items()} == {"A": 1500, "B": 1500}
    assert sorted(p.name for p in spool.iterdir()) == []
    assert rounds > 1
    await store.close()
