"""Text drawn once, pasted many times: palette-index tiles and the fixed palette.

A countdown's 60 frames differ only in a few digits, so every glyph run is drawn once per
(size, text) as an anti-aliased coverage mask and kept as a "P" tile whose values are
palette indices. The indices say "ink k of 8" for one of three inks (digits, labels,
accent), never a colour: the same tiles serve every theme, and a theme is only its
palette. No frame is ever quantised.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass
from enum import IntEnum
from functools import lru_cache

from PIL import Image, ImageDraw

from atn_content.images.font import font
from atn_content.images.themes import Colour, Theme

__all__ = [
    "DIGITS",
    "LEVELS",
    "Ink",
    "Tile",
    "digit_cell",
    "digit_tile",
    "ink_tile",
    "palette",
    "text_tile",
]

#: Coverage levels per ink, background included: 8 keep edges smooth and the GIF small.
LEVELS = 8
DIGITS = "0123456789"
# FreeType faces are not thread-safe; tiles are drawn once, so one lock costs nothing.
_DRAW = threading.Lock()


class Ink(IntEnum):
    """Which colour of the theme a tile is drawn in."""

    DIGITS = 0
    LABELS = 1
    ACCENT = 2


def _index(ink: Ink, level: int) -> int:
    """Palette index of coverage level (0 = background, LEVELS - 1 = full ink)."""
    return 0 if level == 0 else 1 + ink * (LEVELS - 1) + (level - 1)


def _mix(a: Colour, b: Colour, t: float) -> tuple[int, int, int]:
    r, g, bl = (round(x + (y - x) * t) for x, y in zip(a, b, strict=True))
    return r, g, bl


@lru_cache(maxsize=64)
def palette(theme: Theme) -> bytes:
    """The theme's palette: the background, then LEVELS - 1 steps towards each ink."""
    inks = {Ink.DIGITS: theme.digits, Ink.LABELS: theme.labels, Ink.ACCENT: theme.accent}
    entries = [theme.background]
    for ink in Ink:
        entries += [_mix(theme.background, inks[ink], k / (LEVELS - 1)) for k in range(1, LEVELS)]
    return bytes(channel for colour in entries for channel in colour)


@lru_cache(maxsize=len(Ink))
def _lut(ink: Ink) -> list[int]:
    """Coverage 0-255 -> palette index: round to the nearest level."""
    return [_index(ink, round(c * (LEVELS - 1) / 255)) for c in range(256)]


def ink_tile(mask: Image.Image, ink: Ink) -> Image.Image:
    """A coverage mask ("L", 0-255) as a "P" tile of ink's palette indices."""
    indices = mask.point(_lut(ink))
    return Image.frombytes("P", indices.size, indices.tobytes())


@dataclass(frozen=True)
class Tile:
    """A drawn run of text; (dx, dy) is its top-left corner from the pen's origin on the
    baseline, so tiles placed at one baseline line up."""

    image: Image.Image
    dx: int
    dy: int

    @property
    def width(self) -> int:
        return self.image.width


@lru_cache(maxsize=1024)
def text_tile(text: str, size: int, ink: Ink) -> Tile:
    """text at size px in ink, cropped to its ink (kerning and shaping by FreeType)."""
    face = font(size)
    with _DRAW:
        left, top, right, bottom = (int(v) for v in face.getbbox(text, anchor="ls"))
        mask = Image.new("L", (max(1, right - left), max(1, bottom - top)))
        ImageDraw.Draw(mask).text((-left, -top), text, font=face, fill=255, anchor="ls")
    return Tile(ink_tile(mask, ink), left, top)


@lru_cache(maxsize=64)
def digit_cell(size: int) -> tuple[int, int, int]:
    """(width, height, ascent) of the one cell every digit of a size is drawn in.

    The font's digits share one advance; a cell that wide and as tall as the tallest digit
    means a new digit pasted over an old one covers it exactly.
    """
    face = font(size)
    with _DRAW:
        boxes = [[int(v) for v in face.getbbox(d, anchor="ls")] for d in DIGITS]
        width = math.ceil(max(face.getlength(d) for d in DIGITS))
    ascent = -min(b[1] for b in boxes)
    return width, ascent + max(b[3] for b in boxes), ascent


@lru_cache(maxsize=1024)
def digit_tile(digit: str, size: int, ink: Ink) -> Image.Image:
    """One digit in its cell (see digit_cell), drawn once per size and ink."""
    width, height, ascent = digit_cell(size)
    mask = Image.new("L", (width, height))
    with _DRAW:
        ImageDraw.Draw(mask).text((0, ascent), digit, font=font(size), fill=255, anchor="ls")
    return ink_tile(mask, ink)
