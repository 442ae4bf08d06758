"""Airports Air Tahiti Nui serves: local time zones, city names, and flight-time filters.

Flight times in booking data are ISO 8601 strings in the airport's local time with its
offset. The engine's `time`/`date` filters move a moment into the *recipient's* zone, which
is right for "your offer ends at" but wrong for an itinerary: a traveller reads "departs
09:55" at Paris CDG in Paris time. These filters show a moment in the airport's zone (from
the map below; the string's own offset for an airport not in it).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from babel import Locale
from babel.dates import format_date, format_time
from jinja2 import Environment, pass_context
from jinja2.runtime import Context

from atn_content.content.formatting import zone_named
from atn_content.content.i18n import parse_locale

__all__ = [
    "AIRPORT_ZONES",
    "CITY_NAMES",
    "FILTERS",
    "airport_city",
    "airport_moment",
    "install_airport_filters",
]

#: IATA code -> IANA zone, for the airports of Air Tahiti Nui's network and its islands.
AIRPORT_ZONES: dict[str, str] = {
    "PPT": "Pacific/Tahiti",
    "BOB": "Pacific/Tahiti",
    "MOZ": "Pacific/Tahiti",
    "RGI": "Pacific/Tahiti",
    "FAV": "Pacific/Tahiti",
    "HUH": "Pacific/Tahiti",
    "RFP": "Pacific/Tahiti",
    "TIH": "Pacific/Tahiti",
    "NHV": "Pacific/Marquesas",
    "LAX": "America/Los_Angeles",
    "SEA": "America/Los_Angeles",
    "SFO": "America/Los_Angeles",
    "CDG": "Europe/Paris",
    "NRT": "Asia/Tokyo",
    "HND": "Asia/Tokyo",
    "AKL": "Pacific/Auckland",
}

#: IATA code -> city or island name per content locale (fr, en, ja).
CITY_NAMES: dict[str, tuple[str, str, str]] = {
    "PPT": ("Papeete", "Papeete", "パペーテ"),
    "BOB": ("Bora Bora", "Bora Bora", "ボラボラ島"),
    "MOZ": ("Moorea", "Moorea", "モーレア島"),
    "RGI": ("Rangiroa", "Rangiroa", "ランギロア島"),
    "FAV": ("Fakarava", "Fakarava", "ファカラヴァ島"),
    "HUH": ("Huahine", "Huahine", "フアヒネ島"),
    "RFP": ("Raiatea", "Raiatea", "ライアテア島"),
    "TIH": ("Tikehau", "Tikehau", "ティケハウ島"),
    "NHV": ("Nuku Hiva", "Nuku Hiva", "ヌクヒバ島"),
    "LAX": ("Los Angeles", "Los Angeles", "ロサンゼルス"),
    "SEA": ("Seattle", "Seattle", "シアトル"),
    "SFO": ("San Francisco", "San Francisco", "サンフランシスコ"),
    "CDG": ("Paris", "Paris", "パリ"),
    "NRT": ("Tokyo", "Tokyo", "東京"),
    "HND": ("Tokyo", "Tokyo", "東京"),
    "AKL": ("Auckland", "Auckland", "オークランド"),
}
_LOCALE_INDEX = {"fr": 0, "en": 1, "ja": 2}


def airport_moment(value: str | dt.datetime, airport: str = "") -> dt.datetime:
    """The moment in the airport's zone; an unknown airport keeps the value's own offset.

    A value without an offset is taken as the airport's local time already.
    """
    moment = dt.datetime.fromisoformat(value) if isinstance(value, str) else value
    zone_name = AIRPORT_ZONES.get(airport.upper()) if isinstance(airport, str) else None
    zone = zone_named(zone_name) if zone_name else None
    if zone is None:
        return moment
    if moment.tzinfo is None:
        return moment.replace(tzinfo=zone)
    return moment.astimezone(zone)


def airport_city(code: str, locale: str) -> str:
    """The city name in the locale (CDG: Paris, パリ); the code itself if unknown."""
    names = CITY_NAMES.get(code.upper()) if isinstance(code, str) else None
    if names is None:
        return str(code)
    return names[_LOCALE_INDEX.get(locale.split("_")[0].split("-")[0], 1)]


def _locale(context: Context) -> Locale:
    tag = context.get("locale")
    return parse_locale(tag if isinstance(tag, str) and tag else "en")


@pass_context
def flight_time(context: Context, value: str, airport: str = "") -> str:
    """`{{ leg.departure|flight_time(leg["from"]) }}` -> "09:55" (fr), "9:55 AM" (en)."""
    moment = airport_moment(value, airport)
    return format_time(moment, "short", tzinfo=moment.tzinfo, locale=_locale(context))


@pass_context
def flight_date(context: Context, value: str, airport: str = "", format: str = "full") -> str:
    """The calendar date of the moment at the airport, in the locale's `format`."""
    return format_date(airport_moment(value, airport), format, locale=_locale(context))


@pass_context
def city(context: Context, code: str) -> str:
    """`{{ "CDG"|airport_city }}` -> "Paris", "パリ" in Japanese."""
    return airport_city(code, str(context.get("locale") or "en"))


#: The Jinja filters this module gives templates (travel/extension.py registers them).
FILTERS: dict[str, Callable[..., Any]] = {
    "flight_time": flight_time,
    "flight_date": flight_date,
    "airport_city": city,
}


def install_airport_filters(env: Environment) -> None:
    """Register flight_time, flight_date and airport_city as Jinja filters."""
    env.filters.update(FILTERS)
