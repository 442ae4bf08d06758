"""Content similarity of destinations ("similar to your previous trips"), from the
catalogue alone: what a traveller goes there for, the archipelago, the kind of place, the
season. Pure maths, no I/O."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from atn_content.recommendations.catalogue import Catalogue

__all__ = ["FEATURE_WEIGHTS", "content_neighbours", "content_similarity", "top_neighbours"]

#: How much each attribute counts; activities count one each. An island in the same
#: archipelago matters more than a shared kind; the season is a tie-breaker.
FEATURE_WEIGHTS = {"archipelago": 1.5, "kind": 1.0, "cluster": 0.5, "months": 0.75}


def _features(catalogue: Catalogue) -> npt.NDArray[np.float64]:
    vocabulary = sorted({a for d in catalogue for a in d.activities})
    archipelagos = sorted({d.archipelago for d in catalogue})
    kinds = sorted({d.kind for d in catalogue})
    clusters = sorted({d.cluster for d in catalogue})
    columns = len(vocabulary) + len(archipelagos) + len(kinds) + len(clusters) + 12
    matrix = np.zeros((len(catalogue), columns))
    for row, d in enumerate(catalogue):
        for a in d.activities:
            matrix[row, vocabulary.index(a)] = 1.0
        base = len(vocabulary)
        matrix[row, base + archipelagos.index(d.archipelago)] = FEATURE_WEIGHTS["archipelago"]
        base += len(archipelagos)
        matrix[row, base + kinds.index(d.kind)] = FEATURE_WEIGHTS["kind"]
        base += len(kinds)
        matrix[row, base + clusters.index(d.cluster)] = FEATURE_WEIGHTS["cluster"]
        base += len(clusters)
        share = FEATURE_WEIGHTS["months"] / np.sqrt(len(d.best_months))
        for month in d.best_months:
            matrix[row, base + month - 1] = share
    return matrix


def content_similarity(catalogue: Catalogue) -> npt.NDArray[np.float64]:
    """Cosine similarity of every pair of destinations (rows and columns in catalogue order;
    the diagonal is 0: a place is not its own recommendation)."""
    features = _features(catalogue)
    norms = np.linalg.norm(features, axis=1, keepdims=True)
    unit = features / np.where(norms == 0, 1.0, norms)
    similarity = unit @ unit.T
    np.fill_diagonal(similarity, 0.0)
    return similarity


def top_neighbours(
    similarity: npt.NDArray[np.float64], codes: tuple[str, ...], top_n: int
) -> dict[str, list[tuple[str, float]]]:
    """Each row's top_n positive scores, best first, ties broken by code (deterministic)."""
    out: dict[str, list[tuple[str, float]]] = {}
    for row, code in enumerate(codes):
        pairs = [
            (codes[col], round(float(score), 6))
            for col, score in enumerate(similarity[row])
            if score > 0 and col != row
        ]
        pairs.sort(key=lambda pair: (-pair[1], pair[0]))
        out[code] = pairs[:top_n]
    return out


def content_neighbours(catalogue: Catalogue, top_n: int = 10) -> dict[str, list[tuple[str, float]]]:
    """Each destination's top_n most similar destinations."""
    return top_neighbours(content_similarity(catalogue), catalogue.codes, top_n)
