"""GIF writing: Pillow's bytes less the repeated colour tables, decoding to the same pixels."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image, ImageSequence

from atn_content.images.countdown import FRAME_MS, countdown_gif, frames
from atn_content.images.gif import drop_repeated_tables, encode


def decoded(gif: bytes) -> list[np.ndarray]:
    image = Image.open(io.BytesIO(gif))
    return [np.asarray(f.convert("RGB")) for f in ImageSequence.Iterator(image)]


def local_tables(gif: bytes) -> list[bool]:
    """For each image of the GIF, whether it carries a local colour table (a block walk)."""
    pos = 13 + (3 << ((gif[10] & 7) + 1) if gif[10] & 0x80 else 0)
    found = []
    while gif[pos] != 0x3B:
        if gif[pos] == 0x21:
            pos += 2
        else:
            flags = gif[pos + 9]
            found.append(bool(flags & 0x80))
            pos += 10 + (3 << ((flags & 7) + 1) if flags & 0x80 else 0) + 1
        while gif[pos]:
            pos += gif[pos] + 1
        pos += 1
    return found


def pillow_gif(images: list[Image.Image]) -> bytes:
    out = io.BytesIO()
    images[0].save(
        out, "GIF", save_all=True, append_images=images[1:], duration=FRAME_MS, optimize=False
    )
    return out.getvalue()


def test_same_pixels_as_pillow_wrote_one_palette_fewer_per_frame() -> None:
    images = frames(86400 + 3600 + 61, "ja", "night")
    plain, ours = pillow_gif(images), encode(images, duration_ms=FRAME_MS, loop=True)
    assert local_tables(plain) == [False] + [True] * 59  # what Pillow writes by itself
    assert local_tables(ours) == [False] * 60
    assert len(plain) - len(ours) >= 59 * 3 * 16  # at least 16 colours a frame
    assert all(np.array_equal(a, b) for a, b in zip(decoded(plain), decoded(ours), strict=True))


def test_a_local_table_with_other_colours_is_kept() -> None:
    red, blue = Image.new("P", (8, 8), 1), Image.new("P", (8, 8), 1)
    red.putpalette(bytes([0, 0, 0, 255, 0, 0]))
    blue.putpalette(bytes([0, 0, 0, 0, 0, 255]))
    gif = encode([red, blue], duration_ms=100, loop=False)
    assert local_tables(gif) == [False, True]
    first, second = decoded(gif)
    assert first[0, 0].tolist() == [255, 0, 0] and second[0, 0].tolist() == [0, 0, 255]


def test_a_single_frame_is_left_as_it_is() -> None:
    image = Image.new("P", (4, 4), 0)
    image.putpalette(bytes([10, 20, 30]))
    gif = encode([image], duration_ms=FRAME_MS, loop=False)
    assert drop_repeated_tables(gif) == gif
    assert decoded(gif)[0][0, 0].tolist() == [10, 20, 30]


def test_countdowns_stay_under_40_kb() -> None:
    """The issue's size target at 600x120; sizes are deterministic, not timings."""
    for locale in ("fr", "en", "ja"):
        assert len(countdown_gif(400 * 86400 + 7, locale)) <= 40 * 1024


def test_not_a_gif() -> None:
    with pytest.raises(ValueError, match="not a GIF"):
        drop_repeated_tables(b"\x89PNG\r\n\x1a\n")
