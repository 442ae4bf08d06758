"""A lint finding: what is wrong, where, for which client, and how bad."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = ["Finding", "Severity"]

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Finding:
    """One problem. `check` names the rule ("contrast", "link", "feature" ...); `where`
    points into the HTML (an element and its text); `client` is set for client gaps."""

    check: str
    severity: Severity
    message: str
    where: str = ""
    client: str | None = None
    feature: str | None = None
