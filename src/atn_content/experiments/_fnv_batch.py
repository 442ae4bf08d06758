"""Vectorised FNV-1a 32-bit over many strings at once (numpy uint32 arithmetic wraps
modulo 2**32, which is exactly FNV's arithmetic)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from atn_content.experiments.fnv import OFFSET, PRIME

__all__ = ["OFFSET", "code_units", "fnv_decimal", "fnv_rows", "fnv_text"]

_PRIME = np.uint32(PRIME)
_POWERS = np.array([10**k for k in range(9, -1, -1)], dtype=np.uint32)

U32 = npt.NDArray[np.uint32]


def code_units(texts: Sequence[str]) -> tuple[U32, npt.NDArray[np.int64], npt.NDArray[np.bool_]]:
    """(N, L) code points padded with zeros, lengths, and rows outside the BMP.

    Rows flagged ``astral`` hold characters that UTF-16 splits into surrogate pairs; the
    caller hashes those few with the scalar path.
    """
    lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
    width = int(lengths.max()) if len(texts) else 0
    if width == 0:
        return np.zeros((len(texts), 0), np.uint32), lengths, np.zeros(len(texts), np.bool_)
    array = np.array(texts, dtype=f"<U{width}")
    units = array.view(np.uint32).reshape(len(texts), width)
    astral = np.asarray((units > 0xFFFF).any(axis=1), dtype=np.bool_)
    return units, lengths, astral


def fnv_rows(state: U32, units: U32, lengths: npt.NDArray[np.int64]) -> U32:
    """Continue each row's FNV state over that row's units (up to its length)."""
    h = state.copy()
    for j in range(units.shape[1]):
        active = lengths > j
        stepped = (h ^ units[:, j]) * _PRIME
        h = np.where(active, stepped, h)
    return h


def fnv_text(state: U32, text: str) -> U32:
    """Continue every row's FNV state over the same text (a seed or namespace suffix)."""
    h = state.copy()
    for unit in memoryview(text.encode("utf-16-le")).cast("H"):
        h = (h ^ np.uint32(unit)) * _PRIME
    return h


def fnv_decimal(values: U32) -> U32:
    """FNV-1a of ``str(value)`` for every value (GrowthBook hash v2's second pass)."""
    digits = (values[:, None] // _POWERS[None, :]) % np.uint32(10) + np.uint32(48)
    ndigits = 1 + (values[:, None] >= _POWERS[None, :-1]).sum(axis=1)
    start = 10 - ndigits
    h = np.full(values.shape, OFFSET, dtype=np.uint32)
    for j in range(10):
        stepped = (h ^ digits[:, j]) * _PRIME
        h = np.where(start <= j, stepped, h)
    return h
