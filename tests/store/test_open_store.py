"""open_store: URL forms, directory creation, and clear rejections."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from atn_content.store import Event, Store, StoreUnavailable, open_store
from atn_content.store.redis import RedisStore
from atn_content.store.sqlite import SQLiteStore


async def test_relative_sqlite_url_creates_parent_directories(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    store = open_store("sqlite:///.atn/data/store.db")
    try:
        assert isinstance(store, SQLiteStore)
        assert isinstance(store, Store)
        await store.record([Event("s", "A", "open", "r1", 0.0)])
    finally:
        await store.close()
    assert (tmp_path / ".atn" / "data" / "store.db").is_file()


async def test_absolute_sqlite_url(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "er" / "store.db"
    store = open_store(f"sqlite:///{path}")  # sqlite:////abs/... for an absolute path
    try:
        assert isinstance(store, SQLiteStore)
        assert store.path == path
        await store.ping()
    finally:
        await store.close()
    assert path.is_file()


async def test_sqlite_store_reopens_with_its_data(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'store.db'}"
    first = open_store(url)
    await first.put_document("experiment", "bf", {"key": "bf"})
    await first.close()
    second = open_store(url)
    try:
        assert await second.get_document("experiment", "bf") == {"key": "bf"}
    finally:
        await second.close()


@pytest.mark.parametrize("url", ["redis://127.0.0.1:6379/3", "rediss://cache.internal:6380/0"])
async def test_redis_urls_open_a_redis_store_without_connecting(url: str) -> None:
    store = open_store(url)
    assert isinstance(store, RedisStore)
    assert store.url == url
    await store.close()


async def test_unreachable_redis_raises_store_unavailable() -> None:
    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    store = open_store(f"redis://127.0.0.1:{port}/0")
    try:
        with pytest.raises(StoreUnavailable):
            await store.ping()
        with pytest.raises(StoreUnavailable):
            await store.record([Event("s", "A", "open", "r1", 0.0)])
    finally:
        await store.close()


@pytest.mark.parametrize(
    "url",
    [
        "postgres://localhost/atn",
        "sqlite://relative.db",
        "sqlite:///",
        "sqlite:///dir/",
        "store.db",
        "",
        "memcached://localhost:11211",
    ],
)
def test_other_urls_are_rejected_with_the_accepted_forms(url: str) -> None:
    with pytest.raises(ValueError, match=r"sqlite:///relative/path\.db.*redis://host:port/db"):
        open_store(url)


async def test_closed_sqlite_store_is_unavailable(tmp_path: Path) -> None:
    store = open_store(f"sqlite:///{tmp_path / 'store.db'}")
    await store.close()
    with pytest.raises(StoreUnavailable):
        await store.ping()
