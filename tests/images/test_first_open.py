"""Evergreen first opens, on SQLite and on a real Redis: the first open is kept, later and
concurrent opens (other replicas) agree on it, and a store that is down never fails."""

from __future__ import annotations

import asyncio
import logging

import pytest
from tests.conftest import free_port

from atn_content.images.first_open import KIND, FirstOpens
from atn_content.store import Store
from atn_content.store.redis import RedisStore

T0 = 1_796_000_000
SECRET = b"s" * 32


async def test_the_first_open_is_kept_and_later_opens_read_it(store: Store) -> None:
    opens = FirstOpens(store, SECRET)
    assert await opens.first_open("campaign-last-chance\nr-1", T0) == T0
    assert await opens.first_open("campaign-last-chance\nr-1", T0 + 500) == T0
    # Another replica (nothing in memory) reads the same first open from the store.
    assert await FirstOpens(store, SECRET).first_open("campaign-last-chance\nr-1", T0 + 9) == T0
    assert await opens.first_open("campaign-last-chance\nr-2", T0 + 7) == T0 + 7


async def test_concurrent_first_opens_on_many_replicas_agree_on_one(store: Store) -> None:
    replicas = [FirstOpens(store, SECRET) for _ in range(12)]
    seen = await asyncio.gather(
        *(r.first_open("abandoned-h72\nr-9", T0 + i) for i, r in enumerate(replicas))
    )
    assert len(set(seen)) == 1 and seen[0] in range(T0, T0 + 12)


async def test_the_store_holds_a_keyed_hash_not_the_recipient_id(store: Store) -> None:
    opens = FirstOpens(store, SECRET)
    await opens.first_open("abandoned-h72\nsmp-honeymoon-fr", T0)
    documents = await store.list_documents(KIND)
    assert documents == [{"ts": T0}]
    stored = opens.stored_key("abandoned-h72\nsmp-honeymoon-fr")
    assert "smp-honeymoon-fr" not in stored
    assert (await store.get_document(KIND, stored)) == {"ts": T0}


async def test_an_unreachable_store_counts_from_now_and_says_so(
    caplog: pytest.LogCaptureFixture,
) -> None:
    down = RedisStore(f"redis://127.0.0.1:{free_port()}/0")
    opens = FirstOpens(down, SECRET)
    try:
        with caplog.at_level(logging.WARNING, "atn_content.images"):
            assert await opens.first_open("campaign\nr-1", T0) == T0
            assert await opens.first_open("campaign\nr-1", T0 + 5) == T0 + 5
    finally:
        await down.close()
    assert opens.unavailable == 2
    assert "counting from now" in caplog.text and "r-1" not in caplog.text
