"""The travel feature as an engine extension: the flight-time and airport-city filters."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from atn_content.content.extensions import BaseExtension
from atn_content.travel.airports import FILTERS

__all__ = ["AirportsExtension"]


class AirportsExtension(BaseExtension):
    """flight_time, flight_date and airport_city (in the airport's zone, the locale's names)."""

    name = "airports"

    def filters(self, locale: str) -> Mapping[str, Callable[..., Any]]:
        return FILTERS
