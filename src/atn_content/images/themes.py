"""The Air Tahiti Nui looks of a countdown: colours and sizes as data.

Colours are the emails' palette (blocks/head.mjml and the templates): the brand teal
#0b4f6c, the coral buttons #c9472e, the ink #1d2a33, the sand body #f4f1ea, the pale
lagoon #cfe3ea. Sizes are at 1x; a 2x (retina) image doubles every one of them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

__all__ = ["DEFAULT_THEME", "THEMES", "Colour", "Theme", "theme"]

#: An sRGB colour, 0-255 per channel.
Colour = tuple[int, int, int]


def _hex(code: str) -> Colour:
    value = int(code.lstrip("#"), 16)
    return (value >> 16) & 0xFF, (value >> 8) & 0xFF, value & 0xFF


@dataclass(frozen=True)
class Theme:
    """One look; every length is in 1x pixels."""

    name: str
    background: Colour
    digits: Colour
    """The numbers (and the "Offer ended" text)."""
    labels: Colour
    """The unit words under the numbers and the separators between them."""
    accent: Colour
    """The brand motif of the neutral image."""
    width: int = 600
    height: int = 120
    digit_size: int = 56
    label_size: int = 16
    ended_size: int = 34
    digits_top: int = 20
    """Top of the digit cells (their ascent starts here)."""
    labels_baseline: int = 94


#: Every theme a token may name, by name.
THEMES: Mapping[str, Theme] = MappingProxyType(
    {
        t.name: t
        for t in (
            Theme(
                "lagoon",
                background=_hex("#0b4f6c"),
                digits=_hex("#ffffff"),
                labels=_hex("#cfe3ea"),
                accent=_hex("#cfe3ea"),
            ),
            Theme(
                "sunset",
                background=_hex("#c9472e"),
                digits=_hex("#ffffff"),
                labels=_hex("#f4f1ea"),
                accent=_hex("#f4f1ea"),
            ),
            Theme(
                "night",
                background=_hex("#1d2a33"),
                digits=_hex("#ffffff"),
                labels=_hex("#cfe3ea"),
                accent=_hex("#c9472e"),
            ),
            Theme(
                "sand",
                background=_hex("#f4f1ea"),
                digits=_hex("#0b4f6c"),
                labels=_hex("#5b6b75"),
                accent=_hex("#0b4f6c"),
            ),
        )
    }
)
#: The theme of a countdown that names none: the brand teal band of the header.
DEFAULT_THEME = "lagoon"


def theme(name: str) -> Theme:
    """The theme called name; a ValueError names it and the known ones otherwise."""
    try:
        return THEMES[name]
    except (KeyError, TypeError):
        raise ValueError(
            f"unknown countdown theme {name!r}: expected one of {', '.join(THEMES)}"
        ) from None
