"""The synthetic generator: reproducible, and the structure it documents is there."""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter

import pytest

from atn_content.recommendations.catalogue import Catalogue
from atn_content.recommendations.interactions import KINDS
from atn_content.recommendations.synthetic import generate

START = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
END = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
ROWS = generate(3000, 5, START, END)
CATALOGUE = Catalogue.default()


def test_same_seed_same_data_other_seed_other_data() -> None:
    assert generate(200, 5, START, END) == generate(200, 5, START, END)
    assert generate(200, 5, START, END) != generate(200, 6, START, END)


def test_rows_are_valid_sorted_and_inside_the_period() -> None:
    assert all(i.destination in CATALOGUE and i.kind in KINDS for i in ROWS)
    assert all(START.timestamp() <= i.ts < END.timestamp() for i in ROWS)
    assert [i.ts for i in ROWS] == sorted(i.ts for i in ROWS)
    assert all(i.market == i.recipient_id.split("-")[1] for i in ROWS)


def _share(market: str, code: str) -> float:
    rows = [i for i in ROWS if i.market == market]
    return sum(i.destination == code for i in rows) / len(rows)


def test_markets_have_the_planted_tastes() -> None:
    # Japanese recipients go to Bora Bora far more than French ones; French to the Marquesas.
    assert _share("ja", "bora-bora") > 1.5 * _share("fr", "bora-bora")
    assert _share("fr", "nuku-hiva") > 2 * _share("ja", "nuku-hiva")
    # Nobody travels to their own gateway.
    assert _share("ja", "tokyo") < 0.01 and _share("fr", "paris") < 0.01


def test_searches_come_before_bookings_and_most_trips_are_not_booked() -> None:
    kinds = Counter(i.kind for i in ROWS)
    assert kinds["search"] > kinds["click"] > kinds["booking"] > 0
    first_search: dict[tuple[str, str], float] = {}
    for i in ROWS:
        if i.kind == "search":
            first_search.setdefault((i.recipient_id, i.destination), i.ts)
    bookings = [i for i in ROWS if i.kind == "booking"]
    searched_first = sum(first_search.get((b.recipient_id, b.destination), b.ts + 1) <= b.ts
                         for b in bookings)  # fmt: skip
    assert searched_first == len(bookings)


def test_whale_watchers_come_in_season() -> None:
    months = Counter(dt.datetime.fromtimestamp(i.ts, dt.UTC).month for i in ROWS
                     if i.destination == "rurutu")  # fmt: skip
    # Trips are planned 3 months ahead: Rurutu (whales July-October) is searched April-July.
    # More than 4 months in 12 would get, by a one-sided z-test at z = 3.29.
    n = sum(months.values())
    share = sum(months[m] for m in (4, 5, 6, 7)) / n
    assert (share - 1 / 3) / math.sqrt(1 / 3 * 2 / 3 / n) > 3.29


def test_bad_periods_are_refused() -> None:
    with pytest.raises(ValueError, match="aware datetimes"):
        generate(10, 1, END, START)
    with pytest.raises(ValueError, match="aware datetimes"):
        generate(10, 1, START.replace(tzinfo=None), END)
