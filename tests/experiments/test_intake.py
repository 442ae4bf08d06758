"""Event intake: exposures and observations reach the store's counters through the buffer."""

from __future__ import annotations

from pathlib import Path

from atn_content.content.renderer import Variant
from atn_content.experiments.assign import Assignment
from atn_content.experiments.intake import Intake, Observation
from atn_content.store import Store
from atn_content.store.buffer import EventBuffer

T0 = 1_795_000_000.0


def assignment(status: str = "test", bucket: str = "B") -> Assignment:
    variant = None if status == "waiting" else Variant(bucket)
    return Assignment("bf-test", status, variant, "newsletter-destination", bucket)  # type: ignore[arg-type]


async def test_exposures_count_each_recipient_once(store: Store, tmp_path: Path) -> None:
    buffer = EventBuffer(store, tmp_path / "spool")
    intake = Intake(buffer, clock=lambda: T0)
    for rid in ["r1", "r2", "r1"]:
        intake.exposure(assignment(), rid)
    intake.exposure(assignment("rollout", "_rollout"), "r9")
    assert buffer.pending == 4  # queued, nothing written yet
    assert await store.counters("bf-test") == {}
    await buffer.flush()
    counters = await store.counters("bf-test")
    assert counters["B"]["exposure"]["count"] == 2
    assert counters["_rollout"]["exposure"]["count"] == 1


async def test_waiting_recipients_were_sent_nothing(store: Store, tmp_path: Path) -> None:
    buffer = EventBuffer(store, tmp_path / "spool")
    Intake(buffer).exposure(assignment("waiting", "_rollout"), "r1")
    assert buffer.pending == 0


async def test_opens_and_clicks_are_unique_conversions_sum_revenue(
    store: Store, tmp_path: Path
) -> None:
    buffer = EventBuffer(store, tmp_path / "spool")
    intake = Intake(buffer, clock=lambda: T0)
    seen = [
        Observation("open", "r1"),
        Observation("open", "r1"),
        Observation("click", "r1"),
        Observation("click", "r1"),
        Observation("click", "r2"),
        Observation("conversion", "r1", value=150_000.0),
        Observation("conversion", "r1", value=50_000.0),
        Observation("delivered", "r1", event_id="esp-1"),
        Observation("delivered", "r1", event_id="esp-1"),  # replayed webhook
    ]
    assert all(intake.observe("bf-test", "B", o) for o in seen)
    await buffer.flush()
    b = (await store.counters("bf-test"))["B"]
    assert b["open"]["count"] == b["open.human"]["count"] == 1
    assert b["click"]["count"] == b["click.human"]["count"] == 2
    assert b["conversion"]["count"] == 2
    assert b["conversion"]["sum"] == 200_000.0
    assert b["conversion"]["sumsq"] == 150_000.0**2 + 50_000.0**2
    assert b["delivered"]["count"] == 1


async def test_machine_opens_are_not_human_opens(store: Store, tmp_path: Path) -> None:
    buffer = EventBuffer(store, tmp_path / "spool")
    intake = Intake(buffer)
    assert not intake.observe("bf-test", "B", Observation("open", "r1", machine=True))
    assert intake.observe("bf-test", "B", Observation("click", "r1", machine=True))
    await buffer.flush()
    # counted raw, never as a person's (the decision reads the human counts)
    assert set((await store.counters("bf-test"))["B"]) == {"open", "click"}


def test_without_a_buffer_events_are_counted_as_dropped() -> None:
    intake = Intake(None)
    intake.exposure(assignment(), "r1")
    intake.observe("bf-test", "B", Observation("click", "r1"))  # click and click.human
    assert intake.dropped == 3


async def test_events_survive_a_store_outage_through_the_spool(tmp_path: Path) -> None:
    from atn_content.store.sqlite import SQLiteStore

    class Down:
        async def record(self, events: object) -> int:
            raise OSError("store down")

    real = SQLiteStore(tmp_path / "s.db")
    buffer = EventBuffer(Down(), tmp_path / "spool")  # type: ignore[arg-type]
    intake = Intake(buffer)
    intake.exposure(assignment(), "r1")
    intake.observe("bf-test", "B", Observation("click", "r1"))
    await buffer.flush()
    assert buffer.spooled == 3  # exposure, click, click.human
    recovered = EventBuffer(real, tmp_path / "spool")
    await recovered.flush()
    counters = await real.counters("bf-test")
    assert counters["B"]["exposure"]["count"] == counters["B"]["click"]["count"] == 1
    await real.close()
