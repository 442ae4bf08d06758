"""Deterministic, GrowthBook-compatible assignment of recipients to experiment arms.

A recipient's arm is a pure function of (seed, recipient id): the same answer on every API
replica with no store read, and the same answer GrowthBook's SDKs give for a web experiment
with the same seed, weights and coverage. FNV-1a runs over UTF-16 code units, as the
reference JavaScript SDK does (``charCodeAt``), so non-ASCII ids hash identically too.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from atn_content.experiments import _fnv_batch
from atn_content.experiments.fnv import MASK, OFFSET, PRIME, code_units, fnv1a32, fnv_from

__all__ = [
    "EXCLUDED",
    "HOLDBACK",
    "Allocator",
    "Namespace",
    "choose_variation",
    "fnv1a32",
    "get_bucket_ranges",
    "hash_value",
    "in_namespace",
    "normalise_weights",
]

HOLDBACK = -1
"""Arm index of a recipient outside the test fraction (gets the decision's outcome later)."""
EXCLUDED = -2
"""Arm index of a recipient outside the experiment's namespace range (another test's)."""

Range = tuple[float, float]


def hash_value(seed: str, value: str, version: int = 2) -> float:
    """GrowthBook's hash: a number in [0, 1) from (seed, value)."""
    if version == 2:
        return (fnv1a32(str(fnv1a32(seed + value))) % 10000) / 10000
    if version == 1:
        return (fnv1a32(value + seed) % 1000) / 1000
    raise ValueError(f"unknown hash version {version!r} (expected 1 or 2)")


def _equal_weights(n: int) -> list[float]:
    return [1.0 / n] * n if n > 0 else []


def get_bucket_ranges(
    num_variations: int, coverage: float = 1.0, weights: Sequence[float] | None = None
) -> list[Range]:
    """GrowthBook's getBucketRanges: one [start, end) range per arm.

    Coverage is clamped to [0, 1]; weights of the wrong length or not summing to 1 (within
    0.01) fall back to equal weights, exactly as GrowthBook does. Use ``normalise_weights``
    first to turn relative weights (2:1:1) into fractions.
    """
    coverage = min(max(coverage, 0.0), 1.0)
    equal = _equal_weights(num_variations)
    chosen = list(weights) if weights is not None else equal
    if len(chosen) != num_variations or not 0.99 <= sum(chosen) <= 1.01:
        chosen = equal
    ranges: list[Range] = []
    cumulative = 0.0
    for weight in chosen:
        start = cumulative
        cumulative += weight
        ranges.append((start, start + coverage * weight))
    return ranges


def normalise_weights(weights: Sequence[float]) -> list[float]:
    """Relative weights (e.g. 2, 1, 1) as fractions summing to 1."""
    if not weights or any(w < 0 for w in weights) or sum(weights) <= 0:
        raise ValueError(f"weights must be non-negative with a positive sum: {weights!r}")
    total = float(sum(weights))
    return [w / total for w in weights]


def choose_variation(n: float, ranges: Sequence[Range]) -> int:
    """Index of the first range holding ``n`` (start inclusive, end exclusive), or -1."""
    for index, (start, end) in enumerate(ranges):
        if start <= n < end:
            return index
    return -1


@dataclass(frozen=True)
class Namespace:
    """A slice [start, end) of a namespace; experiments with disjoint slices never share
    a recipient."""

    name: str
    start: float
    end: float


def in_namespace(recipient_id: str, namespace: Namespace) -> bool:
    """GrowthBook's inNamespace: hash version 1 with seed ``"__" + name``."""
    n = hash_value("__" + namespace.name, recipient_id, 1)
    return namespace.start <= n < namespace.end


@dataclass(frozen=True)
class Allocator:
    """Precomputed assignment for one experiment: seed, arm weights, test fraction
    (GrowthBook coverage) and optional namespace.

    ``assign`` returns the arm index, ``HOLDBACK`` for recipients outside the test fraction,
    or ``EXCLUDED`` for recipients outside the namespace slice. Raising the test fraction
    later keeps every tested recipient in their arm (ranges only grow).
    """

    seed: str
    weights: tuple[float, ...]
    test_fraction: float = 1.0
    namespace: Namespace | None = None
    hash_version: int = 2
    ranges: tuple[Range, ...] = field(init=False)
    _table: tuple[int, ...] = field(init=False, repr=False)
    _ns_table: tuple[bool, ...] = field(init=False, repr=False)
    _seed_state: int = field(init=False, repr=False)
    _ns_suffix: bytes | memoryview = field(init=False, repr=False)

    def __post_init__(self) -> None:
        if self.hash_version not in (1, 2):
            raise ValueError(f"unknown hash version {self.hash_version!r}")
        if not self.weights or not 0.99 <= sum(self.weights) <= 1.01:
            # GrowthBook would silently fall back to equal weights; refuse instead.
            raise ValueError(f"weights must sum to 1 (see normalise_weights): {self.weights}")
        ranges = tuple(get_bucket_ranges(len(self.weights), self.test_fraction, self.weights))
        # The hash takes only 10,000 (v2) or 1,000 (v1) values: choose once per value.
        buckets = 10000 if self.hash_version == 2 else 1000
        table = tuple(choose_variation(b / buckets, ranges) for b in range(buckets))
        ns = self.namespace
        ns_table = tuple(ns is None or ns.start <= b / 1000 < ns.end for b in range(1000))
        object.__setattr__(self, "ranges", ranges)
        object.__setattr__(self, "_table", table)
        object.__setattr__(self, "_ns_table", ns_table)
        object.__setattr__(self, "_seed_state", fnv_from(OFFSET, code_units(self.seed)))
        suffix = code_units("__" + ns.name) if ns is not None else b""
        object.__setattr__(self, "_ns_suffix", suffix)

    def assign(self, recipient_id: str) -> int:
        """Arm index for one recipient (the per-request hot path)."""
        units = code_units(recipient_id)
        prime, mask = PRIME, MASK
        if self.namespace is not None:
            h = OFFSET
            for unit in units:
                h = ((h ^ unit) * prime) & mask
            for unit in self._ns_suffix:
                h = ((h ^ unit) * prime) & mask
            if not self._ns_table[h % 1000]:
                return EXCLUDED
        if self.hash_version == 1:
            h = fnv_from(fnv_from(OFFSET, units), code_units(self.seed))
            return self._table[h % 1000]
        h = self._seed_state
        for unit in units:
            h = ((h ^ unit) * prime) & mask
        h2 = OFFSET
        for digit in str(h).encode("ascii"):
            h2 = ((h2 ^ digit) * prime) & mask
        return self._table[h2 % 10000]

    def assign_many(self, recipient_ids: Sequence[str]) -> npt.NDArray[np.int8]:
        """Arm indices for many recipients, vectorised with numpy (batch sends)."""
        units, lengths, astral = _fnv_batch.code_units(recipient_ids)
        start = np.full(len(recipient_ids), OFFSET, dtype=np.uint32)
        table = np.asarray(self._table, dtype=np.int8)
        if self.hash_version == 2:
            seeded = np.full(len(recipient_ids), self._seed_state, dtype=np.uint32)
            h = _fnv_batch.fnv_decimal(_fnv_batch.fnv_rows(seeded, units, lengths))
            arms = table[h % np.uint32(10000)]
        else:
            h = _fnv_batch.fnv_text(_fnv_batch.fnv_rows(start, units, lengths), self.seed)
            arms = table[h % np.uint32(1000)]
        if self.namespace is not None:
            h = _fnv_batch.fnv_rows(start, units, lengths)
            h = _fnv_batch.fnv_text(h, "__" + self.namespace.name)
            inside = np.asarray(self._ns_table, dtype=np.bool_)[h % np.uint32(1000)]
            arms[~inside] = EXCLUDED
        for row in np.flatnonzero(astral).tolist():
            arms[row] = self.assign(recipient_ids[row])
        return np.asarray(arms, dtype=np.int8)
