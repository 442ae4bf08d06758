"""Argument checks shared by the statistics modules: an impossible input is one ValueError
whose message starts with the argument's name ("variant: 130 successes out of 100
recipients"), instead of a math domain error or a quietly wrong p-value downstream.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt


def _number(value: object) -> bool:
    return not isinstance(value, bool) and isinstance(value, int | float | np.integer | np.floating)


def count(name: str, value: float, what: str = "") -> int:
    """A whole number >= 0 (floats that are whole, as simulations pass, are accepted)."""
    if not _number(value) or not math.isfinite(value) or value < 0 or value != int(value):
        raise ValueError(
            f"{name}: {what}{' ' if what else ''}must be a whole number >= 0, got {value!r}"
        )
    return int(value)


def counts(name: str, recipients: float, successes: float) -> tuple[int, int]:
    """(recipients, successes) of one arm, successes <= recipients."""
    n = count(name, recipients, "recipients")
    s = count(name, successes, "successes")
    if s > n:
        raise ValueError(f"{name}: {s} successes out of {n} recipients (at most {n})")
    return n, s


def finite(name: str, value: float, what: str = "") -> float:
    if not _number(value) or not math.isfinite(value):
        raise ValueError(
            f"{name}: {what}{' ' if what else ''}must be a finite number, got {value!r}"
        )
    return float(value)


def positive(name: str, value: float, what: str = "") -> float:
    if finite(name, value, what) <= 0:
        raise ValueError(f"{name}: {what}{' ' if what else ''}must be > 0, got {value!r}")
    return float(value)


def open_unit(name: str, value: float) -> float:
    """A probability strictly between 0 and 1 (alpha, power, a confidence level, a rate)."""
    if not 0 < finite(name, value) < 1:
        raise ValueError(f"{name}: must be in (0, 1), got {value!r}")
    return float(value)


def relative_lift(name: str, value: float) -> float:
    if finite(name, value) <= -1:
        raise ValueError(f"{name}: must be > -1 (-100 %), got {value!r}")
    return float(value)


def moments(name: str, n: float, mean: float, variance: float) -> tuple[int, float, float]:
    """(n, mean, variance) of one arm."""
    size = count(name, n, "n")
    centre = finite(name, mean, "mean")
    if finite(name, variance, "variance") < 0:
        raise ValueError(f"{name}: variance must be >= 0, got {variance!r}")
    return size, centre, float(variance)


def sums(name: str, n: float, total: float, squares: float) -> tuple[int, float, float]:
    """(n, sum, sum of squares) of one arm; squares >= sum^2 / n (Cauchy-Schwarz)."""
    size = count(name, n, "n")
    total = finite(name, total, "sum")
    squares = finite(name, squares, "sum of squares")
    floor = total * total / size if size else 0.0
    if squares < 0 or squares < floor * (1 - 1e-9) - 1e-9:
        raise ValueError(
            f"{name}: sum of squares {squares!r} is below sum^2 / n = {floor!r}, "
            "which no set of values has"
        )
    return size, total, squares


def count_array(name: str, values: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """Element-wise whole numbers >= 0, as float64 for the vectorised simulations."""
    array = np.asarray(values, dtype=np.float64)
    if not np.all(np.isfinite(array)) or np.any(array < 0) or np.any(array != np.floor(array)):
        raise ValueError(f"{name}: every element must be a whole number >= 0")
    return array


def within(
    name: str, successes: npt.NDArray[np.float64], recipients: npt.NDArray[np.float64]
) -> None:
    if np.any(successes > recipients):
        raise ValueError(f"{name}: some elements have more successes than recipients")


def probabilities(name: str, values: Sequence[float]) -> list[float]:
    """p-values: each in [0, 1]."""
    checked = [finite(name, v, f"[{i}]") for i, v in enumerate(values)]
    for i, v in enumerate(checked):
        if not 0 <= v <= 1:
            raise ValueError(f"{name}: [{i}] = {v!r} is not a probability in [0, 1]")
    return checked
