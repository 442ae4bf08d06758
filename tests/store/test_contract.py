"""One behaviour suite, run against every Store implementation (see conftest `store`)."""

from __future__ import annotations

import asyncio
import math
from pathlib import Path

import pytest
import redis.asyncio as aioredis
from redis.crc import key_slot

from atn_content.store import (
    MAX_ABS_VALUE,
    Event,
    InvalidEvent,
    Preferences,
    Store,
    Unsubscribe,
    Versioned,
    validate_write,
)
from atn_content.store.redis import RedisStore
from atn_content.store.sqlite import SQLiteStore

T0 = 1_795_000_000.0


def ev(
    recipient: str,
    metric: str = "open",
    bucket: str = "A",
    scope: str = "bf-2026-subject",
    value: float = 0.0,
    unique: bool = True,
    event_id: str | None = None,
) -> Event:
    return Event(scope, bucket, metric, recipient, T0, value, unique, event_id)


def stats(count: int, total: float = 0.0, total_sq: float = 0.0) -> dict[str, object]:
    return {"count": count, "sum": pytest.approx(total), "sumsq": pytest.approx(total_sq)}


async def test_empty_scope_has_no_counters(store: Store) -> None:
    await store.ping()
    assert await store.record([]) == 0
    assert await store.counters("nothing-here") == {}


async def test_counters_keep_count_sum_and_sum_of_squares(store: Store) -> None:
    revenue = [120_000.0, 85_500.5, 0.0, 240_000.0]
    events = [ev(f"r{i}", "conversion", value=v, unique=False) for i, v in enumerate(revenue)]
    assert await store.record(events) == 4
    assert await store.counters("bf-2026-subject") == {
        "A": {"conversion": stats(4, sum(revenue), sum(v * v for v in revenue))}
    }


async def test_counters_are_kept_per_bucket_and_metric(store: Store) -> None:
    await store.record(
        [ev("r1", "delivered"), ev("r1", "open"), ev("r2", "delivered", "B"), ev("r3", "open", "B")]
    )
    await store.record([ev("r4", "open", "B"), ev("x", scope="other-scope")])
    assert await store.counters("bf-2026-subject") == {
        "A": {"delivered": stats(1), "open": stats(1)},
        "B": {"delivered": stats(1), "open": stats(2)},
    }
    assert await store.counters("other-scope") == {"A": {"open": stats(1)}}


async def test_unique_events_count_once_per_recipient_and_metric(store: Store) -> None:
    first = [ev("r1"), ev("r1"), ev("r2"), ev("r1", "click")]
    assert await store.record(first) == 3
    assert await store.record([ev("r1"), ev("r2"), ev("r3")]) == 1
    # Not unique: every repeat counts, and does not claim the recipient.
    assert await store.record([ev("r9", unique=False), ev("r9", unique=False)]) == 2
    assert await store.record([ev("r9")]) == 1
    assert await store.counters("bf-2026-subject") == {"A": {"open": stats(6), "click": stats(1)}}


async def test_uniqueness_is_per_scope(store: Store) -> None:
    await store.record([ev("r1", scope="s1"), ev("r1", scope="s2")])
    assert (await store.counters("s1"))["A"]["open"]["count"] == 1
    assert (await store.counters("s2"))["A"]["open"]["count"] == 1


async def test_repeated_event_id_is_ignored(store: Store) -> None:
    hook = ev("r1", "click", unique=False, value=5.0, event_id="sg-123")
    assert await store.record([hook, hook]) == 1
    assert await store.record([hook]) == 0
    other = ev("r1", "click", unique=False, value=5.0, event_id="sg-124")
    assert await store.record([other]) == 1
    assert await store.counters("bf-2026-subject") == {"A": {"click": stats(2, 10.0, 50.0)}}


async def test_duplicate_event_id_does_not_claim_the_unique_recipient(store: Store) -> None:
    # Dropped as a replay first, so r2's own open still counts.
    await store.record([ev("r1", event_id="e1")])
    assert await store.record([ev("r2", event_id="e1"), ev("r2", event_id="e2")]) == 1
    assert (await store.counters("bf-2026-subject"))["A"]["open"]["count"] == 2


async def test_documents_crud_and_ordering(store: Store) -> None:
    assert await store.get_document("experiment", "missing") is None
    await store.put_document("experiment", "b-test", {"key": "b-test", "variants": ["A", "B"]})
    await store.put_document("experiment", "a-test", {"key": "a-test", "n": 1})
    await store.put_document("decision", "a-test", {"winner": "B"})
    await store.put_document("experiment", "a-test", {"key": "a-test", "n": 2, "é": "Tahiti"})
    assert await store.get_document("experiment", "a-test") == {
        "key": "a-test",
        "n": 2,
        "é": "Tahiti",
    }
    assert [d["key"] for d in await store.list_documents("experiment")] == ["a-test", "b-test"]
    assert await store.delete_document("experiment", "a-test") is True
    assert await store.delete_document("experiment", "a-test") is False
    assert await store.list_documents("experiment") == [{"key": "b-test", "variants": ["A", "B"]}]
    assert await store.list_documents("decision") == [{"winner": "B"}]


async def test_logs_keep_append_order(store: Store) -> None:
    for i in range(5):
        await store.append_log("bandit", "bf-2026", {"step": i, "weights": [0.5, 0.5]})
    await store.append_log("bandit", "other", {"step": 99})
    assert [e["step"] for e in await store.read_log("bandit", "bf-2026")] == [0, 1, 2, 3, 4]
    assert await store.read_log("audit", "bf-2026") == []


async def test_unsubscribes_are_per_list(store: Store) -> None:
    assert await store.is_unsubscribed("r1", "newsletter") is False
    await store.unsubscribe("r1", "newsletter", T0)
    await store.unsubscribe("r1", "newsletter", T0 + 60)
    assert await store.is_unsubscribed("r1", "newsletter") is True
    assert await store.is_unsubscribed("r1", "promotions") is False
    assert await store.is_unsubscribed("r2", "newsletter") is False


async def test_an_unsubscribe_keeps_its_first_reason_and_source(store: Store) -> None:
    await store.unsubscribe("r1", "abandoned", T0, "too-frequent", "preference-centre")
    await store.unsubscribe("r1", "abandoned", T0 + 5, "other", "esp")  # a repeat: no change
    await store.unsubscribe("r1", "*", T0 + 9)
    assert await store.unsubscribes("r1") == [
        Unsubscribe("r1", "*", T0 + 9, "", "link"),
        Unsubscribe("r1", "abandoned", T0, "too-frequent", "preference-centre"),
    ]
    assert await store.is_unsubscribed("r1", "*") is True
    assert await store.unsubscribes("r2") == []


def prefs(recipient: str, ts: float, frequency: str = "monthly") -> Preferences:
    return Preferences(recipient, frequency, ("inspiration", "travel-information"), "ja", ts)


async def test_the_latest_preferences_win_and_an_older_replay_changes_nothing(
    store: Store,
) -> None:
    assert await store.get_preferences("r1") is None
    assert await store.set_preferences(prefs("r1", T0)) is True
    assert await store.set_preferences(prefs("r1", T0 + 10, "weekly")) is True
    assert await store.set_preferences(prefs("r1", T0 + 5, "never")) is False  # older
    assert await store.set_preferences(prefs("r1", T0 + 10, "weekly")) is False  # replayed
    assert await store.get_preferences("r1") == prefs("r1", T0 + 10, "weekly")
    assert await store.get_preferences("r2") is None


async def test_the_suppression_feed_lists_changes_once_in_ts_id_order(store: Store) -> None:
    await store.unsubscribe("r1", "abandoned", T0 + 100, "not-relevant")
    await store.set_preferences(prefs("r2", T0))
    await store.unsubscribe("r1", "abandoned", T0 + 200)  # a repeat: no new line
    await store.set_preferences(prefs("r2", T0 - 50))  # older: no new line
    await store.unsubscribe("r3", "*", T0 + 1, source="bounce")
    lines = await store.suppressions()
    assert [(e.kind, e.recipient_id, e.at) for e in lines] == [
        ("unsubscribe", "r1", T0 + 100),
        ("preferences", "r2", T0),
        ("unsubscribe", "r3", T0 + 1),
    ]
    assert lines[0].reason == "not-relevant" and lines[0].list_id == "abandoned"
    assert lines[1].frequency == "monthly" and lines[1].topics == prefs("r2", T0).topics
    assert lines[2].source == "bounce" and lines[2].list_id == "*"
    assert [(e.ts, e.id) for e in lines] == sorted((e.ts, e.id) for e in lines)
    # Paging by cursor: the id of the last line seen.
    first = await store.suppressions(limit=2)
    rest = await store.suppressions(after=first[-1].id, limit=2)
    assert first + rest == lines
    assert await store.suppressions(after=lines[-1].id) == []
    assert await store.suppressions(since=lines[1].ts) == lines[1:]
    assert await store.suppressions(since=lines[-1].ts + 1) == []


@pytest.mark.parametrize(
    "bad",
    [
        Unsubscribe("r1", "abandoned", T0, reason="bored"),
        Unsubscribe("r1", "abandoned", T0, source="carrier-pigeon"),
        Unsubscribe("r1", "", T0),
        Preferences("r1", "daily", ("promotions",), "fr", T0),
        Preferences("r1", "weekly", ("promotions", "gossip"), "fr", T0),
        Preferences("r1", "weekly", ("promotions", "promotions"), "fr", T0),
        Preferences("", "weekly", (), "fr", T0),
        Preferences("r1", "weekly", (), "fr", float("nan")),
    ],
    ids=["reason", "source", "list", "frequency", "topic", "repeated-topic", "id", "ts"],
)
def test_validate_write_refuses_unknown_choices(bad: Unsubscribe | Preferences) -> None:
    with pytest.raises(InvalidEvent):
        validate_write(bad)


async def test_concurrent_record_calls_count_each_unique_recipient_once(store: Store) -> None:
    # 8 writers, overlapping recipients and event ids: totals must not depend on interleaving.
    batches = [
        [ev(f"r{k}", event_id=f"open-r{k}") for k in ((w * 50 + i) % 300 for i in range(100))]
        + [ev(f"r{i}", "click", unique=False, value=1.5) for i in range(25)]
        for w in range(8)
    ]
    counted = await asyncio.gather(*(store.record(b) for b in batches))
    assert sum(counted) == 300 + 8 * 25
    assert await store.counters("bf-2026-subject") == {
        "A": {"open": stats(300), "click": stats(200, 300.0, 450.0)}
    }


async def test_large_batch_totals(store: Store) -> None:
    n = 20_000
    events = [
        ev(f"r{i % 15_000}", ("open", "click")[i % 2], "AB"[i % 3 % 2], value=float(i % 7))
        for i in range(n)
    ]
    assert await store.record(events) == len({(e.metric, e.recipient_id) for e in events})
    expected: dict[str, dict[str, dict[str, float]]] = {}
    seen: set[tuple[str, str]] = set()
    for e in events:
        if (e.metric, e.recipient_id) in seen:
            continue
        seen.add((e.metric, e.recipient_id))
        s = expected.setdefault(e.bucket, {}).setdefault(
            e.metric, {"count": 0, "sum": 0.0, "sumsq": 0.0}
        )
        s["count"] += 1
        s["sum"] += e.value
        s["sumsq"] += e.value * e.value
    assert await store.counters("bf-2026-subject") == expected


async def test_redis_keys_of_one_scope_share_a_hash_slot(redis_url: str) -> None:
    store = RedisStore(redis_url)
    scopes = ["bf-2026-subject", "summer:sale", "ja-launch"]
    await store.record(
        [
            ev(f"r{i}", m, scope=s, event_id=f"{s}-{m}-{i}")
            for s in scopes
            for m in ("open", "click")
            for i in range(3)
        ]
    )
    await store.put_document("experiment", "bf", {"k": 1})
    await store.append_log("bandit", "bf", {"k": 1})
    await store.close()
    async with aioredis.Redis.from_url(redis_url) as client:
        keys = [k.decode() async for k in client.scan_iter("atn:*")]
    for scope in scopes:
        own = [k for k in keys if k.startswith(f"atn:{{{scope}}}:")]
        assert len(own) == 4  # counters, eid, seen:open, seen:click
        assert len({key_slot(k.encode()) for k in own}) == 1
    assert "atn:{doc:experiment}" in keys
    assert "atn:{log:bandit}:bf" in keys


@pytest.mark.parametrize(
    "bad",
    [
        ev("r9", "conversion", value=1e200, unique=False),
        ev("r9", "conversion", value=-1.5e15, unique=False),
        ev("r9", "conversion", value=float("inf"), unique=False),
        ev("r9", "conversion", value=float("nan"), unique=False),
        ev("r9", "open|click"),
        ev("r9", scope=""),
    ],
    ids=["1e200", "-1.5e15", "inf", "nan", "pipe-in-metric", "empty-scope"],
)
async def test_an_invalid_event_refuses_the_batch_before_any_write(
    store: Store, bad: Event
) -> None:
    good = [
        ev("r1", event_id="e1"),
        ev("r2", "conversion", value=1e15, unique=False, event_id="e2"),
    ]
    with pytest.raises(InvalidEvent):
        await store.record([*good, bad])
    assert await store.counters("bf-2026-subject") == {}
    # Nothing was claimed either: the same good events count in full afterwards.
    assert await store.record(good) == 2
    assert await store.counters("bf-2026-subject") == {
        "A": {"open": stats(1), "conversion": stats(1, 1e15, 1e30)}
    }


async def test_extreme_values_give_the_same_counters_on_sqlite_and_redis(
    redis_url: str, tmp_path: Path
) -> None:
    values = [MAX_ABS_VALUE, -MAX_ABS_VALUE, MAX_ABS_VALUE, 123_456.5, 0.25, -7.0]
    batch = [
        ev(
            f"r{i % 4}",
            ("conversion", "refund")[i % 2],
            "AB"[i % 3 % 2],
            value=v,
            unique=False,
            event_id=f"x{i}",
        )
        for i, v in enumerate(values * 50)
    ] + [ev("r1"), ev("r1"), ev("r2", event_id="x0")]
    sqlite, redis_store = SQLiteStore(tmp_path / "store.db"), RedisStore(redis_url)
    try:
        counted = [await s.record(batch) for s in (sqlite, redis_store)]
        again = [await s.record(batch) for s in (sqlite, redis_store)]
        on_sqlite, on_redis = [await s.counters("bf-2026-subject") for s in (sqlite, redis_store)]
    finally:
        await sqlite.close()
        await redis_store.close()
    assert counted == [len(values) * 50 + 1] * 2
    assert again == [0, 0]
    assert on_sqlite.keys() == on_redis.keys()
    for bucket, metrics in on_sqlite.items():
        assert metrics.keys() == on_redis[bucket].keys()
        for metric, numbers in metrics.items():
            assert on_redis[bucket][metric] == {
                "count": numbers["count"],
                "sum": pytest.approx(numbers["sum"], rel=1e-12),
                "sumsq": pytest.approx(numbers["sumsq"], rel=1e-12),
            }
            assert math.isfinite(numbers["sum"]) and math.isfinite(numbers["sumsq"])


def twin(store: Store) -> Store:
    """A second connection to the same data, as another replica (or worker) opens it."""
    if isinstance(store, SQLiteStore):
        return SQLiteStore(store.path)
    assert isinstance(store, RedisStore)
    return RedisStore(store.url)


async def test_documents_carry_a_version_that_every_write_moves(store: Store) -> None:
    assert await store.get_versioned("experiment", "bf") is None
    assert await store.put_if_version("experiment", "bf", {"n": 1}, None) == 1
    assert await store.put_if_version("experiment", "bf", {"n": 99}, None) is None  # exists
    assert await store.get_versioned("experiment", "bf") == Versioned({"n": 1}, 1)
    assert await store.put_if_version("experiment", "bf", {"n": 2}, 1) == 2
    assert await store.put_if_version("experiment", "bf", {"n": 99}, 1) is None  # stale
    await store.put_document("experiment", "bf", {"n": 3})  # unconditional, still counted
    assert await store.get_versioned("experiment", "bf") == Versioned({"n": 3}, 3)
    assert await store.put_if_version("experiment", "bf", {"n": 99}, 2) is None
    assert await store.put_if_version("experiment", "missing", {"n": 1}, 1) is None
    assert await store.get_document("experiment", "missing") is None
    assert await store.get_document("experiment", "bf") == {"n": 3}
    assert await store.delete_document("experiment", "bf") is True
    assert await store.get_versioned("experiment", "bf") is None
    assert await store.put_if_version("experiment", "bf", {"n": 4}, None) == 1
    assert await store.get_versioned("decision", "bf") is None  # versions are per kind


async def test_exactly_one_of_many_concurrent_writers_wins(store: Store) -> None:
    other = twin(store)
    try:
        await store.put_document("experiment", "bf", {"winner": None})
        current = await store.get_versioned("experiment", "bf")
        assert current is not None
        writers = [store, other] * 5
        results = await asyncio.gather(
            *(
                s.put_if_version("experiment", "bf", {"winner": f"w{i}"}, current.version)
                for i, s in enumerate(writers)
            )
        )
        won = [i for i, version in enumerate(results) if version is not None]
        assert len(won) == 1
        assert results[won[0]] == current.version + 1
        assert await other.get_document("experiment", "bf") == {"winner": f"w{won[0]}"}
        created = await asyncio.gather(
            *(s.put_if_version("experiment", "new", {"i": i}, None) for i, s in enumerate(writers))
        )
        assert sum(v is not None for v in created) == 1
    finally:
        await other.close()


async def test_a_lease_has_one_holder_until_released_or_expired(store: Store) -> None:
    other = twin(store)
    try:
        assert await store.acquire_lease("tick:bf", "replica-a", 30.0) is True
        assert await other.acquire_lease("tick:bf", "replica-b", 30.0) is False
        assert await store.acquire_lease("tick:bf", "replica-a", 30.0) is True  # renewed
        assert await other.acquire_lease("tick:other", "replica-b", 30.0) is True
        await other.release_lease("tick:bf", "replica-b")  # not its lease: no effect
        assert await other.acquire_lease("tick:bf", "replica-b", 30.0) is False
        await store.release_lease("tick:bf", "replica-a")
        assert await other.acquire_lease("tick:bf", "replica-b", 0.05) is True
        for _ in range(3000):  # expires on its own; the test never measures time
            if await store.acquire_lease("tick:bf", "replica-a", 30.0):
                break
            await asyncio.sleep(0.01)
        else:
            raise AssertionError("the lease never expired")
        assert await other.acquire_lease("tick:bf", "replica-b", 30.0) is False
        rivals = await asyncio.gather(
            *(s.acquire_lease("tick:race", f"r{i}", 30.0) for i, s in enumerate([store, other] * 4))
        )
        assert sum(rivals) == 1
    finally:
        await other.close()
