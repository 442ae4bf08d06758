"""FNV-1a has one set of parameters: the scalar and the vectorised hash agree bit for bit."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from atn_content.experiments import _fnv_batch
from atn_content.experiments.fnv import OFFSET, fnv1a32

BMP = st.text(st.characters(max_codepoint=0xFFFF, exclude_categories=("Cs",)), max_size=40)


def test_reference_vectors() -> None:
    assert fnv1a32("") == OFFSET == 0x811C9DC5
    assert fnv1a32("a") == 0xE40C292C
    assert fnv1a32("foobar") == 0xBF9CF968


@given(st.lists(BMP, min_size=1, max_size=8))
def test_the_vectorised_hash_is_the_scalar_hash(texts: list[str]) -> None:
    units, lengths, _ = _fnv_batch.code_units(texts)
    start = np.full(len(texts), OFFSET, dtype=np.uint32)
    assert _fnv_batch.fnv_rows(start, units, lengths).tolist() == [fnv1a32(t) for t in texts]
    seeded = _fnv_batch.fnv_text(start, "seed")
    assert seeded.tolist() == [fnv1a32("seed")] * len(texts)


@given(st.lists(st.integers(0, 2**32 - 1), min_size=1, max_size=8))
def test_the_decimal_pass_hashes_the_number_as_text(values: list[int]) -> None:
    hashed = _fnv_batch.fnv_decimal(np.array(values, dtype=np.uint32))
    assert hashed.tolist() == [fnv1a32(str(v)) for v in values]
