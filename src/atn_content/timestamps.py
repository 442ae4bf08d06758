"""ISO 8601 timestamps as the API, the CLI and the stored logs write them: UTC as "Z".

One rule in one place, so a send time, a decision due date and a reweighting log entry
read the same way wherever they are printed.
"""

from __future__ import annotations

import datetime as dt

__all__ = ["iso", "utc_iso"]


def utc_iso(moment: dt.datetime | float, timespec: str = "auto") -> str:
    """A datetime, or a Unix time taken as UTC, in ISO 8601 with "+00:00" written "Z"
    (a datetime in another zone keeps its offset)."""
    if not isinstance(moment, dt.datetime):
        moment = dt.datetime.fromtimestamp(moment, dt.UTC)
    return moment.isoformat(timespec=timespec).replace("+00:00", "Z")


def iso(ts: float | None) -> str | None:
    """A Unix time to the second, as records and results show it; None for no time or one
    past year 9999 (a record stored before bounds were checked)."""
    if ts is None:
        return None
    try:
        return utc_iso(ts, timespec="seconds")
    except (OverflowError, ValueError, OSError):
        return None
