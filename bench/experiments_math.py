"""Allocation speed: the tight per-recipient path and the numpy batch against a naive,
straightforward port of GrowthBook's hashing, measured in the same run.

Run: .venv/bin/python bench/experiments_math.py [--recipients 200000]
Ends with one line of name=value pairs.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable, Sequence

from atn_content.experiments.allocation import (
    Allocator,
    Namespace,
    choose_variation,
    get_bucket_ranges,
)
from atn_content.experiments.decision import ArmCounts, DecisionRule, decide

SEED = "black-friday-subject"
WEIGHTS = (0.34, 0.33, 0.33)
FRACTION = 0.2


def naive_fnv(text: str) -> int:
    h = 0x811C9DC5
    for char in text:
        h ^= ord(char)
        h = (h * 0x01000193) % 2**32
    return h


def naive_assign(recipient_id: str) -> int:
    """What a direct port does per call: hash twice from scratch, rebuild the ranges."""
    n = (naive_fnv(str(naive_fnv(SEED + recipient_id))) % 10000) / 10000
    return choose_variation(n, get_bucket_ranges(len(WEIGHTS), FRACTION, WEIGHTS))


def rate(fn: Callable[[], object], count: int, repeat: int = 3) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return count / best


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--recipients", type=int, default=200_000)
    args = parser.parse_args(argv)
    ids = [f"{i:07d}.client@example.pf" for i in range(args.recipients)]
    tight = Allocator(SEED, WEIGHTS, FRACTION)
    spaced = Allocator(SEED, WEIGHTS, FRACTION, Namespace("subject-lines", 0.0, 0.5))
    assign = tight.assign
    assert [assign(r) for r in ids[:5000]] == [naive_assign(r) for r in ids[:5000]]
    assert tight.assign_many(ids[:5000]).tolist() == [assign(r) for r in ids[:5000]]

    naive_per_s = rate(lambda: [naive_assign(r) for r in ids], len(ids))
    tight_per_s = rate(lambda: [assign(r) for r in ids], len(ids))
    ns_assign = spaced.assign
    namespace_per_s = rate(lambda: [ns_assign(r) for r in ids], len(ids))
    batch_per_s = rate(lambda: tight.assign_many(ids), len(ids))

    arms = [ArmCounts(n, 3200, clicks=96 + 7 * i) for i, n in enumerate("ABCDEFGH")]
    rule = DecisionRule(mode="sequential")
    decide_per_s = rate(lambda: [decide(arms, [1 / 8] * 8, rule) for _ in range(200)], 200)

    print(f"recipients: {len(ids):,} (ids like {ids[0]!r}), {len(WEIGHTS)} arms, 20 % test")
    print(f"naive per-recipient      {naive_per_s:>12,.0f} /s")
    print(f"tight per-recipient      {tight_per_s:>12,.0f} /s  ({tight_per_s / naive_per_s:.1f}x)")
    print(f"tight + namespace        {namespace_per_s:>12,.0f} /s")
    print(f"numpy batch              {batch_per_s:>12,.0f} /s  ({batch_per_s / naive_per_s:.1f}x)")
    print(f"decide(), 8 arms, seq.   {decide_per_s:>12,.0f} /s")
    print(
        f"allocations_per_s={tight_per_s:.0f} naive_per_s={naive_per_s:.0f} "
        f"ratio={tight_per_s / naive_per_s:.2f} namespace_per_s={namespace_per_s:.0f} "
        f"batch_per_s={batch_per_s:.0f} batch_ratio={batch_per_s / naive_per_s:.2f} "
        f"decide_per_s={decide_per_s:.0f}"
    )


if __name__ == "__main__":
    main()
