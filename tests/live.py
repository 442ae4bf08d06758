"""What tests in several folders share about a running service: the app behind a real
uvicorn on a free port, and a scan of a SQLite store for any trace of a value."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from atn_content.live_server import live_server

__all__ = ["live_server", "sqlite_mentions"]


def sqlite_mentions(path: str | Path, needle: str) -> list[str]:
    """Every table with a row holding `needle` in any column."""
    found = []
    with sqlite3.connect(path) as conn:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        for table in tables:
            for row in conn.execute(f'SELECT * FROM "{table}"'):
                if any(
                    needle.encode() in (v if isinstance(v, bytes) else str(v).encode()) for v in row
                ):
                    found.append(table)
                    break
    return found
