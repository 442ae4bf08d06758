"""The audience feature: `profile` (RFM segment, lead score, loyalty) in templates."""

from __future__ import annotations

from atn_content.audience.extension import ProfileExtension
from atn_content.config import Settings
from atn_content.features import Feature

__all__ = ["feature"]


def feature(settings: Settings) -> Feature:
    return Feature("audience", extension=ProfileExtension())
