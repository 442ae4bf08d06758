"""What tests in several folders share about a running service: the app behind a real
uvicorn on a free port, and a scan of a SQLite store for any trace of a value."""

from __future__ import annotations

import socket
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import uvicorn
from litestar import Litestar

__all__ = ["live_server", "sqlite_mentions"]


@contextmanager
def live_server(app: Litestar) -> Iterator[str]:
    """`app` behind a real uvicorn on a free port (for what TestClient cannot do); its URL."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


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
