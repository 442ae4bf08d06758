"""The countdown GIF: remaining seconds, locale, theme and scale in, GIF bytes out.

Pure: no clock, no store, no I/O but the font read once; the serving side turns a deadline
into remaining seconds and caches the bytes per second. Each frame is a copy of a base
(background and separators) with digit and label tiles pasted on it (tiles.py), all in
one fixed palette, so nothing is drawn or quantised per frame; Pillow's GIF writer then
stores each frame after the first as the rectangle that changed (mostly the seconds).

Frame 1 is a complete image on its own (Outlook on Windows shows only that frame).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from functools import lru_cache

from PIL import Image, ImageDraw

from atn_content.images.font import font
from atn_content.images.gif import encode
from atn_content.images.text import ENDED, LOCALES, UNITS, unit_label
from atn_content.images.themes import DEFAULT_THEME, Theme, theme
from atn_content.images.tiles import (
    Ink,
    digit_cell,
    digit_tile,
    ink_tile,
    palette,
    text_tile,
)

__all__ = [
    "FRAMES",
    "FRAME_MS",
    "LOCALES",
    "MAX_REMAINING_S",
    "SCALES",
    "contact_sheet",
    "countdown_gif",
    "ended_gif",
    "frames",
    "neutral_gif",
]

#: Frames of a countdown, one per second: a minute of animation per open.
FRAMES = 60
#: How long each frame shows, in milliseconds.
FRAME_MS = 1000
#: 1x, or 2x for retina screens (every length doubled, text drawn at twice the size).
SCALES: tuple[int, ...] = (1, 2)
#: The longest countdown drawn: 999 days, 23:59:59 (three digits of days).
MAX_REMAINING_S = 1000 * 86400 - 1
_UNIT_SECONDS = (86400, 3600, 60, 1)


def _check(locale: str, theme_name: str, scale: int) -> Theme:
    if locale not in LOCALES:
        raise ValueError(f"unknown countdown locale {locale!r}: expected one of {LOCALES}")
    if scale not in SCALES or isinstance(scale, bool):
        raise ValueError(f"unknown countdown scale {scale!r}: expected one of {SCALES}")
    return theme(theme_name)


def _check_remaining(remaining_s: int) -> None:
    if not isinstance(remaining_s, int) or isinstance(remaining_s, bool):
        raise TypeError(f"remaining_s must be an int of seconds, not {remaining_s!r}")
    if remaining_s > MAX_REMAINING_S:
        raise ValueError(f"remaining_s {remaining_s} is past the longest countdown drawn")


def _split(seconds: int) -> tuple[int, int, int, int]:
    """Days, hours, minutes, seconds of a non-negative number of seconds."""
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    return days, hours, minutes, secs


@dataclass(frozen=True)
class _Layout:
    """Where things go at one theme and scale."""

    width: int
    height: int
    column: int
    digit_size: int
    label_size: int
    digits_top: int
    labels_baseline: int

    @classmethod
    def of(cls, look: Theme, scale: int) -> _Layout:
        return cls(
            width=look.width * scale,
            height=look.height * scale,
            column=look.width * scale // len(UNITS),
            digit_size=look.digit_size * scale,
            label_size=look.label_size * scale,
            digits_top=look.digits_top * scale,
            labels_baseline=look.labels_baseline * scale,
        )


@lru_cache(maxsize=64)
def _layout(look: Theme, scale: int) -> _Layout:
    return _Layout.of(look, scale)


def _blank(look: Theme, layout: _Layout) -> Image.Image:
    image = Image.new("P", (layout.width, layout.height), 0)
    image.putpalette(palette(look))
    return image


def _colon(layout: _Layout) -> tuple[Image.Image, int]:
    """The separator tile and its top."""
    colon = text_tile(":", layout.digit_size, Ink.LABELS)
    _cell_w, cell_h, _ascent = digit_cell(layout.digit_size)
    return colon.image, layout.digits_top + (cell_h - colon.image.height) // 2


@lru_cache(maxsize=64)
def _base(look: Theme, scale: int) -> Image.Image:
    """The background with the separators between the units: what every frame starts from."""
    layout = _layout(look, scale)
    image = _blank(look, layout)
    colon, y = _colon(layout)
    for k in range(1, len(UNITS)):
        image.paste(colon, (k * layout.column - colon.width // 2, y))
    return image


def _column_width(layout: _Layout) -> int:
    """A unit's column less the separators on its sides: what a unit tile may cover."""
    colon, _y = _colon(layout)
    return layout.column - colon.width - 2 * (layout.column // 50)


@lru_cache(maxsize=512)  # one byte a pixel: at most 30 MiB, if every tile were 2x
def _unit_tile(layout: _Layout, locale: str, unit: str, value: int) -> Image.Image:
    """One unit as drawn in its column (the number over its label), full height.

    Palette indices only, so every theme of one layout shares it; a frame is then its
    predecessor with the units that changed pasted over (usually the seconds alone).
    """
    width = _column_width(layout)
    tile = Image.new("P", (width, layout.height), 0)
    cell_w, _cell_h, _ascent = digit_cell(layout.digit_size)
    text = f"{value:02d}"
    x = (width - len(text) * cell_w) // 2
    for digit in text:
        tile.paste(digit_tile(digit, layout.digit_size, Ink.DIGITS), (x, layout.digits_top))
        x += cell_w
    label = text_tile(unit_label(locale, unit, value), layout.label_size, Ink.LABELS)
    tile.paste(label.image, ((width - label.width) // 2, layout.labels_baseline + label.dy))
    return tile


def _draw_all(look: Theme, scale: int, locale: str, shown: list[int]) -> list[Image.Image]:
    """The frames showing each number of seconds in shown, each built on the one before."""
    layout = _layout(look, scale)
    left = (layout.column - _column_width(layout)) // 2
    drawn: list[Image.Image] = []
    previous: tuple[int, ...] = ()
    frame = _base(look, scale)
    for seconds in shown:
        values = _split(seconds)
        frame = frame.copy()
        for k, (unit, value) in enumerate(zip(UNITS, values, strict=True)):
            if not previous or previous[k] != value:
                tile = _unit_tile(layout, locale, unit, value)
                frame.paste(tile, (k * layout.column + left, 0))
        drawn.append(frame)
        previous = values
    return drawn


@lru_cache(maxsize=64)
def _ended_frame(look: Theme, scale: int, locale: str) -> Image.Image:
    layout = _layout(look, scale)
    image = _blank(look, layout)
    text = text_tile(ENDED[locale], look.ended_size * scale, Ink.DIGITS)
    x = (layout.width - text.width) // 2
    y = (layout.height - text.image.height) // 2
    image.paste(text.image, (x, y))
    return image


def frames(
    remaining_s: int, locale: str, theme: str = DEFAULT_THEME, scale: int = 1
) -> list[Image.Image]:
    """The frames countdown_gif encodes, as "P" images (the contact sheet draws them).

    remaining_s >= FRAMES: FRAMES frames, remaining_s down to remaining_s - 59.
    0 < remaining_s < FRAMES: remaining_s down to 1, then the "Offer ended" frame.
    remaining_s <= 0: the "Offer ended" frame alone.
    """
    look = _check(locale, theme, scale)
    _check_remaining(remaining_s)
    shown = [remaining_s - k for k in range(FRAMES) if remaining_s - k > 0]
    drawn = _draw_all(look, scale, locale, shown)
    if len(drawn) < FRAMES:
        drawn.append(_ended_frame(look, scale, locale).copy())  # the cached one stays as it is
    return drawn


def _encode(images: list[Image.Image], *, loop: bool) -> bytes:
    # loop=False: no loop count, so the GIF plays once and stays on its last frame
    return encode(images, duration_ms=FRAME_MS, loop=loop)


def countdown_gif(
    remaining_s: int, locale: str, theme: str = DEFAULT_THEME, scale: int = 1
) -> bytes:
    """60 one-second frames counting down from remaining_s (days, hours, minutes, seconds
    with labels in the locale), looping forever.

    remaining_s <= 0 gives the single static "Offer ended" frame in the locale; a countdown
    that reaches 0 within the 60 frames ends on that frame and does not loop (a loop would
    start the count again). Frame 1 alone is right. scale 1 (600x120) or 2 (1200x240).
    Unknown locale, theme or scale: ValueError naming the value and the allowed ones.
    """
    drawn = frames(remaining_s, locale, theme, scale)
    if len(drawn) == 1:
        return ended_gif(locale, theme, scale)
    return _encode(drawn, loop=remaining_s >= FRAMES)


@lru_cache(maxsize=64)
def ended_gif(locale: str, theme: str = DEFAULT_THEME, scale: int = 1) -> bytes:
    """The one static frame after the deadline: "Offer ended" in the locale."""
    look = _check(locale, theme, scale)
    return _encode([_ended_frame(look, scale, locale)], loop=False)


@lru_cache(maxsize=16)
def neutral_gif(theme: str = DEFAULT_THEME, scale: int = 1) -> bytes:
    """The brand image a bad or tampered token gets (no text that could mislead): the
    theme's background with a sun setting on the lagoon, in the accent colour."""
    look = _check(LOCALES[0], theme, scale)
    layout = _layout(look, scale)
    ss = 4  # drawn 4x larger and reduced: smooth edges from ImageDraw's aliased shapes
    w, h = layout.width * ss, layout.height * ss
    mask = Image.new("L", (w, h), 0)
    draw = ImageDraw.Draw(mask)
    horizon, r = h * 58 // 100, h * 22 // 100
    draw.pieslice((w // 2 - r, horizon - r, w // 2 + r, horizon + r), 180, 360, fill=255)
    stroke = 3 * scale * ss
    for k, half in enumerate((w * 18 // 100, w * 12 // 100, w * 7 // 100)):
        y = horizon + stroke + k * 3 * stroke
        draw.rounded_rectangle(
            (w // 2 - half, y, w // 2 + half, y + stroke), radius=stroke // 2, fill=255
        )
    small = mask.resize((layout.width, layout.height), Image.Resampling.LANCZOS)
    image = _blank(look, layout)
    image.paste(ink_tile(small, Ink.ACCENT), (0, 0))
    return _encode([image], loop=False)


def contact_sheet(
    remaining_s: int, locale: str, theme: str = DEFAULT_THEME, scale: int = 1
) -> bytes:
    """A PNG grid of every frame, numbered, for designers to see a whole minute at once."""
    drawn = frames(remaining_s, locale, theme, scale)
    columns, gutter = 4, 8 * scale
    caption_font = font(12 * scale)
    caption_h = sum(caption_font.getmetrics())
    cell_w = drawn[0].width + gutter
    cell_h = caption_h + drawn[0].height + gutter
    rows = -(-len(drawn) // columns)
    sheet = Image.new("RGB", (gutter + columns * cell_w, gutter + rows * cell_h), "#e3ddd0")
    draw = ImageDraw.Draw(sheet)
    for n, image in enumerate(drawn):
        x = gutter + (n % columns) * cell_w
        y = gutter + (n // columns) * cell_h
        draw.text((x, y), f"{n + 1}", font=caption_font, fill="#5b6b75")
        sheet.paste(image.convert("RGB"), (x, y + caption_h))
    out = io.BytesIO()
    sheet.save(out, "PNG", optimize=False)
    return out.getvalue()
