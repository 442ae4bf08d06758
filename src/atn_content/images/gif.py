"""Frames to GIF bytes: the container written here, the pixels compressed by Pillow's LZW.

Frames of a countdown share one palette and differ by a few digits. Pillow's `save_all`
gets that right (each frame after the first is the rectangle that changed) but costs
about 0.1 ms of Python a frame (copies, palette checks, a full-frame diff) and repeats the
palette as a local colour table in every frame (96 bytes, a fifth of a countdown). This
writer puts the palette once in the header, finds each changed rectangle with one C diff,
and hands only that rectangle to Pillow's own GIF (LZW) encoder. tests/images checks that
every frame decodes to the pixels of Pillow's writer, and tests/browser that Chromium's
decoder agrees.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence

from PIL import Image, ImageChops

__all__ = ["encode"]

_HEADER = b"GIF89a"
_TRAILER = b";"
_LZW_BITS = 8  # the code size Pillow's encoder writes with
_DISPOSAL_KEEP = 1  # each frame is drawn over the one before


def _palette_block(image: Image.Image) -> tuple[bytes, int]:
    """The colour table (padded to a power of two, at least 2 entries) and its size bits."""
    colours = image.getpalette() or [0, 0, 0]
    entries = max(2, len(colours) // 3)
    bits = max(1, (entries - 1).bit_length())
    table = bytes(colours[: 3 << bits]).ljust(3 << bits, b"\0")
    return table, bits - 1


def _lzw(image: Image.Image) -> bytes:
    """The image's pixels as GIF data sub-blocks, by Pillow's C encoder."""
    encoder = Image._getencoder("P", "gif", "P")  # the encoder Pillow's GIF writer uses
    try:
        encoder.setimage(image.im, (0, 0, *image.size))
        chunks = []
        while True:
            _, status, data = encoder.encode(65536)
            chunks.append(data)
            if status:
                break
        if status < 0:
            raise OSError(f"GIF encoder error {status}")
    finally:
        encoder.cleanup()
    return b"".join(chunks)


def _frame(image: Image.Image, box: tuple[int, int, int, int], centiseconds: int) -> bytes:
    left, top, right, bottom = box
    part = image if box == (0, 0, *image.size) else image.crop(box)
    control = struct.pack("<3sBHBx", b"!\xf9\x04", _DISPOSAL_KEEP << 2, centiseconds, 0)
    descriptor = struct.pack("<cHHHHB", b",", left, top, right - left, bottom - top, 0)
    return control + descriptor + bytes([_LZW_BITS]) + _lzw(part) + b"\0"


def encode(frames: Sequence[Image.Image], *, duration_ms: int, loop: bool) -> bytes:
    """The "P" frames (one size, one palette: the first's) as one GIF, each shown
    duration_ms; loop forever, or (loop False) play once and stay on the last frame.

    A frame equal to the one before lengthens it instead of being stored.
    """
    first = frames[0]
    width, height = first.size
    table, size_bits = _palette_block(first)
    screen = struct.pack("<HHBBB", width, height, 0x80 | 0x70 | size_bits, 0, 0)
    head = [_HEADER, screen, table]
    if loop:
        head.append(b"!\xff\x0bNETSCAPE2.0\x03\x01\x00\x00\x00")  # loop count 0: forever
    shown: list[tuple[Image.Image, tuple[int, int, int, int], int]] = []
    previous: Image.Image | None = None
    for image in frames:
        if previous is None:
            shown.append((image, (0, 0, width, height), duration_ms))
        else:
            box = ImageChops.subtract_modulo(image, previous).getbbox()
            if box is None:
                last, last_box, last_ms = shown[-1]
                shown[-1] = (last, last_box, last_ms + duration_ms)
            else:
                shown.append((image, box, duration_ms))
        previous = image
    body = [_frame(image, box, ms // 10) for image, box, ms in shown]
    return b"".join([*head, *body, _TRAILER])
