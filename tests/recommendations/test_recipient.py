"""Recipient data (docs/RECIPIENT.md) as a history the ranking reads."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from atn_content.recommendations.catalogue import Catalogue
from atn_content.recommendations.model import HistoryItem
from atn_content.recommendations.recipient import history_from_recipient, merge_histories

CATALOGUE = Catalogue.default()
NOW = dt.datetime(2026, 12, 3, 8, tzinfo=dt.UTC).timestamp()
DAY = 86_400.0
SAMPLES = Path(__file__).resolve().parents[2] / "samples" / "recipients"


def test_searches_trips_and_bookings_become_history_newest_first() -> None:
    recipient = {
        "recent_searches": ["Tokyo", "Hawaii", "bora bora"],
        "last_destination": "Taha'a",
        "last_flight_date": "2026-06-01",
        "booking": {"destination": "Moorea", "booking_date": "2026-11-20"},
        "search": {"destination": "RGI", "searched_at": "2026-12-02T20:00:00+01:00"},
    }
    assert history_from_recipient(CATALOGUE, recipient, NOW) == (
        HistoryItem("rangiroa", "search", dt.datetime(2026, 12, 2, 19, tzinfo=dt.UTC).timestamp()),
        HistoryItem("tokyo", "search", NOW - DAY),
        HistoryItem("bora-bora", "search", NOW - 2 * DAY),
        HistoryItem("moorea", "booking", dt.datetime(2026, 11, 20, 12, tzinfo=dt.UTC).timestamp()),
        HistoryItem("tahaa", "booking", dt.datetime(2026, 6, 1, 12, tzinfo=dt.UTC).timestamp()),
    )


def test_every_sample_recipient_maps_to_catalogue_places() -> None:
    for path in sorted(SAMPLES.glob("*.json")):
        recipient = json.loads(path.read_text(encoding="utf-8"))
        history = history_from_recipient(CATALOGUE, recipient, NOW)
        named = [*recipient.get("recent_searches", []), recipient.get("last_destination")]
        assert len({h.destination for h in history}) >= len({n for n in named if n}), path.name


@settings(deadline=None)
@given(
    st.dictionaries(
        st.sampled_from(["recent_searches", "last_destination", "last_flight_date", "booking",
                         "search"]),
        st.recursive(st.none() | st.text(max_size=12) | st.integers(),
                     lambda inner: st.lists(inner, max_size=3)
                     | st.dictionaries(st.text(max_size=12), inner, max_size=3)),
    )
)  # fmt: skip
def test_any_recipient_data_gives_a_history_and_never_raises(recipient: dict[str, Any]) -> None:
    history = history_from_recipient(CATALOGUE, recipient, NOW)
    assert all(h.destination in CATALOGUE for h in history)
    assert list(history) == sorted(history, key=lambda h: -h.ts)


def test_merged_histories_are_newest_first_without_repeats() -> None:
    a = (HistoryItem("moorea", "click", NOW), HistoryItem("tahiti", "booking", NOW - DAY))
    b = (HistoryItem("moorea", "click", NOW), HistoryItem("tahaa", "search", NOW - 0.5 * DAY))
    assert merge_histories(a, b) == (a[0], b[1], a[1])
    assert merge_histories(a, b, limit=1) == (a[0],)
