"""Allocation: GrowthBook's shared cases, batch == scalar, and split statistics."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from atn_content.experiments.allocation import (
    EXCLUDED,
    HOLDBACK,
    Allocator,
    Namespace,
    choose_variation,
    fnv1a32,
    get_bucket_ranges,
    hash_value,
    in_namespace,
    normalise_weights,
)
from atn_content.experiments.stats.simulate import split_z_scores

CASES: dict[str, Any] = json.loads((Path(__file__).parent / "cases.json").read_text("utf-8"))
Z_LIMIT = 3.29
"""Two-sided 0.1 % proportion test, as PlanOut's own split tests use."""


def _ids(case: list[Any]) -> str:
    return str(case[0])


@pytest.mark.parametrize("case", CASES["hash"], ids=lambda c: f"{c[0]!r}-{c[1]!r}-v{c[2]}")
def test_hash_matches_growthbook(case: list[Any]) -> None:
    seed, value, version, expected = case
    if expected is None:
        with pytest.raises(ValueError, match="hash version"):
            hash_value(seed, value, version)
    else:
        assert hash_value(seed, value, version) == expected


@pytest.mark.parametrize("case", CASES["getBucketRange"], ids=_ids)
def test_bucket_ranges_match_growthbook(case: list[Any]) -> None:
    _, (count, coverage, weights), expected = case
    ranges = get_bucket_ranges(count, coverage, weights)
    assert ranges == [pytest.approx(tuple(r), abs=1e-9) for r in expected]


@pytest.mark.parametrize("case", CASES["chooseVariation"], ids=_ids)
def test_choose_variation_matches_growthbook(case: list[Any]) -> None:
    _, n, ranges, expected = case
    assert choose_variation(n, [tuple(r) for r in ranges]) == expected


@pytest.mark.parametrize("case", CASES["inNamespace"], ids=_ids)
def test_in_namespace_matches_growthbook(case: list[Any]) -> None:
    _, user, (name, start, end), expected = case
    assert in_namespace(user, Namespace(name, start, end)) is expected


@pytest.mark.parametrize("case", CASES["experimentBucket"], ids=_ids)
def test_experiment_bucket_matches_growthbook(case: list[Any]) -> None:
    _, seed, value, version, weights, coverage, bucket, variation = case
    count = 3 if weights is None else len(weights)
    weights = weights or [1 / count] * count
    allocator = Allocator(seed, tuple(weights), coverage, hash_version=version)
    assert hash_value(seed, value, version) == bucket
    assert allocator.assign(value) == variation
    assert allocator.assign_many([value]).tolist() == [variation]


def test_fnv1a32_reference_vectors() -> None:
    assert fnv1a32("") == 0x811C9DC5
    assert fnv1a32("a") == 0xE40C292C
    assert fnv1a32("foobar") == 0xBF9CF968


def _reference_fnv(text: str) -> int:
    """Straightforward FNV-1a over JavaScript's charCodeAt values."""
    data = text.encode("utf-16-le")
    h = 0x811C9DC5
    for i in range(0, len(data), 2):
        h ^= data[i] | data[i + 1] << 8
        h = h * 0x01000193 % 2**32
    return h


@pytest.mark.parametrize("text", ["Tahiti", "Moʻorea", "été à Bora Bora", "日本語", "🌺 fleur", ""])
def test_fnv1a32_hashes_utf16_code_units_like_javascript(text: str) -> None:
    assert fnv1a32(text) == _reference_fnv(text)


IDS = [f"recipient-{i}@example.pf" for i in range(3000)] + ["", "Ōkura", "🌺x", "a\x00"]


@pytest.mark.parametrize(
    "allocator",
    [
        Allocator("bf-subject", (0.5, 0.5)),
        Allocator("bf-subject", (0.2, 0.3, 0.5), test_fraction=0.2),
        Allocator("cta", (0.25,) * 4, 0.5, Namespace("newsletter", 0.3, 0.8)),
        Allocator("legacy", (0.5, 0.5), 0.7, hash_version=1),
    ],
    ids=["50-50", "weighted-20pct", "namespace", "v1"],
)
def test_assign_is_growthbook_composition_and_batch_agrees(allocator: Allocator) -> None:
    expected = []
    for rid in IDS:
        ns = allocator.namespace
        if ns is not None and not in_namespace(rid, ns):
            expected.append(EXCLUDED)
            continue
        n = hash_value(allocator.seed, rid, allocator.hash_version)
        expected.append(choose_variation(n, allocator.ranges))
    assert [allocator.assign(rid) for rid in IDS] == expected
    assert allocator.assign_many(IDS).tolist() == expected


def _split(allocator: Allocator, count: int = 100_000) -> np.ndarray:
    return allocator.assign_many([f"{i}.{i * 7919 % 104729}@atn.example" for i in range(count)])


@pytest.mark.parametrize(
    ("weights", "fraction"),
    [((0.5, 0.5), 1.0), ((1 / 3, 1 / 3, 1 / 3), 1.0), ((0.5, 0.3, 0.2), 1.0), ((0.5, 0.5), 0.2)],
    ids=["two-arms", "three-arms", "weighted", "20pct-test"],
)
def test_split_shares_pass_proportion_test(weights: tuple[float, ...], fraction: float) -> None:
    arms = _split(Allocator("split-check", weights, fraction))
    expected = [w * fraction for w in weights]
    assert all(abs(z) < Z_LIMIT for z in split_z_scores(arms, expected))
    holdback = float((arms == HOLDBACK).mean())
    if fraction == 1.0:
        assert holdback == 0
    else:
        z_hold = (holdback - (1 - fraction)) / math.sqrt(fraction * (1 - fraction) / len(arms))
        assert abs(z_hold) < Z_LIMIT


def test_split_check_detects_a_biased_split() -> None:
    arms = _split(Allocator("split-check", (0.55, 0.45)))
    assert max(abs(z) for z in split_z_scores(arms, [0.5, 0.5])) > Z_LIMIT


def test_namespace_slices_are_mutually_exclusive() -> None:
    first = Allocator("subject-a", (0.5, 0.5), 1.0, Namespace("black-friday", 0.0, 0.5))
    second = Allocator("subject-b", (0.5, 0.5), 1.0, Namespace("black-friday", 0.5, 1.0))
    a, b = _split(first), _split(second)
    assert not np.any((a >= 0) & (b >= 0))
    assert np.all((a >= 0) | (b >= 0))
    share = float((a >= 0).mean())
    assert abs(share - 0.5) / math.sqrt(0.25 / len(a)) < Z_LIMIT


def test_raising_the_test_fraction_keeps_tested_recipients_in_their_arm() -> None:
    small = _split(Allocator("rollout", (0.5, 0.3, 0.2), 0.2), 20_000)
    large = _split(Allocator("rollout", (0.5, 0.3, 0.2), 0.6), 20_000)
    tested = small >= 0
    assert np.array_equal(small[tested], large[tested])


def test_assignment_depends_on_seed() -> None:
    a = _split(Allocator("seed-one", (0.5, 0.5)), 2000)
    b = _split(Allocator("seed-two", (0.5, 0.5)), 2000)
    assert 0.4 < float((a == b).mean()) < 0.6


def test_normalise_weights_and_validation() -> None:
    assert normalise_weights([2, 1, 1]) == [0.5, 0.25, 0.25]
    with pytest.raises(ValueError):
        normalise_weights([0, 0])
    with pytest.raises(ValueError):
        Allocator("x", (0.5, 0.5), hash_version=3)
    with pytest.raises(ValueError, match="normalise_weights"):
        Allocator("x", (2, 1, 1))
    assert Allocator("x", tuple(normalise_weights([2, 1, 1]))).ranges[0] == (0.0, 0.5)
