"""GIF writing: the container written by us, decoding to the pixels Pillow's own writer gives."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image, ImageSequence

from atn_content.images.countdown import FRAME_MS, countdown_gif, frames
from atn_content.images.gif import encode


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


def info_of(gif: bytes) -> tuple[int, list[int], object]:
    image = Image.open(io.BytesIO(gif))
    durations = [f.info.get("duration", 0) for f in ImageSequence.Iterator(image)]
    return image.n_frames, durations, image.info.get("loop")


@pytest.mark.parametrize("colours", [2, 3, 22, 200, 256])
def test_any_palette_size(colours: int) -> None:
    rng = np.random.default_rng(colours)
    images = []
    for k in range(3):
        pixels = rng.integers(0, colours, (20, 30), dtype=np.uint8)
        pixels[: 5 + k, : 7 + k] = (k + 1) % colours  # a changing corner, the rest random
        image = Image.frombytes("P", (30, 20), pixels.tobytes())
        image.putpalette(bytes(rng.integers(0, 256, 3 * colours, dtype=np.uint8)))
        images.append(image)
    for image in images[1:]:
        image.putpalette(images[0].getpalette() or [])
    ours = encode(images, duration_ms=500, loop=False)
    assert all(
        np.array_equal(a, b)
        for a, b in zip(decoded(pillow_gif(images)), decoded(ours), strict=True)
    )
    assert info_of(ours) == (3, [500, 500, 500], None)


def test_a_frame_equal_to_the_one_before_lengthens_it() -> None:
    one, two = Image.new("P", (8, 8), 0), Image.new("P", (8, 8), 1)
    for image in (one, two):
        image.putpalette(bytes([0, 0, 0, 255, 255, 255]))
    gif = encode([one, one.copy(), two], duration_ms=1000, loop=True)
    assert info_of(gif) == (2, [2000, 1000], 0)
    assert [f[0, 0].tolist() for f in decoded(gif)] == [[0, 0, 0], [255, 255, 255]]


def test_a_single_frame_is_one_still_image() -> None:
    image = Image.new("P", (4, 4), 0)
    image.putpalette(bytes([10, 20, 30]))
    gif = encode([image], duration_ms=FRAME_MS, loop=False)
    assert info_of(gif) == (1, [FRAME_MS], None)
    assert decoded(gif)[0][0, 0].tolist() == [10, 20, 30]


def test_countdowns_stay_under_40_kb() -> None:
    """The issue's size target at 600x120; sizes are deterministic, not timings."""
    for locale in ("fr", "en", "ja"):
        assert len(countdown_gif(400 * 86400 + 7, locale)) <= 40 * 1024
