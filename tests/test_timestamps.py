"""One ISO 8601 rule: UTC is written "Z", whatever the caller holds."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from atn_content.timestamps import iso, utc_iso

NOON = dt.datetime(2026, 11, 27, 12, 0, 30, 250000, tzinfo=dt.UTC)


def test_a_utc_datetime_ends_in_z() -> None:
    assert utc_iso(NOON) == "2026-11-27T12:00:30.250000Z"
    assert utc_iso(NOON.replace(microsecond=0)) == "2026-11-27T12:00:30Z"


def test_another_zone_keeps_its_offset() -> None:
    tahiti = NOON.astimezone(ZoneInfo("Pacific/Tahiti"))
    assert utc_iso(tahiti) == "2026-11-27T02:00:30.250000-10:00"


def test_a_unix_time_is_taken_as_utc() -> None:
    assert utc_iso(NOON.timestamp()) == "2026-11-27T12:00:30.250000Z"
    assert utc_iso(NOON.timestamp(), timespec="seconds") == "2026-11-27T12:00:30Z"


def test_iso_shows_records_to_the_second_and_tolerates_no_time() -> None:
    assert iso(NOON.timestamp()) == "2026-11-27T12:00:30Z"
    assert iso(0) == "1970-01-01T00:00:00Z"
    assert iso(None) is None
    assert iso(1e20) is None  # past year 9999
