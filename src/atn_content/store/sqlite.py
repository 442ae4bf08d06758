"""SQLite store: the embedded default for one machine.

One connection, owned by one worker thread, so the event loop never waits on disk
and SQLite never sees two threads. A batch is recorded in one transaction by loading
it into a temporary table and applying the dedupe and uniqueness rules set-wise, which
gives the same result as applying the events one by one in batch order.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import msgspec

from atn_content.store import _sqlite_consent as consent
from atn_content.store.base import (
    Event,
    Preferences,
    StoreUnavailable,
    SuppressionEntry,
    Unsubscribe,
    Versioned,
    validate_event,
)

__all__ = ["SQLiteStore"]

T = TypeVar("T")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS seen_events (
    scope TEXT NOT NULL, event_id TEXT NOT NULL, PRIMARY KEY (scope, event_id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS seen_recipients (
    scope TEXT NOT NULL, metric TEXT NOT NULL, recipient_id TEXT NOT NULL,
    PRIMARY KEY (scope, metric, recipient_id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS counters (
    scope TEXT NOT NULL, bucket TEXT NOT NULL, metric TEXT NOT NULL,
    count INTEGER NOT NULL, sum REAL NOT NULL, sumsq REAL NOT NULL,
    PRIMARY KEY (scope, bucket, metric)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS documents (
    kind TEXT NOT NULL, key TEXT NOT NULL, body BLOB NOT NULL,
    version INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (kind, key)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS logs (
    id INTEGER PRIMARY KEY AUTOINCREMENT, kind TEXT NOT NULL, key TEXT NOT NULL,
    entry BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS logs_by_key ON logs (kind, key, id);
CREATE TABLE IF NOT EXISTS unsubscribes (
    recipient_id TEXT NOT NULL, list_id TEXT NOT NULL, ts REAL NOT NULL,
    PRIMARY KEY (recipient_id, list_id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS leases (
    name TEXT PRIMARY KEY, holder TEXT NOT NULL, expires REAL NOT NULL
) WITHOUT ROWID;
CREATE TEMP TABLE batch (
    seq INTEGER PRIMARY KEY, scope TEXT, bucket TEXT, metric TEXT, recipient_id TEXT,
    value REAL, is_unique INTEGER, event_id TEXT
);
CREATE INDEX temp.batch_by_event ON batch (scope, event_id);
CREATE INDEX temp.batch_by_recipient ON batch (scope, metric, recipient_id);
"""

# Applied in order inside one transaction; each statement is the set-wise form of the
# per-event rule "ignore a seen event_id, then ignore a seen unique recipient".
_RECORD_STEPS = (
    # A repeated event_id inside the batch: only its first occurrence survives.
    """DELETE FROM batch WHERE event_id IS NOT NULL AND seq NOT IN (
           SELECT MIN(seq) FROM batch WHERE event_id IS NOT NULL GROUP BY scope, event_id)""",
    # An event_id recorded by an earlier batch.
    """DELETE FROM batch WHERE event_id IS NOT NULL AND EXISTS (
           SELECT 1 FROM seen_events s
           WHERE s.scope = batch.scope AND s.event_id = batch.event_id)""",
    "INSERT INTO seen_events SELECT scope, event_id FROM batch WHERE event_id IS NOT NULL",
    """DELETE FROM batch WHERE is_unique AND seq NOT IN (
           SELECT MIN(seq) FROM batch WHERE is_unique GROUP BY scope, metric, recipient_id)""",
    """DELETE FROM batch WHERE is_unique AND EXISTS (
           SELECT 1 FROM seen_recipients r WHERE r.scope = batch.scope
           AND r.metric = batch.metric AND r.recipient_id = batch.recipient_id)""",
    "INSERT INTO seen_recipients SELECT scope, metric, recipient_id FROM batch WHERE is_unique",
    """INSERT INTO counters (scope, bucket, metric, count, sum, sumsq)
       SELECT scope, bucket, metric, COUNT(*), TOTAL(value), TOTAL(value * value)
       FROM batch WHERE true GROUP BY scope, bucket, metric
       ON CONFLICT (scope, bucket, metric) DO UPDATE SET
           count = counters.count + excluded.count,
           sum = counters.sum + excluded.sum,
           sumsq = counters.sumsq + excluded.sumsq""",
)


class SQLiteStore:
    """Store backed by one SQLite file in WAL mode."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="atn-sqlite")
        self._conn: sqlite3.Connection | None = None
        self._executor.submit(self._open).result()

    def _open(self) -> None:
        # Several workers may open a fresh file at once: wait for locks instead of failing.
        conn = sqlite3.connect(self.path, isolation_level=None, timeout=10.0)
        conn.execute("PRAGMA busy_timeout=10000")
        _enable_wal(conn)
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.executescript(_SCHEMA)
        conn.executescript(consent.SCHEMA)
        _add_document_versions(conn)
        consent.migrate(conn)
        self._conn = conn

    def _connection(self) -> sqlite3.Connection:
        if self._conn is None:
            raise StoreUnavailable(f"SQLite store {self.path} is closed")
        return self._conn

    async def _run(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        def call() -> T:
            return fn(self._connection())

        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(self._executor, call)
        except RuntimeError as exc:  # executor shut down by close()
            raise StoreUnavailable(f"SQLite store {self.path} is closed") from exc
        except sqlite3.OperationalError as exc:  # locked, disk full, I/O error
            raise StoreUnavailable(f"SQLite store {self.path}: {exc}") from exc

    async def ping(self) -> None:
        await self._run(lambda conn: conn.execute("SELECT 1").fetchone())

    async def warnings(self) -> list[str]:
        return []  # WAL on a local file: durable across restarts

    async def close(self) -> None:
        def shut() -> None:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

        if self._conn is not None:
            await asyncio.get_running_loop().run_in_executor(self._executor, shut)
        self._executor.shutdown(wait=True)

    async def record(self, events: Sequence[Event]) -> int:
        for event in events:  # the whole batch, before anything is written
            validate_event(event)
        if not events:
            return 0
        rows = [
            (e.scope, e.bucket, e.metric, e.recipient_id, e.value, e.unique, e.event_id or None)
            for e in events
        ]

        def write(conn: sqlite3.Connection) -> int:
            conn.execute("BEGIN IMMEDIATE")
            try:
                conn.execute("DELETE FROM batch")
                conn.executemany(
                    "INSERT INTO batch (scope, bucket, metric, recipient_id, value,"
                    " is_unique, event_id) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    rows,
                )
                for step in _RECORD_STEPS[:-1]:
                    conn.execute(step)
                counted: int = conn.execute("SELECT COUNT(*) FROM batch").fetchone()[0]
                conn.execute(_RECORD_STEPS[-1])
                conn.execute("DELETE FROM batch")
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            return counted

        return await self._run(write)

    async def counters(self, scope: str) -> dict[str, dict[str, dict[str, float]]]:
        def read(conn: sqlite3.Connection) -> list[tuple[str, str, int, float, float]]:
            return conn.execute(
                "SELECT bucket, metric, count, sum, sumsq FROM counters WHERE scope = ?",
                (scope,),
            ).fetchall()

        result: dict[str, dict[str, dict[str, float]]] = {}
        for bucket, metric, count, total, total_sq in await self._run(read):
            result.setdefault(bucket, {})[metric] = {
                "count": count,
                "sum": total,
                "sumsq": total_sq,
            }
        return result

    async def put_document(self, kind: str, key: str, document: Mapping[str, Any]) -> None:
        body = msgspec.json.encode(document)
        await self._run(
            lambda conn: conn.execute(
                "INSERT INTO documents (kind, key, body, version) VALUES (?, ?, ?, 1)"
                " ON CONFLICT (kind, key) DO UPDATE"
                " SET body = excluded.body, version = documents.version + 1",
                (kind, key, body),
            )
        )

    async def get_versioned(self, kind: str, key: str) -> Versioned | None:
        row = await self._run(
            lambda conn: conn.execute(
                "SELECT body, version FROM documents WHERE kind = ? AND key = ?", (kind, key)
            ).fetchone()
        )
        return None if row is None else Versioned(_decode_object(row[0]), row[1])

    async def put_if_version(
        self, kind: str, key: str, document: Mapping[str, Any], version: int | None
    ) -> int | None:
        body = msgspec.json.encode(document)

        def write(conn: sqlite3.Connection) -> int | None:
            # One statement each: SQLite applies it atomically, whichever process runs it.
            if version is None:
                cursor = conn.execute(
                    "INSERT INTO documents (kind, key, body, version) VALUES (?, ?, ?, 1)"
                    " ON CONFLICT (kind, key) DO NOTHING",
                    (kind, key, body),
                )
                return 1 if cursor.rowcount == 1 else None
            cursor = conn.execute(
                "UPDATE documents SET body = ?, version = version + 1"
                " WHERE kind = ? AND key = ? AND version = ?",
                (body, kind, key, version),
            )
            return version + 1 if cursor.rowcount == 1 else None

        return await self._run(write)

    async def get_document(self, kind: str, key: str) -> dict[str, Any] | None:
        row = await self._run(
            lambda conn: conn.execute(
                "SELECT body FROM documents WHERE kind = ? AND key = ?", (kind, key)
            ).fetchone()
        )
        return None if row is None else _decode_object(row[0])

    async def list_documents(self, kind: str) -> list[dict[str, Any]]:
        rows = await self._run(
            lambda conn: conn.execute(
                "SELECT body FROM documents WHERE kind = ? ORDER BY key", (kind,)
            ).fetchall()
        )
        return [_decode_object(body) for (body,) in rows]

    async def delete_document(self, kind: str, key: str) -> bool:
        deleted = await self._run(
            lambda conn: (
                conn.execute(
                    "DELETE FROM documents WHERE kind = ? AND key = ?", (kind, key)
                ).rowcount
            )
        )
        return deleted > 0

    async def append_log(self, kind: str, key: str, entry: Mapping[str, Any]) -> None:
        body = msgspec.json.encode(entry)
        await self._run(
            lambda conn: conn.execute(
                "INSERT INTO logs (kind, key, entry) VALUES (?, ?, ?)", (kind, key, body)
            )
        )

    async def read_log(self, kind: str, key: str) -> list[dict[str, Any]]:
        rows = await self._run(
            lambda conn: conn.execute(
                "SELECT entry FROM logs WHERE kind = ? AND key = ? ORDER BY id", (kind, key)
            ).fetchall()
        )
        return [_decode_object(entry) for (entry,) in rows]

    async def unsubscribe(
        self,
        recipient_id: str,
        list_id: str,
        ts: float,
        reason: str = "",
        source: str = "link",
    ) -> None:
        write = Unsubscribe(recipient_id, list_id, ts, reason, source)
        await self._run(lambda conn: consent.unsubscribe(conn, write))

    async def unsubscribes(self, recipient_id: str) -> list[Unsubscribe]:
        return await self._run(lambda conn: consent.unsubscribes(conn, recipient_id))

    async def set_preferences(self, preferences: Preferences) -> bool:
        return await self._run(lambda conn: consent.set_preferences(conn, preferences))

    async def get_preferences(self, recipient_id: str) -> Preferences | None:
        return await self._run(lambda conn: consent.get_preferences(conn, recipient_id))

    async def suppressions(
        self, after: int = 0, limit: int = 100, since: float | None = None
    ) -> list[SuppressionEntry]:
        return await self._run(lambda conn: consent.feed(conn, after, limit, since))

    async def erase_recipient(self, recipient_id: str, recipient_hash: str, ts: float) -> None:
        await self._run(lambda conn: consent.erase(conn, recipient_id, recipient_hash, ts))

    async def recipient_claims(self, recipient_id: str) -> list[tuple[str, str]]:
        return await self._run(lambda conn: consent.recipient_claims(conn, recipient_id))

    async def acquire_lease(self, name: str, holder: str, seconds: float) -> bool:
        def take(conn: sqlite3.Connection) -> bool:
            now = time.time()  # one machine shares a SQLite file, so one clock
            cursor = conn.execute(
                "INSERT INTO leases (name, holder, expires) VALUES (?, ?, ?)"
                " ON CONFLICT (name) DO UPDATE SET holder = excluded.holder,"
                " expires = excluded.expires"
                " WHERE leases.holder = excluded.holder OR leases.expires <= ?",
                (name, holder, now + seconds, now),
            )
            return cursor.rowcount == 1

        return await self._run(take)

    async def release_lease(self, name: str, holder: str) -> None:
        await self._run(
            lambda conn: conn.execute(
                "DELETE FROM leases WHERE name = ? AND holder = ?", (name, holder)
            )
        )

    async def is_unsubscribed(self, recipient_id: str, list_id: str) -> bool:
        row = await self._run(
            lambda conn: conn.execute(
                "SELECT 1 FROM unsubscribes WHERE recipient_id = ? AND list_id = ?",
                (recipient_id, list_id),
            ).fetchone()
        )
        return row is not None


def _decode_object(body: bytes) -> dict[str, Any]:
    value: dict[str, Any] = msgspec.json.decode(body, type=dict[str, Any])
    return value


def _add_document_versions(conn: sqlite3.Connection) -> None:
    """Files made before documents had versions get the column (their rows read as 0)."""
    columns = {row[1] for row in conn.execute("PRAGMA table_info(documents)")}
    if "version" in columns:
        return
    conn.execute("BEGIN IMMEDIATE")  # another worker may be migrating the same file
    try:
        columns = {row[1] for row in conn.execute("PRAGMA table_info(documents)")}
        if "version" not in columns:
            conn.execute("ALTER TABLE documents ADD COLUMN version INTEGER NOT NULL DEFAULT 0")
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise


def _enable_wal(conn: sqlite3.Connection, attempts: int = 50) -> None:
    """Switching to WAL needs a moment alone with the file; retry while another has it."""
    for attempt in range(attempts):
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError:
            if attempt == attempts - 1:
                raise
            time.sleep(0.1)
