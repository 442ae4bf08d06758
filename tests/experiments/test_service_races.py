"""Decisions racing each other on real stores: parallel manual decisions, a manual decision
against the tick, two replicas ticking. Exactly one decision stands, the log says which."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from atn_content.experiments.definitions import Definition, parse_definition
from atn_content.experiments.service import (
    DOCUMENT_KIND,
    AlreadyDecided,
    ExperimentService,
)
from atn_content.store import Event, Store
from atn_content.store.redis import RedisStore
from atn_content.store.sqlite import SQLiteStore

T0 = 1_795_000_000.0
HOUR = 3600.0


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> float:
        return self.now


def subject_test(**overrides: Any) -> Definition:
    data: dict[str, Any] = {
        "key": "bf-race",
        "name": "Black Friday subject",
        "kind": "subject",
        "template": "newsletter-destination",
        "test_fraction": 0.2,
        "decision": {"metric": "click_rate", "horizon_hours": 4},
        "variants": [
            {"key": "A", "subject": "Black Friday : -30 % vers Tahiti"},
            {"key": "B", "subject": "Votre Polynésie à -30 %"},
            {"key": "C", "subject": "48 h pour rêver de Bora Bora"},
        ],
        **overrides,
    }
    return parse_definition(data)


async def feed(store: Store, key: str) -> None:
    """B clearly ahead, so the rule decides B at the horizon."""
    events = []
    for arm, clicks in {"A": 90, "B": 180, "C": 95}.items():
        for i in range(3000):
            events.append(Event(key, arm, "exposure", f"{arm}-{i}", T0))
            if i < clicks:
                events.append(Event(key, arm, "click", f"{arm}-{i}", T0 + 60))
                events.append(Event(key, arm, "click.human", f"{arm}-{i}", T0 + 60))
    for start in range(0, len(events), 2000):
        await store.record(events[start : start + 2000])


def twin(store: Store) -> Store:
    """A second connection to the same data, as another replica opens it."""
    if isinstance(store, SQLiteStore):
        return SQLiteStore(store.path)
    assert isinstance(store, RedisStore)
    return RedisStore(store.url)


async def decisions_in_log(service: ExperimentService, key: str) -> list[dict[str, Any]]:
    return [e for e in await service.history(key) if e["event"] == "decided"]


async def assert_one_decision(service: ExperimentService, store: Store, key: str) -> str:
    """One "decided" entry, and the stored winner is the log's; returns the winner."""
    [entry] = await decisions_in_log(service, key)
    stored = await store.get_document(DOCUMENT_KIND, key)
    assert stored is not None
    assert stored["decision"]["winner"] == entry["winner"]
    assert stored["decision"]["decided_at"] == entry["decided_at"]
    winner: str = entry["winner"]
    return winner


@pytest.fixture
def clock() -> Clock:
    return Clock()


async def test_nine_parallel_manual_decisions_one_wins(store: Store, clock: Clock) -> None:
    service = ExperimentService(store, None, clock)
    await service.launch(subject_test(), "api")
    outcomes = await asyncio.gather(
        *(service.decide("bf-race", "ABC"[i % 3]) for i in range(9)), return_exceptions=True
    )
    won = [o for o in outcomes if not isinstance(o, BaseException)]
    lost = [o for o in outcomes if isinstance(o, BaseException)]
    assert len(won) == 1 and len(lost) == 8
    winner = await assert_one_decision(service, store, "bf-race")
    assert won[0].decision is not None and won[0].decision.winner == winner
    for exc in lost:
        assert isinstance(exc, AlreadyDecided), exc
        assert exc.decision.winner == winner
        assert f"already decided: {winner!r}" in str(exc)


async def test_a_manual_decision_racing_the_tick_leaves_one_decision(
    store: Store, clock: Clock
) -> None:
    service = ExperimentService(store, None, clock)
    await service.launch(subject_test(), "api")
    await feed(store, "bf-race")
    clock.now = T0 + 4 * HOUR  # the tick decides B by the rule; the marketer picks C
    ticked, manual = await asyncio.gather(
        service.tick(), service.decide("bf-race", "C"), return_exceptions=True
    )
    winner = await assert_one_decision(service, store, "bf-race")
    if isinstance(manual, BaseException):
        assert isinstance(manual, AlreadyDecided) and manual.decision.winner == winner == "B"
        assert ticked == ["bf-race: decided B"]
    else:
        assert winner == "C" and ticked == []


async def test_two_replicas_ticking_decide_once(store: Store, clock: Clock) -> None:
    other = twin(store)
    try:
        first = ExperimentService(store, None, clock, replica="replica-1")
        second = ExperimentService(other, None, clock, replica="replica-2")
        await first.launch(subject_test(), "api")
        await feed(store, "bf-race")
        clock.now = T0 + 4 * HOUR
        done = await asyncio.gather(first.tick(), second.tick(), first.tick(), second.tick())
        assert [line for lines in done for line in lines] == ["bf-race: decided B"]
        assert await assert_one_decision(first, store, "bf-race") == "B"
    finally:
        await other.close()


async def test_one_replica_at_a_time_ticks_an_experiment(store: Store, clock: Clock) -> None:
    other = twin(store)
    try:
        first = ExperimentService(store, None, clock, replica="replica-1")
        second = ExperimentService(other, None, clock, replica="replica-2")
        await first.launch(subject_test(), "api")
        await feed(store, "bf-race")
        assert await first.tick() == []  # nothing due yet; replica-1 now holds the lease
        clock.now = T0 + 4 * HOUR
        assert await second.tick() == []  # replica-1's turn
        assert await first.tick() == ["bf-race: decided B"]
        await first.close()  # gives its leases up: replica-2 takes over at once
        assert await store.acquire_lease("experiment-tick:bf-race", "replica-2", 30.0)
    finally:
        await other.close()


async def test_parallel_launches_of_one_key_launch_it_once(store: Store, clock: Clock) -> None:
    service = ExperimentService(store, None, clock)
    outcomes = await asyncio.gather(
        *(service.launch(subject_test(), f"api-{i}") for i in range(5)), return_exceptions=True
    )
    assert sum(not isinstance(o, BaseException) for o in outcomes) == 1
    log = await service.history("bf-race")
    assert [e["event"] for e in log] == ["launched"]
