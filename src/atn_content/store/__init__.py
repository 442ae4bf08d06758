"""Persistence behind one protocol; `open_store(url)` picks the backend from a URL."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from atn_content.redact import redact
from atn_content.store.base import (
    CONTENT_TYPES,
    FREQUENCIES,
    MAX_ABS_VALUE,
    UNSUBSCRIBE_REASONS,
    UNSUBSCRIBE_SOURCES,
    Event,
    InvalidEvent,
    Preferences,
    Store,
    StoreUnavailable,
    SuppressionEntry,
    Unsubscribe,
    Versioned,
    Write,
    validate_event,
    validate_write,
)

__all__ = [
    "CONTENT_TYPES",
    "FREQUENCIES",
    "MAX_ABS_VALUE",
    "UNSUBSCRIBE_REASONS",
    "UNSUBSCRIBE_SOURCES",
    "Event",
    "InvalidEvent",
    "Preferences",
    "Store",
    "StoreUnavailable",
    "SuppressionEntry",
    "Unsubscribe",
    "Versioned",
    "Write",
    "open_store",
    "validate_event",
    "validate_write",
]

#: Shown in every rejection so the operator sees what would have worked.
ACCEPTED_FORMS = (
    "sqlite:///relative/path.db, sqlite:////absolute/path.db, "
    "redis://host:port/db, rediss://host:port/db"
)


def open_store(url: str) -> Store:
    """Open the store a URL names; SQLite parent directories are created."""
    scheme = urlsplit(url).scheme.lower()
    if scheme == "sqlite":
        return _open_sqlite(url)
    if scheme in {"redis", "rediss"}:
        from atn_content.store.redis import RedisStore

        return RedisStore(url)
    raise ValueError(f"unsupported store URL {redact(url)!r}; accepted forms: {ACCEPTED_FORMS}")


def _open_sqlite(url: str) -> Store:
    from atn_content.store.sqlite import SQLiteStore

    prefix = "sqlite:///"
    path = url[len(prefix) :] if url.lower().startswith(prefix) else ""
    if not path or path.endswith("/") or "?" in path or "#" in path:
        raise ValueError(f"unsupported store URL {redact(url)!r}; accepted forms: {ACCEPTED_FORMS}")
    file = Path(path)
    file.parent.mkdir(parents=True, exist_ok=True)
    return SQLiteStore(file)
