"""Flight times in the airport's own zone, whatever the recipient's zone is."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from jinja2.sandbox import ImmutableSandboxedEnvironment

from atn_content.travel.airports import (
    AIRPORT_ZONES,
    CITY_NAMES,
    airport_city,
    airport_moment,
    install_airport_filters,
)

#: TN8 leaves Papeete at 23:45 on 24 December; in Paris it is already the 25th.
TN8_PPT = "2026-12-24T23:45:00-10:00"


def render(source: str, locale: str = "fr", **context: Any) -> str:
    env = ImmutableSandboxedEnvironment(autoescape=True)
    install_airport_filters(env)
    return env.from_string(source).render(locale=locale, **context)


def test_every_served_airport_has_a_zone_and_three_city_names() -> None:
    assert set(AIRPORT_ZONES) == set(CITY_NAMES)
    for code, zone in AIRPORT_ZONES.items():
        ZoneInfo(zone)
        assert all(CITY_NAMES[code]), code


def test_a_moment_is_shown_in_the_airport_zone_even_if_the_data_used_another_offset() -> None:
    # Same instant written in UTC: the itinerary must still say 23:45 in Papeete.
    moment = airport_moment("2026-12-25T09:45:00+00:00", "PPT")
    assert (moment.hour, moment.minute, moment.day) == (23, 45, 24)


def test_an_unknown_airport_keeps_the_offset_of_the_data() -> None:
    moment = airport_moment("2026-12-10T09:55:00+01:00", "XXX")
    assert moment.utcoffset() == dt.timedelta(hours=1)
    assert moment.hour == 9


def test_a_naive_time_is_local_time_at_the_airport() -> None:
    moment = airport_moment("2026-12-10T15:00:00", "LAX")
    assert moment.utcoffset() == dt.timedelta(hours=-8)


@pytest.mark.parametrize(
    ("locale", "expected"),
    [("fr", "23:45"), ("en", "11:45\u202fPM"), ("ja", "23:45")],
)
def test_flight_time_filter_ignores_the_recipient_zone(locale: str, expected: str) -> None:
    recipient = {"timezone": "Europe/Paris"}
    out = render('{{ t|flight_time("PPT") }}', locale, t=TN8_PPT, recipient=recipient)
    assert out.replace(" ", "\u202f") == expected


def test_flight_date_is_the_local_calendar_day_at_the_airport() -> None:
    assert render('{{ t|flight_date("PPT", "long") }}', "fr", t=TN8_PPT) == "24 décembre 2026"
    assert render('{{ t|flight_date("PPT", "long") }}', "ja", t=TN8_PPT) == "2026年12月24日"


@pytest.mark.parametrize(
    ("code", "locale", "expected"),
    [
        ("CDG", "fr", "Paris"),
        ("NRT", "ja", "東京"),
        ("BOB", "ja", "ボラボラ島"),
        ("ZZZ", "en", "ZZZ"),
    ],
)
def test_city_names_per_locale(code: str, locale: str, expected: str) -> None:
    assert airport_city(code, locale) == expected
    assert render("{{ c|airport_city }}", locale, c=code) == expected
