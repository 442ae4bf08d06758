"""Models in the store, on SQLite and a real Redis: versioned, latest wins, damage named."""

from __future__ import annotations

import asyncio

import msgspec
import pytest

from atn_content.recommendations.catalogue import Catalogue
from atn_content.recommendations.interactions import Interaction
from atn_content.recommendations.model import (
    HISTORY_LIMIT,
    KEEP_VERSIONS,
    KIND,
    HistoryItem,
    ModelError,
    RecsModel,
    latest,
    load,
    save,
    version,
)
from atn_content.recommendations.train import train
from atn_content.store import Store

T0 = 1_790_000_000.0
DAY = 86_400.0


def small_model(trained_at: float = T0) -> RecsModel:
    rows = [
        Interaction("a", "bora-bora", "booking", T0 - 90 * DAY, "ja"),
        Interaction("a", "moorea", "click", T0 - 9 * DAY, "ja"),
        Interaction("b", "bora-bora", "search", T0 - 3 * DAY, "en"),
        Interaction("b", "moorea", "booking", T0 - 2 * DAY, "en"),
    ]
    return train(rows, Catalogue.default(), trained_at=trained_at)


def test_encode_decode_is_lossless_and_a_damaged_blob_is_refused() -> None:
    model = small_model()
    assert RecsModel.decode(model.encode()) == model
    assert model.history["a"] == (
        HistoryItem("moorea", "click", T0 - 9 * DAY),
        HistoryItem("bora-bora", "booking", T0 - 90 * DAY),
    )
    with pytest.raises(ModelError, match="not a recommendations model"):
        RecsModel.decode(model.encode()[:-5])


async def test_nothing_before_the_first_training(store: Store) -> None:
    assert await version(store) is None
    assert await latest(store) is None


async def test_each_save_is_a_new_version_and_latest_is_the_last(store: Store) -> None:
    first = await save(store, small_model(T0))
    second = await save(store, small_model(T0 + 60))
    assert (first.version, second.version) == (1, 2)
    assert await version(store) == 2
    assert await latest(store) == second
    assert await load(store, 1) == first


async def test_old_versions_are_pruned(store: Store) -> None:
    for n in range(KEEP_VERSIONS + 2):
        await save(store, small_model(T0 + n))
    assert await version(store) == KEEP_VERSIONS + 2
    assert await load(store, 1) is None and await load(store, 2) is None
    assert await load(store, 3) is not None


async def test_two_trainings_finishing_at_once_get_two_versions(store: Store) -> None:
    saved = await asyncio.gather(*(save(store, small_model(T0 + n)) for n in range(4)))
    assert sorted(m.version for m in saved) == [1, 2, 3, 4]
    assert await version(store) == 4
    for model in saved:
        assert await load(store, model.version) == model


async def test_a_damaged_stored_model_is_named(store: Store) -> None:
    saved = await save(store, small_model())
    document = await store.get_document(KIND, "v000001")
    assert document is not None and document["version"] == saved.version == 1
    await store.put_document(KIND, "v000001", {**document, "model": document["model"][:-8]})
    with pytest.raises(ModelError, match="recs-model v000001: checksum mismatch"):
        await latest(store)
    await store.put_document(KIND, "v000001", {**document, "encoding": "pickle"})
    with pytest.raises(ModelError, match="unknown encoding 'pickle'"):
        await latest(store)


def test_the_document_says_what_it_holds() -> None:
    model = small_model()
    assert model.interactions == 4 and set(model.history) == {"a", "b"}
    assert model.markets == {"a": "ja", "b": "en"}
    assert msgspec.json.decode(msgspec.json.encode(model), type=RecsModel) == model


def test_history_is_bounded_but_keeps_the_year_s_bookings() -> None:
    rows = [Interaction("r", "tahaa", "booking", T0 - 200 * DAY, "fr")]
    rows += [Interaction("r", "moorea", "click", T0 - n * DAY, "fr") for n in range(40)]
    rows += [Interaction("r", "rurutu", "booking", T0 - 500 * DAY, "fr")]
    history = train(rows, Catalogue.default(), trained_at=T0).history["r"]
    assert len(history) == HISTORY_LIMIT + 1
    assert history[:HISTORY_LIMIT] == tuple(
        HistoryItem("moorea", "click", T0 - n * DAY) for n in range(HISTORY_LIMIT)
    )
    assert history[-1] == HistoryItem("tahaa", "booking", T0 - 200 * DAY)
