"""FNV-1a 32-bit over UTF-16 code units, as GrowthBook's JavaScript SDK hashes (``charCodeAt``).

The one home of FNV's parameters: the scalar hash here and the vectorised one in
_fnv_batch must agree bit for bit, or a recipient's arm would depend on the code path.
"""

from __future__ import annotations

__all__ = ["MASK", "OFFSET", "PRIME", "code_units", "fnv1a32", "fnv_from"]

#: FNV-1a 32-bit offset basis and prime; arithmetic is modulo 2**32 (MASK).
OFFSET = 0x811C9DC5
PRIME = 0x01000193
MASK = 0xFFFFFFFF


def code_units(text: str) -> bytes | memoryview:
    """UTF-16 code units of ``text``; ASCII bytes are their own code units (fast path)."""
    if text.isascii():
        return text.encode("ascii")
    return memoryview(text.encode("utf-16-le")).cast("H")


def fnv_from(state: int, units: bytes | memoryview) -> int:
    """Continue an FNV-1a state over ``units``."""
    for unit in units:
        state = ((state ^ unit) * PRIME) & MASK
    return state


def fnv1a32(text: str) -> int:
    """FNV-1a 32-bit over the UTF-16 code units of ``text``."""
    return fnv_from(OFFSET, code_units(text))
