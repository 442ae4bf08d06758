"""RFM thresholds at their boundaries and the completeness of the segment mapping."""

from __future__ import annotations

import itertools

import pytest

from atn_content.audience.rfm import (
    GRID,
    PROSPECT,
    SEGMENTS,
    frequency_score,
    monetary_score,
    recency_score,
    segment_for,
)

SCORES = range(1, 6)


@pytest.mark.parametrize(
    ("days", "score"),
    [
        (None, 1),
        (-3, 5),
        (0, 5),
        (29, 5),
        (30, 4),
        (89, 4),
        (90, 3),
        (179, 3),
        (180, 2),
        (365, 2),
        (366, 1),
        (4000, 1),
    ],
)
def test_recency_boundaries(days: int | None, score: int) -> None:
    assert recency_score(days) == score


@pytest.mark.parametrize(
    ("flights", "score"), [(-1, 1), (0, 1), (1, 2), (2, 3), (3, 4), (4, 4), (5, 5), (40, 5)]
)
def test_frequency_boundaries(flights: int, score: int) -> None:
    assert frequency_score(flights) == score


@pytest.mark.parametrize(
    ("xpf", "score"),
    [
        (0, 1),
        (199_999, 1),
        (200_000, 2),
        (499_999, 2),
        (500_000, 3),
        (999_999, 3),
        (1_000_000, 4),
        (2_000_000, 4),
        (2_000_001, 5),
        (50_000_000, 5),
    ],
)
def test_monetary_boundaries(xpf: int, score: int) -> None:
    assert monetary_score(xpf) == score


def test_every_combination_maps_to_exactly_one_known_segment() -> None:
    rfm_segments = set(SEGMENTS) - {PROSPECT}
    seen = {}
    for r, f, m in itertools.product(SCORES, SCORES, SCORES):
        matches = [s for s in rfm_segments if segment_for(r, f, m) == s]
        assert len(matches) == 1, (r, f, m)
        seen[(r, f, m)] = matches[0]
    assert len(seen) == 125
    assert set(seen.values()) == rfm_segments, "every segment is reachable"


def test_grid_is_five_by_five() -> None:
    assert sorted(GRID) == [1, 2, 3, 4, 5]
    assert all(len(row) == 5 for row in GRID.values())


def test_segment_ids_are_unique_snake_case() -> None:
    ids = [s.id for s in SEGMENTS]
    assert len(set(ids)) == len(ids)
    assert all(i.isidentifier() and i == i.lower() for i in ids)


@pytest.mark.parametrize(
    ("code", "segment"),
    [
        ("555", "champions"),
        ("554", "champions"),
        ("545", "champions"),
        ("455", "champions"),
        ("111", "lost"),
        ("544", "loyal"),
        ("511", "new_customers"),
        ("411", "promising"),
        ("514", "potential_loyalist"),
        ("333", "need_attention"),
        ("311", "about_to_sleep"),
        ("244", "at_risk"),
        ("255", "cannot_lose"),
        ("155", "cannot_lose"),
        ("211", "hibernating"),
    ],
)
def test_named_cells(code: str, segment: str) -> None:
    r, f, m = (int(c) for c in code)
    assert segment_for(r, f, m).id == segment


def test_only_111_is_lost() -> None:
    lost = [
        (r, f, m)
        for r, f, m in itertools.product(SCORES, SCORES, SCORES)
        if segment_for(r, f, m).id == "lost"
    ]
    assert lost == [(1, 1, 1)]


@pytest.mark.parametrize("scores", [(0, 1, 1), (1, 6, 1), (1, 1, -1)])
def test_out_of_range_scores_are_rejected(scores: tuple[int, int, int]) -> None:
    with pytest.raises(ValueError, match=r"1\.\.5"):
        segment_for(*scores)
