"""SQLiteStore on files made by earlier versions of the service."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from atn_content.store import Unsubscribe, Versioned
from atn_content.store.sqlite import SQLiteStore


async def test_documents_written_before_versions_existed_read_as_version_0(
    tmp_path: Path,
) -> None:
    path = tmp_path / "old.db"
    with sqlite3.connect(path) as conn:
        conn.execute(
            "CREATE TABLE documents (kind TEXT NOT NULL, key TEXT NOT NULL, body BLOB NOT NULL,"
            " PRIMARY KEY (kind, key)) WITHOUT ROWID"
        )
        conn.execute("INSERT INTO documents VALUES ('experiment', 'bf', '{\"n\": 1}')")
    store = SQLiteStore(path)
    try:
        assert await store.get_versioned("experiment", "bf") == Versioned({"n": 1}, 0)
        assert await store.put_if_version("experiment", "bf", {"n": 2}, 0) == 1
        assert await store.put_if_version("experiment", "bf", {"n": 3}, 0) is None
        assert await store.get_document("experiment", "bf") == {"n": 2}
    finally:
        await store.close()
    again = SQLiteStore(path)  # the column is there now: opening again changes nothing
    assert await again.get_versioned("experiment", "bf") == Versioned({"n": 2}, 1)
    await again.close()


async def test_unsubscribes_from_before_reasons_join_the_suppression_feed(
    tmp_path: Path,
) -> None:
    path = tmp_path / "old.db"
    with sqlite3.connect(path) as conn:
        conn.execute(
            "CREATE TABLE unsubscribes (recipient_id TEXT NOT NULL, list_id TEXT NOT NULL,"
            " ts REAL NOT NULL, PRIMARY KEY (recipient_id, list_id)) WITHOUT ROWID"
        )
        conn.execute("INSERT INTO unsubscribes VALUES ('r1', 'newsletter', 1795000000.0)")
    store = SQLiteStore(path)
    try:
        assert await store.unsubscribes("r1") == [Unsubscribe("r1", "newsletter", 1795000000.0)]
        lines = await store.suppressions()
        assert [(e.kind, e.recipient_id, e.list_id) for e in lines] == [
            ("unsubscribe", "r1", "newsletter")
        ]
    finally:
        await store.close()
    again = SQLiteStore(path)  # migrated once: no second feed line
    assert len(await again.suppressions()) == 1
    await again.close()
