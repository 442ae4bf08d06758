"""Experiments end to end: render-time allocation, event ingest into the real stores, and
results latency for an experiment holding 10 million events, each against a baseline
measured in the same run.

- allocation: Assigner.assign (the /v1/render hot path: hash + arm + Assignment) and the
  numpy batch, against a straightforward port of GrowthBook's hashing (bench/experiments_math).
- ingest: store.record() in batches of experiment events, against one event per call.
- results: ExperimentService.results() (counters read + every statistic) after 10 million
  real events went through store.record() in large batches (no counter was written by
  hand), against recounting the same raw events with numpy (np.unique de-duplication).

Usage: .venv/bin/python bench/experiments.py [--big 10000000] [--backends sqlite,redis]
Starts its own redis-server on a free port and a temporary SQLite file.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import numpy.typing as npt

from atn_content.experiments.assign import Assigner
from atn_content.experiments.definitions import parse_definition
from atn_content.experiments.lifecycle import decided, launched
from atn_content.experiments.records import ROLLOUT
from atn_content.experiments.service import ExperimentService
from atn_content.store import Event, Store
from atn_content.store.redis import RedisStore
from atn_content.store.sqlite import SQLiteStore

sys.path.insert(0, str(Path(__file__).resolve().parent))
from experiments_math import FRACTION, SEED, WEIGHTS, naive_assign
from store import batched, free_port, naive, start_redis, wait_ready

TEMPLATE = "newsletter-destination"
DEFINITION = parse_definition(
    {
        "key": SEED,
        "name": "Black Friday subject",
        "kind": "subject",
        "template": TEMPLATE,
        "test_fraction": FRACTION,
        "variants": [
            {"key": k, "weight": w, "subject": f"Subject {k}"}
            for k, w in zip("ABC", WEIGHTS, strict=True)
        ],
    }
)
METRICS = ("exposure", "delivered", "open", "click", "conversion")
BUCKETS = ("A", "B", "C", ROLLOUT)


def bench_allocation(n: int) -> tuple[float, float, float]:
    """Recipients/s: Assigner.assign, Allocator.assign_many, naive port (same run)."""
    ids = [f"{i:07d}.client@example.pf" for i in range(n)]
    recipients = [{"id": r} for r in ids]
    assigner = Assigner()
    record = decided(launched(DEFINITION, 0.0, "bench"), "B", True, "bench", 1.0, "rule")
    assigner.load([record], now=2.0)  # rolling out the winner
    assign = assigner.assign
    arms = [assign(TEMPLATE, r) for r in recipients[:5000]]
    naive_arms = [naive_assign(r) for r in ids[:5000]]
    for got, want in zip(arms, naive_arms, strict=True):  # same answers as the naive port
        assert got is not None and got.bucket == ("ABC"[want] if want >= 0 else ROLLOUT)
    allocator = assigner._by_key[SEED].allocator  # the same allocator
    fast = _rate(lambda: [assign(TEMPLATE, r) for r in recipients], n)
    batch = _rate(lambda: allocator.assign_many(ids), n)
    slow = _rate(lambda: [naive_assign(r) for r in ids[: n // 4]], n // 4)
    return fast, batch, slow


def _rate(fn: object, count: int, repeat: int = 3) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn()  # type: ignore[operator]
        best = min(best, time.perf_counter() - start)
    return count / best


class EventSet:
    """A realistic experiment's raw events as arrays: every recipient exposed, 97 %
    delivered (with webhook ids), opens and clicks drawn with repeats (unique per
    recipient), conversions with revenue in XPF."""

    def __init__(self, total: int, seed: int = 7) -> None:
        rng = np.random.default_rng(seed)
        recipients = max(1000, total // 5)
        ids = [f"{i:07d}.client@example.pf" for i in range(recipients)]
        arm_of = Assigner()
        arm_of.load([launched(DEFINITION, 0.0, "bench")])
        allocator = arm_of._by_key[SEED].allocator
        arms = allocator.assign_many(ids).astype(np.int64)
        arms[arms < 0] = 3  # outside the test group: the rollout bucket
        everyone = np.arange(recipients)
        delivered = everyone[rng.random(recipients) < 0.97]
        conversions = total // 160
        clicks = total // 5
        opens = total - recipients - len(delivered) - clicks - conversions
        parts = [
            (everyone, 0),
            (delivered, 1),
            (rng.choice(delivered, opens), 2),
            (rng.choice(delivered[: len(delivered) // 6], clicks), 3),
            (rng.choice(delivered[: len(delivered) // 6], conversions), 4),
        ]
        self.ids = ids
        self.recipient = np.concatenate([p for p, _ in parts])
        self.metric = np.concatenate([np.full(len(p), m, np.int64) for p, m in parts])
        self.bucket = arms[self.recipient]
        self.value = np.where(self.metric == 4, rng.integers(20_000, 400_000, len(self.metric)), 0)
        self.value = self.value.astype(np.float64)

    def __len__(self) -> int:
        return len(self.metric)

    def batches(self, size: int, scope: str = SEED) -> Iterator[list[Event]]:
        ids, buckets = self.ids, BUCKETS
        for start in range(0, len(self), size):
            stop = start + size
            rows = zip(
                self.recipient[start:stop].tolist(),
                self.metric[start:stop].tolist(),
                self.bucket[start:stop].tolist(),
                self.value[start:stop].tolist(),
                strict=True,
            )
            yield [
                Event(
                    scope,
                    buckets[b],
                    METRICS[m],
                    ids[r],
                    1_795_000_000.0,
                    v,
                    m != 4,
                    f"d-{r}" if m == 1 else None,
                )
                for r, m, b, v in rows
            ]

    def recount(self) -> dict[tuple[int, int], tuple[int, float]]:
        """Baseline: counters recomputed from the raw events (unique where it counts)."""
        unique = self.metric != 4
        key = (self.metric * len(self.ids) + self.recipient)[unique]
        _, first = np.unique(key, return_index=True)
        keep: npt.NDArray[np.bool_] = np.zeros(len(self), np.bool_)
        keep[np.flatnonzero(unique)[first]] = True
        keep |= ~unique
        cell = self.metric[keep] * 4 + self.bucket[keep]
        counts = np.bincount(cell, minlength=20)
        sums = np.bincount(cell, weights=self.value[keep], minlength=20)
        return {(c // 4, c % 4): (int(counts[c]), float(sums[c])) for c in range(20)}


async def ingest(store: Store, label: str, n: int, n_naive: int) -> tuple[float, float]:
    events = EventSet(n + n_naive, seed=11)
    batches = next(events.batches(n + n_naive, scope=f"ingest-{label}"))
    fast = await batched(store, batches[:n], 2000)
    slow = await naive(store, batches[n:])
    print(
        f"ingest {label:6s} batched(2000): {fast:10,.0f} events/s   "
        f"one per call: {slow:8,.0f} events/s   ratio {fast / slow:5.1f}x"
    )
    return fast, slow


async def big_results(store: Store, label: str, events: EventSet) -> tuple[float, float]:
    service = ExperimentService(store, None, clock=lambda: 1_795_000_000.0)
    await service.launch(DEFINITION, "bench")
    start = time.perf_counter()
    for batch in events.batches(5000):
        await store.record(batch)
    took = time.perf_counter() - start
    results = await service.results(SEED)
    expected = events.recount()
    for arm in results.arms:
        assert arm.recipients == expected[(0, "ABC".index(arm.variant))][0]
        assert arm.clicks == expected[(3, "ABC".index(arm.variant))][0]
    times = []
    for _ in range(30):
        t0 = time.perf_counter()
        await service.results(SEED)
        times.append(time.perf_counter() - t0)
    median = statistics.median(times) * 1000
    print(
        f"results {label:6s} {len(events):,} events recorded via record() in {took:,.0f} s "
        f"({len(events) / took:,.0f}/s); results() median {median:.1f} ms, max "
        f"{max(times) * 1000:.1f} ms; counters match a recount"
    )
    return median, len(events) / took


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--recipients", type=int, default=200_000)
    parser.add_argument("--ingest", type=int, default=200_000)
    parser.add_argument("--naive", type=int, default=5_000)
    parser.add_argument("--big", type=int, default=10_000_000)
    parser.add_argument("--backends", default="sqlite,redis")
    opts = parser.parse_args()
    backends = opts.backends.split(",")

    fast, batch, slow = bench_allocation(opts.recipients)
    print(
        f"allocation: assign {fast:,.0f}/s  assign_many {batch:,.0f}/s  "
        f"naive port {slow:,.0f}/s  ratio {fast / slow:.1f}x"
    )
    out = {
        "alloc_per_s": f"{fast:.0f}",
        "alloc_batch_per_s": f"{batch:.0f}",
        "alloc_ratio": f"{fast / slow:.1f}",
    }
    big = EventSet(opts.big)
    t0 = time.perf_counter()
    big.recount()
    recount_ms = (time.perf_counter() - t0) * 1000
    print(f"baseline: numpy recount of {len(big):,} raw events {recount_ms:,.0f} ms")
    out["big_events"] = str(len(big))
    out["recount_ms"] = f"{recount_ms:.0f}"

    with tempfile.TemporaryDirectory() as tmp:
        if "sqlite" in backends:
            sqlite = SQLiteStore(Path(tmp) / "bench.db")
            s_fast, s_slow = await ingest(sqlite, "sqlite", opts.ingest, opts.naive)
            s_ms, s_big = await big_results(sqlite, "sqlite", big)
            await sqlite.close()
            out |= {
                "sqlite_ingest_per_s": f"{s_fast:.0f}",
                "sqlite_ingest_ratio": f"{s_fast / s_slow:.1f}",
                "sqlite_big_ingest_per_s": f"{s_big:.0f}",
                "sqlite_results_ms": f"{s_ms:.1f}",
                "sqlite_results_ratio": f"{recount_ms / s_ms:.0f}",
            }
    if "redis" in backends:
        port = free_port()
        server = start_redis(port)
        try:
            redis = RedisStore(f"redis://127.0.0.1:{port}/0")
            await wait_ready(redis)
            r_fast, r_slow = await ingest(redis, "redis", opts.ingest, opts.naive)
            r_ms, r_big = await big_results(redis, "redis", big)
            await redis.close()
        finally:
            server.terminate()
            server.wait()
        out |= {
            "redis_ingest_per_s": f"{r_fast:.0f}",
            "redis_ingest_ratio": f"{r_fast / r_slow:.1f}",
            "redis_big_ingest_per_s": f"{r_big:.0f}",
            "redis_results_ms": f"{r_ms:.1f}",
            "redis_results_ratio": f"{recount_ms / r_ms:.0f}",
        }
    print(" ".join(f"{k}={v}" for k, v in out.items()))


if __name__ == "__main__":
    asyncio.run(main())
