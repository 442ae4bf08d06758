"""The suppression snapshot: fed by the store's feed, kept through an outage."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.api.conftest import REPO

from atn_content.api.errors import ProblemError
from atn_content.consent.snapshot import SuppressionSnapshot
from atn_content.content.library import Library
from atn_content.store import Preferences, Store, StoreUnavailable
from atn_content.store.sqlite import SQLiteStore

T0 = 1_795_000_000.0
SECRET = b"k" * 32


async def test_another_replicas_writes_arrive_with_the_next_refresh(store: Store) -> None:
    snapshot = SuppressionSnapshot(SECRET)
    await snapshot.refresh(store)
    assert snapshot.check("r1", "abandoned", "promotions") is None
    await store.unsubscribe("r1", "abandoned", T0, "other", "link")
    await store.set_preferences(Preferences("r2", "weekly", ("inspiration",), "fr", T0))
    assert await snapshot.refresh(store) == 2
    assert await snapshot.refresh(store) == 0  # from its cursor: nothing read twice
    found = snapshot.check("r1", "abandoned", "")
    assert found is not None and (found.reason, found.since) == ("unsubscribed", T0)
    assert snapshot.check("r2", "newsletter", "promotions") is not None
    assert snapshot.check("r2", "newsletter", "inspiration") is None


async def test_an_outage_keeps_what_is_held(store: Store, tmp_path: Path) -> None:
    snapshot = SuppressionSnapshot(SECRET)
    await store.unsubscribe("r1", "*", T0)
    await snapshot.refresh(store)
    down = SQLiteStore(tmp_path / "down.db")
    await down.close()  # the store out of reach
    with pytest.raises(StoreUnavailable):
        await snapshot.refresh(down)
    assert snapshot.check("r1", "trip", "travel-information") is not None


def test_the_gate_refuses_until_the_store_was_read_once() -> None:
    snapshot = SuppressionSnapshot(SECRET)
    source = Library(REPO).get("abandoned-h1")
    with pytest.raises(StoreUnavailable):
        snapshot.gate(source, "r1")
    snapshot.loaded = True
    snapshot.note(Preferences("r1", "never", (), "ja", T0))  # this process's own write
    with pytest.raises(ProblemError) as refused:
        snapshot.gate(source, "r1")
    assert refused.value.problem.status == 409
    snapshot.gate(source, "r2")
