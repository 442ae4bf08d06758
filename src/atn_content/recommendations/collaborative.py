"""Item-item collaborative filtering ("travellers like you also visited"): destinations
are similar when the same recipients book, search and click both. Pure maths over a
scipy sparse recipient x destination matrix, no I/O.

With a catalogue of a few dozen destinations the item-item matrix is tiny and exact, so
no approximate library is needed (docs/RECOMMENDATIONS.md says what was measured).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from scipy import sparse

__all__ = ["KIND_WEIGHTS", "SHRINK", "interaction_matrix", "item_similarity"]

#: What one interaction says about a recipient's taste: a booking most, a click least.
KIND_WEIGHTS = {"booking": 3.0, "search": 1.0, "click": 0.5}
#: Shrinks the similarity of destinations few recipients share towards 0 (co-counts
#: below ~SHRINK are weak evidence).
SHRINK = 10.0


def interaction_matrix(
    recipients: npt.NDArray[np.int64],
    items: npt.NDArray[np.int64],
    weights: npt.NDArray[np.float64],
    n_recipients: int,
    n_items: int,
) -> sparse.csr_matrix:
    """Recipient x destination, log-damped summed weights (a hundred clicks on one island
    should not outweigh a booking elsewhere)."""
    matrix = sparse.coo_matrix(
        (weights, (recipients, items)), shape=(n_recipients, n_items)
    ).tocsr()
    matrix.sum_duplicates()
    matrix.data = np.log1p(matrix.data)
    return matrix


def item_similarity(matrix: sparse.csr_matrix, shrink: float = SHRINK) -> npt.NDArray[np.float64]:
    """Shrunk cosine similarity of destination columns (diagonal 0)."""
    gram = (matrix.T @ matrix).toarray()
    norms = np.sqrt(np.diag(gram))
    denominator = np.outer(norms, norms)
    cosine = np.divide(gram, denominator, out=np.zeros_like(gram), where=denominator > 0)
    binary = matrix.copy()
    binary.data = np.ones_like(binary.data)
    co_counts = (binary.T @ binary).toarray()
    similarity = cosine * co_counts / (co_counts + shrink)
    np.fill_diagonal(similarity, 0.0)
    return np.asarray(similarity, dtype=np.float64)
