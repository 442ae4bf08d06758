"""Frames to GIF bytes: Pillow's writer, without the colour tables it repeats.

Given "P" frames that share one palette, Pillow stores each frame after the first as the
rectangle that changed (the seconds, mostly), but gives each its own copy of the palette
as a local colour table: 96 bytes a frame, a fifth of a countdown. A local table equal to
the global one says nothing, so it is dropped; the pixels and every other block are kept
byte for byte.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

from PIL import Image

__all__ = ["encode"]

_TRAILER, _EXTENSION, _IMAGE = 0x3B, 0x21, 0x2C
_TABLE_FLAG, _TABLE_BITS, _SORT_FLAG = 0x80, 0x07, 0x20


def encode(frames: Sequence[Image.Image], *, duration_ms: int, loop: bool) -> bytes:
    """The frames as one GIF, each shown duration_ms; loop forever, or play once and stay."""
    out = io.BytesIO()
    options: dict[str, object] = {"duration": duration_ms, "optimize": False, "disposal": 1}
    if loop:
        options["loop"] = 0
    first, rest = frames[0], list(frames[1:])
    first.save(out, "GIF", save_all=bool(rest), append_images=rest, **options)
    return drop_repeated_tables(out.getvalue())


def _table_size(flags: int) -> int:
    return 3 << ((flags & _TABLE_BITS) + 1) if flags & _TABLE_FLAG else 0


def _after_sub_blocks(data: bytes, pos: int) -> int:
    """The position after a run of data sub-blocks (size byte, bytes; a 0 ends it)."""
    while data[pos]:
        pos += data[pos] + 1
    return pos + 1


def drop_repeated_tables(data: bytes) -> bytes:
    """data with every image's local colour table that equals the global one removed."""
    if data[:6] not in (b"GIF87a", b"GIF89a"):
        raise ValueError("not a GIF")
    pos = 13 + _table_size(data[10])
    global_table = data[13:pos]
    out = [data[:pos]]
    while True:
        block = data[pos]
        if block == _TRAILER:
            out.append(data[pos:])
            return b"".join(out)
        if block == _EXTENSION:
            end = _after_sub_blocks(data, pos + 2)  # introducer, label, then sub-blocks
            out.append(data[pos:end])
        elif block == _IMAGE:
            descriptor = bytearray(data[pos : pos + 10])
            flags = descriptor[9]
            table_end = pos + 10 + _table_size(flags)
            table = data[pos + 10 : table_end]
            if table and table == global_table:
                descriptor[9] = flags & ~(_TABLE_FLAG | _SORT_FLAG | _TABLE_BITS)
                table = b""
            end = _after_sub_blocks(data, table_end + 1)  # LZW code size, then sub-blocks
            out += [bytes(descriptor), table, data[table_end:end]]
        else:
            raise ValueError(f"unexpected GIF block 0x{block:02x} at byte {pos}")
        pos = end
