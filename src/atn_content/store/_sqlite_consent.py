"""SQLite side of what recipients chose: unsubscribes, preferences, the suppression feed,
erasure. Functions of one connection, run on the store's worker thread (see sqlite.py).
"""

from __future__ import annotations

import sqlite3
import time

import msgspec

from atn_content.store.base import Preferences, SuppressionEntry, Unsubscribe

__all__ = [
    "SCHEMA",
    "erase",
    "feed",
    "get_preferences",
    "migrate",
    "recipient_claims",
    "set_preferences",
    "unsubscribe",
    "unsubscribes",
]

SCHEMA = """
CREATE TABLE IF NOT EXISTS preferences (
    recipient_id TEXT PRIMARY KEY, ts REAL NOT NULL, body BLOB NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS suppression_feed (
    id INTEGER PRIMARY KEY AUTOINCREMENT, ts REAL NOT NULL, entry_key TEXT NOT NULL UNIQUE,
    recipient_id TEXT NOT NULL, body BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS suppression_feed_by_recipient ON suppression_feed (recipient_id);
CREATE INDEX IF NOT EXISTS suppression_feed_by_ts ON suppression_feed (ts, id);
"""

_encode = msgspec.json.Encoder().encode
_entry = msgspec.json.Decoder(SuppressionEntry)
_preferences = msgspec.json.Decoder(Preferences)


def migrate(conn: sqlite3.Connection) -> None:
    """Files from before reasons get the columns; their unsubscribes join the feed once."""
    columns = {row[1] for row in conn.execute("PRAGMA table_info(unsubscribes)")}
    if "source" in columns:
        return
    conn.execute("BEGIN IMMEDIATE")  # another worker may be migrating the same file
    try:
        columns = {row[1] for row in conn.execute("PRAGMA table_info(unsubscribes)")}
        if "source" not in columns:
            conn.execute("ALTER TABLE unsubscribes ADD COLUMN reason TEXT NOT NULL DEFAULT ''")
            conn.execute("ALTER TABLE unsubscribes ADD COLUMN source TEXT NOT NULL DEFAULT 'link'")
            rows = conn.execute("SELECT recipient_id, list_id, ts FROM unsubscribes ORDER BY ts")
            for recipient_id, list_id, ts in rows.fetchall():
                _append(conn, Unsubscribe(recipient_id, list_id, ts))
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise


def _append(conn: sqlite3.Connection, write: Unsubscribe | Preferences | tuple[str, float]) -> None:
    """One feed line for a write (an erasure: its hash and time); a repeat adds nothing."""
    if isinstance(write, Unsubscribe):
        key = f"unsub|{write.recipient_id}|{write.list_id}"
        line = SuppressionEntry(
            0, 0.0, "unsubscribe", write.ts, write.recipient_id, "", write.list_id,
            write.reason, write.source,
        )  # fmt: skip
    elif isinstance(write, Preferences):
        key = f"pref|{write.recipient_id}|{write.ts!r}"
        line = SuppressionEntry(
            0, 0.0, "preferences", write.ts, write.recipient_id, frequency=write.frequency,
            topics=write.topics, locale=write.locale,
        )  # fmt: skip
    else:
        key = f"erase|{write[0]}"
        line = SuppressionEntry(0, 0.0, "erasure", write[1], recipient_hash=write[0])
    last = conn.execute("SELECT MAX(ts) FROM suppression_feed").fetchone()[0] or 0.0
    conn.execute(
        "INSERT INTO suppression_feed (ts, entry_key, recipient_id, body) VALUES (?, ?, ?, ?)"
        " ON CONFLICT (entry_key) DO NOTHING",
        (max(time.time(), last), key, line.recipient_id, _encode(line)),
    )


def _transaction(conn: sqlite3.Connection) -> sqlite3.Connection:
    conn.execute("BEGIN IMMEDIATE")
    return conn


def unsubscribe(conn: sqlite3.Connection, write: Unsubscribe) -> None:
    _transaction(conn)
    try:
        cursor = conn.execute(
            "INSERT INTO unsubscribes (recipient_id, list_id, ts, reason, source)"
            " VALUES (?, ?, ?, ?, ?) ON CONFLICT (recipient_id, list_id) DO NOTHING",
            (write.recipient_id, write.list_id, write.ts, write.reason, write.source),
        )
        if cursor.rowcount == 1:
            _append(conn, write)
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise


def unsubscribes(conn: sqlite3.Connection, recipient_id: str) -> list[Unsubscribe]:
    rows = conn.execute(
        "SELECT list_id, ts, reason, source FROM unsubscribes WHERE recipient_id = ?"
        " ORDER BY list_id",
        (recipient_id,),
    ).fetchall()
    return [Unsubscribe(recipient_id, *row) for row in rows]


def set_preferences(conn: sqlite3.Connection, write: Preferences) -> bool:
    _transaction(conn)
    try:
        cursor = conn.execute(
            "INSERT INTO preferences (recipient_id, ts, body) VALUES (?, ?, ?)"
            " ON CONFLICT (recipient_id) DO UPDATE SET ts = excluded.ts, body = excluded.body"
            " WHERE excluded.ts > preferences.ts",
            (write.recipient_id, write.ts, _encode(write)),
        )
        kept = cursor.rowcount == 1
        if kept:
            _append(conn, write)
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return kept


def get_preferences(conn: sqlite3.Connection, recipient_id: str) -> Preferences | None:
    row = conn.execute(
        "SELECT body FROM preferences WHERE recipient_id = ?", (recipient_id,)
    ).fetchone()
    return None if row is None else _preferences.decode(row[0])


def feed(
    conn: sqlite3.Connection, after: int, limit: int, since: float | None
) -> list[SuppressionEntry]:
    rows = conn.execute(
        "SELECT id, ts, body FROM suppression_feed WHERE id > ? AND ts >= ?"
        " ORDER BY ts, id LIMIT ?",
        (after, since if since is not None else float("-inf"), limit),
    ).fetchall()
    return [
        msgspec.structs.replace(_entry.decode(body), id=row_id, ts=ts) for row_id, ts, body in rows
    ]


def erase(conn: sqlite3.Connection, recipient_id: str, recipient_hash: str, ts: float) -> None:
    _transaction(conn)
    try:
        for table in ("unsubscribes", "preferences", "suppression_feed", "seen_recipients"):
            conn.execute(f"DELETE FROM {table} WHERE recipient_id = ?", (recipient_id,))
        conn.execute("DELETE FROM logs WHERE kind = 'consent' AND key = ?", (recipient_id,))
        _append(conn, (recipient_hash, ts))
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise


def recipient_claims(conn: sqlite3.Connection, recipient_id: str) -> list[tuple[str, str]]:
    rows = conn.execute(
        "SELECT scope, metric FROM seen_recipients WHERE recipient_id = ? ORDER BY scope, metric",
        (recipient_id,),
    ).fetchall()
    return [(scope, metric) for scope, metric in rows]
