"""The travel feature: airport cities and flight times in the airport's own zone."""

from __future__ import annotations

from atn_content.config import Settings
from atn_content.features import Feature
from atn_content.travel.extension import AirportsExtension

__all__ = ["feature"]


def feature(settings: Settings) -> Feature:
    return Feature("travel", extension=AirportsExtension())
