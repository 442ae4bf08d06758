"""Store ingest: batched record() against a naive one-event-per-call baseline, same run.

Usage: .venv/bin/python bench/store.py [--events 200000] [--naive 5000] [--batch 500]
Starts its own redis-server on a free port (needs the binary) and a temporary SQLite file.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from atn_content.store import Event, Store
from atn_content.store.redis import RedisStore
from atn_content.store.sqlite import SQLiteStore

METRICS = ("delivered", "open", "click", "conversion")


def make_events(n: int, offset: int = 0) -> list[Event]:
    """A realistic mix: unique opens/clicks, webhook ids, revenue on conversions."""
    events = []
    for j in range(offset, offset + n):
        metric = METRICS[j % 4]
        events.append(
            Event(
                scope=f"exp-{j % 8}",
                bucket="AB"[j % 2],
                metric=metric,
                recipient_id=f"r{j % 50_000}",
                ts=1_795_000_000.0 + j,
                value=float(j % 97) * 1000.0 if metric == "conversion" else 0.0,
                unique=metric in ("open", "click"),
                event_id=f"ev-{j}" if metric in ("delivered", "conversion") else None,
            )
        )
    return events


async def batched(store: Store, events: Sequence[Event], batch: int) -> float:
    start = time.perf_counter()
    for i in range(0, len(events), batch):
        await store.record(events[i : i + batch])
    return len(events) / (time.perf_counter() - start)


async def naive(store: Store, events: Sequence[Event]) -> float:
    """One record() per event: one transaction (SQLite) or one round trip (Redis) each."""
    start = time.perf_counter()
    for event in events:
        await store.record([event])
    return len(events) / (time.perf_counter() - start)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def start_redis(port: int) -> subprocess.Popen[bytes]:
    binary = shutil.which("redis-server")
    if binary is None:
        raise SystemExit("redis-server not found (apt package redis-server)")
    args = ["--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
    return subprocess.Popen([binary, *args], stdout=subprocess.DEVNULL)


async def wait_ready(store: Store) -> None:
    for _ in range(500):
        try:
            await store.ping()
            return
        except Exception:
            await asyncio.sleep(0.02)
    raise SystemExit("redis-server did not answer")


async def measure(
    store: Store, label: str, n: int, n_naive: int, batch: int
) -> tuple[float, float]:
    # The baseline continues the same stream, so it meets the same dedupe tables.
    fast = await batched(store, make_events(n), batch)
    slow = await naive(store, make_events(n_naive, offset=n))
    print(
        f"{label:7s} batched({batch}): {fast:12,.0f} events/s   "
        f"naive(1): {slow:10,.0f} events/s   ratio {fast / slow:6.1f}x"
    )
    return fast, slow


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--naive", type=int, default=5_000, help="events for the baseline")
    parser.add_argument("--batch", type=int, default=500)
    opts = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        sqlite = SQLiteStore(Path(tmp) / "bench.db")
        s_fast, s_slow = await measure(sqlite, "sqlite", opts.events, opts.naive, opts.batch)
        await sqlite.close()

    port = free_port()
    server = start_redis(port)
    try:
        redis = RedisStore(f"redis://127.0.0.1:{port}/0")
        await wait_ready(redis)
        r_fast, r_slow = await measure(redis, "redis", opts.events, opts.naive, opts.batch)
        await redis.close()
    finally:
        server.terminate()
        server.wait()

    print(
        f"events={opts.events} sqlite_events_per_s={s_fast:.0f} redis_events_per_s={r_fast:.0f}"
        f" sqlite_ratio={s_fast / s_slow:.1f} redis_ratio={r_fast / r_slow:.1f}"
    )


if __name__ == "__main__":
    asyncio.run(main())
