"""The counters' path: the tick snapshots every arm at most every SNAPSHOT_SECONDS, and the
lift is read back as the sequential comparison of each moment's totals."""

from __future__ import annotations

from pathlib import Path

from tests.experiments.test_assign import NOW, running, shipped

from atn_content.experiments.decision import ArmCounts
from atn_content.experiments.service import ExperimentService
from atn_content.experiments.timeline import SNAPSHOT_SECONDS, lift_path, snapshot, thinned
from atn_content.store.sqlite import SQLiteStore


def arms(clicks: tuple[int, int, int], n: int) -> list[ArmCounts]:
    return [
        ArmCounts(name, n, delivered=n, clicks=c) for name, c in zip("ABC", clicks, strict=True)
    ]


def test_the_lift_path_narrows_as_recipients_come_in() -> None:
    record = running(shipped("bf-2026-subject"))
    shots = [snapshot(arms((n // 20, n // 10, n // 20), n), NOW + n) for n in (200, 2_000, 20_000)]
    path = [p for p in lift_path(record, shots) if p.variant == "B"]
    assert [p.recipients for p in path] == [600, 6_000, 60_000]
    widths = [p.high - p.low for p in path if p.high is not None and p.low is not None]
    assert widths == sorted(widths, reverse=True) and len(widths) == 3
    assert all(abs((p.lift or 0) - 1.0) < 1e-9 for p in path)  # 10 % against 5 %


def test_snapshots_of_other_arms_are_skipped_and_long_paths_thinned() -> None:
    record = running(shipped("bf-2026-subject"))
    stray = {"ts": NOW, "arms": [{"name": "X", "recipients": 1}]}
    assert lift_path(record, [stray, {"ts": NOW}]) == []
    many = [{"ts": float(i)} for i in range(1000)]
    kept = thinned(many, 200)
    assert len(kept) == 200 and kept[0] is many[0] and kept[-1] is many[-1]


async def test_the_tick_writes_a_snapshot_at_most_every_interval(tmp_path: Path) -> None:
    clock = [NOW]
    store = SQLiteStore(tmp_path / "t.db")
    service = ExperimentService(store, clock=lambda: clock[0])
    try:
        await service.launch(shipped("bf-2026-subject"), source="test")
        await service.tick()
        clock[0] += SNAPSHOT_SECONDS / 2
        await service.tick()
        clock[0] += SNAPSHOT_SECONDS
        await service.tick()
        timeline = await service.timeline("bf-2026-subject")
        assert [shot["ts"] for shot in timeline] == [NOW, NOW + 1.5 * SNAPSHOT_SECONDS]
        assert [arm["name"] for arm in timeline[0]["arms"]] == ["A", "B", "C"]
    finally:
        await store.close()
